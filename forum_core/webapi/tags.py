"""Tags in the JSON API: the tags index with the counts the caller may see, one tag, the
tag filter of the topic lists (``?tags=a,b``) and a topic's tags."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..content.interfaces import ITagService
from ..content.tags import TOPIC, Tag, is_staff, tag_by_slug
from ..i18n import _
from ..visibility.resources import TopicResource
from ..visibility.tagged import tag_counts
from ..web.httpcache import same_for_every_visitor
from .endpoints import ApiEndpoint, ApiProblem
from .schemas import ref, topic_json
from .views import page


def tag_json(request: Request, tag: Tag, topic_count: int) -> dict[str, Any]:
    return {"name": tag.name, "slug": tag.slug, "description": tag.description,
            "group": tag.group.name if tag.group is not None else None,
            "topic_count": topic_count, "url": request.route_url("tags.tag", slug=tag.slug)}


def list_tags(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    found = tag_counts(request.db, request.viewer)
    return page(request, [tag_json(request, item.tag, item.topic_count) for item in found],
                None)


def read_tag(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    tag = tag_by_slug(request.db, request.matchdict["slug"])
    if tag is None:
        raise ApiProblem(404, _("Not found"), _("There is no tag with this address."))
    counts = {item.tag.id: item.topic_count for item in tag_counts(request.db, request.viewer)}
    return tag_json(request, tag, counts.get(tag.id, 0))


def set_topic_tags(context: TopicResource, request: Request) -> dict[str, Any]:
    """Staff retag any topic; a member their own topic while it is not locked."""
    topic, user = context.topic, request.user
    if not is_staff(user) and (topic.user_id != user.id or topic.is_locked):
        raise ApiProblem(403, _("Not allowed"), _("Only the topic's author and staff may "
                                                  "change its tags."))
    request.find_service(ITagService).set_tags(user, TOPIC, topic.id,
                                               request.api_data["tags"])
    return topic_json(request, topic, bool(request.has_permission("reply", context)))


TAG_ENDPOINTS = [
    ApiEndpoint("tags.list", "GET", "/tags", list_tags,
                "Every tag, with the number of its topics the caller may see",
                response_schema=ref("TagPage"), tag="discussions"),
    ApiEndpoint("tags.read", "GET", "/tags/{slug}", read_tag, "One tag",
                response_schema=ref("Tag"), tag="discussions"),
    ApiEndpoint("topics.tags", "PUT", "/topics/{topic_id}/tags", set_topic_tags,
                "Replace a topic's tags", factory=TopicResource,
                request_schema=ref("TopicTags"), response_schema=ref("Topic"), signed_in=True,
                tag="discussions",
                description="Members use existing tags on their own topics (forum.tagging); "
                            "staff may name new tags, which are created. A member's tags of "
                            "a staff-only group stay. Unknown tag: 404; not allowed: 403; "
                            "too many, or two of a one-per-topic group: 422."),
]
