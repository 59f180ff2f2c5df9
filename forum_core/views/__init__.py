"""The forum's pages: thin views over the services and the visibility choke point, each module
with the routes it answers. Error pages come first: every other route shares them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # not found, not available, expired forms, rate limits, busy: HTML or problem documents
    config.include(".errors")
    # the database cannot be reached: a 503 page drawn without it, one log line per outage
    config.include(".outage")
    # /healthz: whether the database answers, for supervisors and load balancers
    config.include(".health")
    # sign-in, registration, password resets, the account page, profiles, avatars
    config.include(".accounts")
    # Atom feeds, the sitemap, robots.txt (before the topic page: /t/1/feed.atom is a feed)
    config.include(".feeds")
    # home, categories, topics, posting, editing, the Markdown preview
    config.include(".content")
    # likes on posts: the heart's form, "who liked this", the likes a topic page shows
    config.include(".likes")
    # follow levels: the Notifications menus of categories, topics and members
    config.include(".follows")
    # the forum-wide topic lists: Latest, Unread, New, Top
    config.include(".lists")
    # the tags index, a tag's topics and feed, and the administrators' tag pages
    config.include(".tags")
    # flags, the queue, topic and post states, suspensions, the audit log
    config.include(".moderation")
    # the member's inbox
    config.include(".notifications")
    # unsubscribing from e-mail in one click, without signing in (RFC 8058)
    config.include(".email")
    # the search page
    config.include(".search")
    # the administrators' pages
    config.include(".admin")
