"""Who a quote is from, with a link to the quoted post, for the one who reads it.

A post's HTML is cooked once, when it is written, and the same HTML is shown to everyone; but
whether a reader may follow a quote to its post is the reader's own matter (a post of a closed
group may be quoted where outsiders read), and a member's display name can change after being
quoted. So the cooked quote keeps only what its author wrote (``[quote post=12 user=alice]``
gives ``<blockquote class="quote" data-post="12">`` and "alice:"), and the page, which knows
its reader, puts in "Alice Example wrote:" linking to the post, for the quoted posts the reader
may see (one query through the visibility choke point for every quote of the page). For a post
the reader may not see, the quote stays as its author wrote it: neither the post's address,
its topic's title nor its author's name is added to what the quoted text already says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..content.models import Post
from ..content.urls import topic_url
from ..i18n import _
from ..visibility import post_clause

if TYPE_CHECKING:
    from pyramid.request import Request

#: the opening of a quote as the cooker writes it, with the source line it may have
QUOTE_RE = re.compile(r'(<blockquote class="quote" data-post="([0-9]{1,18})">)\s*'
                      r'(?:<p class="quote-source">[^<]*</p>)?')
_MARK = 'class="quote"'


def quote_sources(request: Request, posts: Iterable[Any]) -> Callable[[Any], Markup]:
    """``show(post)``: the HTML of each of ``posts`` with its quotes' sources filled in for
    ``request``'s viewer. Posts without quotes cost a substring test."""
    posts = list(posts)
    wanted = {int(found) for post in posts if _MARK in post.html
              for _opening, found in QUOTE_RE.findall(post.html)}
    if not wanted:
        return lambda post: Markup(post.html)
    quoted = {post.id: post for post in request.db.scalars(
        select(Post).where(Post.id.in_(wanted), post_clause(request.viewer))
        .options(joinedload(Post.author), joinedload(Post.topic)))}
    sources: dict[int, str] = {}
    for post_id, post in quoted.items():
        text = request.translate(_("${name} wrote:", mapping={"name": post.author.name}))
        sources[post_id] = (f'<p class="quote-source"><a class="quote-link" href="'
                            f'{escape(topic_url(request, post.topic, post.number))}">'
                            f'{escape(text)}</a></p>')

    def fill(match: re.Match[str]) -> str:
        source = sources.get(int(match.group(2)))
        return match.group(0) if source is None else f"{match.group(1)}\n{source}"

    def show(post: Any) -> Markup:
        if _MARK not in post.html:
            return Markup(post.html)
        return Markup(QUOTE_RE.sub(fill, post.html))

    return show
