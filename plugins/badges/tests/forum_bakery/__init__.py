"""A test plugin written against forum_core.api alone, as a third party would: it adds a
badge rule and a point action through the hooks, without importing the badges plugin."""

from __future__ import annotations

from sqlalchemy import func, select

from forum_core.api import (
    BadgeRule,
    Earned,
    Plugin,
    PointsAction,
    Post,
    PostCreated,
    RuleParameter,
    User,
    _,
    hookimpl,
)

plugin = Plugin(id="bakery", description="Cake talk, recognised.", api_version=2)


class CakePosts(BadgeRule):
    """A post that mentions cake, one award per post for a repeatable badge."""

    name = "bakery.cake_posts"
    label = _("Talked about cake")
    description = _("Mentioned cake in a post")
    triggers = (PostCreated,)
    per_item = True

    def earned(self, session, params, user_ids):
        rows = session.execute(select(Post.user_id, Post.id).where(
            Post.user_id.in_(user_ids), func.lower(Post.source).contains("cake"))
            .order_by(Post.id))
        return [Earned(user_id, "post", post_id) for user_id, post_id in rows]


class LongName(BadgeRule):
    """No event: checked by the periodic re-check and the backfill."""

    name = "bakery.long_name"
    label = _("A long user name")
    description = _("A user name of ${letters} letters or more")
    parameters = (RuleParameter("letters", _("Letters"), default=5, maximum=30),)

    def earned(self, session, params, user_ids):
        rows = session.scalars(select(User.id).where(
            User.id.in_(user_ids), func.length(User.username) >= params["letters"]))
        return [Earned(user_id) for user_id in rows]


class CakeTalk(PointsAction):
    name = "bakery.cake_talk"
    label = _("Cake talk")
    default_points = 5
    triggers = (PostCreated,)

    def earned(self, session, user_ids):
        rows = session.execute(select(Post.user_id, Post.id, Post.created_at).where(
            Post.user_id.in_(user_ids), func.lower(Post.source).contains("cake")))
        return [(user_id, f"cake:{post_id}", at) for user_id, post_id, at in rows]


@hookimpl
def forum_register_badge_rules():
    return [CakePosts(), LongName()]


@hookimpl
def forum_register_point_actions():
    return [CakeTalk()]
