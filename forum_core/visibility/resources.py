"""Route factories: they find the category or topic of a URL through the visibility choke
point (a hidden object is a 404, exactly like a missing one) and carry its ACL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..content.models import Category, Post, Topic
from ..limits import parse_id
from . import category_clause, post_clause, topic_clause

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
        found = request.db.scalar(
            select(Category).where(Category.slug == slug, category_clause(request.viewer)))
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
        topic = request.db.scalar(
            select(Topic).options(joinedload(Topic.category))
            .where(Topic.id == topic_id, topic_clause(request.viewer)))
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
        post = request.db.scalar(
            select(Post).options(joinedload(Post.topic).joinedload(Topic.category))
            .where(Post.id == post_id, post_clause(request.viewer)))
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
        return acl
