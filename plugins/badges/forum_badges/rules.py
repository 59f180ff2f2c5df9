"""The rules and point actions about what the core keeps: posts, likes, visits, membership
and profiles. The other bundled plugins declare theirs about their own content (ideas,
articles, accepted answers) through the same hooks, and so can any plugin.

A post counts while it is shown: not deleted, hidden or held for approval, in a topic that
is not deleted or held. So a post taken down takes its points back when its author is
re-checked, and "N posts" counts what is there now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from pyramid.i18n import TranslationString
from sqlalchemy import and_, func, select

from forum_core.api import (
    BadgeRule,
    Earned,
    Event,
    PointsAction,
    Post,
    PostCreated,
    PostLike,
    PostLiked,
    PostStateChanged,
    PostUnliked,
    RuleParameter,
    Topic,
    TopicStateChanged,
    User,
    _,
    utcnow,
)

#: posts that are shown (their topic too)
_SHOWN = and_(Post.is_deleted.is_(False), Post.is_hidden.is_(False), Post.is_held.is_(False),
              Topic.is_deleted.is_(False), Topic.is_held.is_(False))


def _authors(session, event) -> list[int]:
    """Whose posts ``event`` wrote, took down or put back: a post's author, or everyone who
    wrote in a topic deleted or restored (one small read in the change's transaction)."""
    if isinstance(event, PostCreated):
        return [event.user_id]
    if isinstance(event, PostStateChanged):
        return list(session.scalars(select(Post.user_id).where(Post.id == event.post_id)))
    if isinstance(event, TopicStateChanged):
        return list(session.scalars(select(Post.user_id).where(Post.topic_id == event.topic_id)
                                    .distinct()))
    return []


class _PostTriggers:
    """Re-check the authors of posts written, taken down or put back."""

    triggers: tuple[type[Event], ...] = (PostCreated, PostStateChanged, TopicStateChanged)

    def members(self, session, event) -> Iterable[int]:
        return _authors(session, event)


def _first_posts(session, user_ids: Sequence[int], *where) -> list[Earned]:
    rows = session.execute(
        select(Post.user_id, func.min(Post.id)).join(Topic, Topic.id == Post.topic_id)
        .where(Post.user_id.in_(user_ids), _SHOWN, *where).group_by(Post.user_id))
    return [Earned(user_id, "post", post_id) for user_id, post_id in rows]


class FirstPost(_PostTriggers, BadgeRule):
    name = "badges.first_post"
    label = _("Wrote a first post")
    description = _("Wrote a first post")

    def earned(self, session, params, user_ids):
        return _first_posts(session, user_ids)


class FirstLikedReply(BadgeRule):
    name = "badges.first_liked_reply"
    label = _("A first reply liked by others")
    description = _("Wrote a reply that another member liked")
    triggers = (PostLiked,)

    def earned(self, session, params, user_ids):
        liked = (select(PostLike.post_id).where(PostLike.post_id == Post.id,
                                                PostLike.user_id != Post.user_id)
                 .exists())
        return _first_posts(session, user_ids, Post.number > 1, liked)


class PostCount(_PostTriggers, BadgeRule):
    name = "badges.posts"
    label = _("A number of posts")
    description = _("Wrote ${count} posts")
    parameters = (RuleParameter("count", _("Posts"), default=100),)

    def earned(self, session, params, user_ids):
        rows = session.execute(
            select(Post.user_id).join(Topic, Topic.id == Post.topic_id)
            .where(Post.user_id.in_(user_ids), _SHOWN).group_by(Post.user_id)
            .having(func.count() >= params["count"]))
        return [Earned(user_id) for (user_id,) in rows]


class DaysVisited(BadgeRule):
    """Checked for the members seen lately (visits are counted behind the pages)."""

    name = "badges.days_visited"
    label = _("Visited on a number of days")
    description = _("Visited the forum on ${days} days")
    parameters = (RuleParameter("days", _("Days"), default=30, maximum=36500),)

    def earned(self, session, params, user_ids):
        rows = session.scalars(select(User.id).where(User.id.in_(user_ids),
                                                     User.days_visited >= params["days"]))
        return [Earned(user_id) for user_id in rows]


class Anniversary(BadgeRule):
    """Checked for the members seen lately, and by the backfill."""

    name = "badges.anniversary"
    label = _("Member for a number of years")
    description = _("A member for ${years} years")
    parameters = (RuleParameter("years", _("Years"), default=1, maximum=100),)

    def earned(self, session, params, user_ids):
        joined_by = utcnow() - dt.timedelta(days=round(365.25 * params["years"]))
        rows = session.scalars(select(User.id).where(User.id.in_(user_ids),
                                                     User.created_at <= joined_by))
        return [Earned(user_id) for user_id in rows]


class ProfileCompleted(BadgeRule):
    """A display name, a picture and a few words about oneself; checked for the members
    seen lately (they edit their profile in a browser)."""

    name = "badges.profile"
    label = _("Completed their profile")
    description = _("Added a display name, a picture and a few words about themselves")

    def earned(self, session, params, user_ids):
        rows = session.scalars(select(User.id).where(
            User.id.in_(user_ids), User.display_name != "", User.avatar != "",
            User.bio != ""))
        return [Earned(user_id) for user_id in rows]


def _posts_earned(session, user_ids: Sequence[int], opening: bool,
                  ) -> list[tuple[int, str, dt.datetime]]:
    number = Post.number == 1 if opening else Post.number > 1
    rows = session.execute(
        select(Post.user_id, Post.id, Post.created_at).join(Topic, Topic.id == Post.topic_id)
        .where(Post.user_id.in_(user_ids), _SHOWN, number))
    return [(user_id, f"post:{post_id}", created_at) for user_id, post_id, created_at in rows]


class TopicStarted(_PostTriggers, PointsAction):
    name = "badges.topic"
    label = _("A topic started")
    default_points = 2

    def earned(self, session, user_ids):
        return _posts_earned(session, user_ids, opening=True)


class ReplyWritten(_PostTriggers, PointsAction):
    name = "badges.reply"
    label = _("A reply written")
    default_points = 1

    def earned(self, session, user_ids):
        return _posts_earned(session, user_ids, opening=False)


class LikeReceived(PointsAction):
    name = "badges.like_received"
    label = _("A like received")
    default_points = 1
    triggers = (PostLiked, PostUnliked, PostStateChanged, TopicStateChanged)

    def members(self, session, event) -> Iterable[int]:
        if isinstance(event, (PostLiked, PostUnliked)):
            return [event.author_id]
        return _authors(session, event)

    def earned(self, session, user_ids):
        rows = session.execute(
            select(Post.user_id, PostLike.post_id, PostLike.user_id, PostLike.created_at)
            .join(Post, Post.id == PostLike.post_id).join(Topic, Topic.id == Post.topic_id)
            .where(Post.user_id.in_(user_ids), PostLike.user_id != Post.user_id, _SHOWN))
        return [(author, f"like:{post_id}:{liker}", created_at)
                for author, post_id, liker, created_at in rows]


RULES: tuple[BadgeRule, ...] = (FirstPost(), FirstLikedReply(), PostCount(), DaysVisited(),
                                Anniversary(), ProfileCompleted())
ACTIONS: tuple[PointsAction, ...] = (TopicStarted(), ReplyWritten(), LikeReceived())


def described(rule: BadgeRule, params: Mapping[str, int]) -> object:
    """The rule's description with the badge's parameters in it (a translation string)."""
    return TranslationString(rule.description, mapping=dict(params)) if params \
        else rule.description
