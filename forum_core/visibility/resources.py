"""Route factories: they find the category or topic of a URL through the visibility choke
point (a hidden object is a 404, exactly like a missing one) and carry its ACL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ..content.models import Category, Post, Topic
from ..limits import parse_id
from . import VIEWER_ID, Viewer, category_clause, post_clause, topic_clause
from .kept import kept

if TYPE_CHECKING:
    from pyramid.request import Request

#: Principals holding each category access level.
LEVEL_PRINCIPALS = {
    "everyone": (Everyone,),
    "members": (Authenticated,),
    "moderators": ("role:moderator", "role:admin"),
    "admins": ("role:admin",),
}
STAFF = ("role:moderator", "role:admin")


def _grant(permission: str, level: str) -> list[tuple[str, str, str]]:
    return [(Allow, principal, permission) for principal in LEVEL_PRINCIPALS[level]]


def _plugin_acl(resource: Any) -> list[Any]:
    entries: list[Any] = []
    for extra in resource.request.registry.forum.hooks.collect(
            "forum_extra_acl", request=resource.request, resource=resource):
        entries.extend(extra)
    return entries


def _category_by_slug(viewer: Viewer) -> Select[tuple[Category]]:
    return select(Category).where(Category.slug == bindparam("slug"), category_clause(viewer))


def _topic_by_id(viewer: Viewer) -> Select[tuple[Topic]]:
    return (select(Topic).options(joinedload(Topic.category))
            .where(Topic.id == bindparam("topic_id"), topic_clause(viewer, VIEWER_ID)))


def _post_by_id(viewer: Viewer) -> Select[tuple[Post]]:
    return (select(Post).options(joinedload(Post.topic).joinedload(Topic.category))
            .where(Post.id == bindparam("post_id"), post_clause(viewer, VIEWER_ID)))


def _id_param(request: Request, name: str) -> int:
    """The id in the URL; anything that is not one is a 404 like a missing object."""
    found = parse_id(request.matchdict.get(name))
    if found is None:
        raise HTTPNotFound()
    return found


class CategoryResource:
    def __init__(self, request: Request, category: Category | None = None) -> None:
        self.request = request
        if category is not None:  # a category already found through the choke point
            self.category: Category = category
            return
        slug = (request.matchdict or {}).get("slug", "")
        viewer = request.viewer
        found = request.db.scalar(kept(viewer, _category_by_slug),
                                  {**viewer.params, "slug": slug})
        if found is None:
            raise HTTPNotFound()
        self.category = found

    @property
    def __acl__(self) -> list[Any]:
        category = self.category
        return [
            *_plugin_acl(self),
            (Allow, "role:admin", ALL_PERMISSIONS),
            *_grant("view", category.read_access),
            *_grant("start_topic", category.topic_access),
        ]


class TopicResource:
    def __init__(self, request: Request) -> None:
        self.request = request
        topic_id = _id_param(request, "topic_id")
        viewer = request.viewer
        topic = request.db.scalar(kept(viewer, _topic_by_id),
                                  {**viewer.params, "topic_id": topic_id})
        if topic is None:
            raise HTTPNotFound()
        self.topic: Topic = topic

    @property
    def __acl__(self) -> list[Any]:
        topic = self.topic
        acl: list[Any] = [*_plugin_acl(self), (Allow, "role:admin", ALL_PERMISSIONS),
                          *[(Allow, p, "moderate") for p in STAFF],
                          *_grant("view", topic.category.read_access)]
        if topic.is_closed or topic.is_locked:
            acl += [(Allow, p, "reply") for p in STAFF]
        else:
            acl += _grant("reply", topic.category.reply_access)
        return acl


class PostResource:
    def __init__(self, request: Request) -> None:
        self.request = request
        post_id = _id_param(request, "post_id")
        viewer = request.viewer
        post = request.db.scalar(kept(viewer, _post_by_id), {**viewer.params, "post_id": post_id})
        if post is None:
            raise HTTPNotFound()
        self.post: Post = post
        self.topic: Topic = post.topic

    @property
    def __acl__(self) -> list[Any]:
        post, topic = self.post, self.topic
        acl: list[Any] = [*_plugin_acl(self), (Allow, "role:admin", ALL_PERMISSIONS),
                          *[(Allow, p, "moderate") for p in STAFF],
                          *[(Allow, p, "edit") for p in STAFF],
                          *[(Allow, p, "history") for p in STAFF],
                          *_grant("view", topic.category.read_access)]
        if not topic.is_locked and not post.is_hidden:
            acl.append((Allow, f"user:{post.user_id}", "edit"))
            acl.append((Allow, f"user:{post.user_id}", "delete"))
        acl.append((Allow, Authenticated, "flag"))
        # (whether the post can be liked, not one's own nor hidden: forum_core.content.likes)
        acl.append((Allow, Authenticated, "like"))
        return acl
