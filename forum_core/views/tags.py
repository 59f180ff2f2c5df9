"""Tag pages: the tags index with the counts the viewer may see, a tag's topics (Latest or
Top), its Atom feed, and the administrators' pages that define tags and tag groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from ..content.interfaces import ITagService
from ..content.tags import Tag, TagGroup, tag_by_slug
from ..errors import ValidationError
from ..i18n import _
from ..limits import FORM_FIELD_MAX, parse_id
from ..visibility import lists
from ..visibility.tagged import newest_tagged, tag_counts
from ..web.httpcache import same_for_every_visitor
from .feeds import FEED_ITEMS, _entries, atom_feed
from .lists import list_rows, page_of

if TYPE_CHECKING:
    from pyramid.config import Configurator

ADMIN = "administer"
#: the orders of a tag's page
TAG_LISTS = ("latest", "top")


def includeme(config: Configurator) -> None:
    config.add_route("tags.index", "/tags")
    config.add_route("tags.feed", "/tag/{slug}/feed.atom")
    config.add_route("tags.tag", "/tag/{slug}")
    config.add_route("admin.tags", "/admin/tags")
    config.add_route("admin.tag", "/admin/tags/{slug}")
    config.add_route("admin.tag_group", "/admin/tag-groups/{group_id}")
    config.scan(__name__)


def _tag(request: Request) -> Tag:
    found = tag_by_slug(request.db, request.matchdict["slug"])
    if found is None:
        raise HTTPNotFound(_("There is no tag with this address."))
    return found


@view_config(route_name="tags.index", renderer="tags/index.html")
def index(request: Request) -> dict[str, Any]:
    """Every tag with the number of its topics the viewer may see."""
    same_for_every_visitor(request)
    return {"tags": tag_counts(request.db, request.viewer)}


@view_config(route_name="tags.tag", renderer="tags/tag.html")
def tag_page(request: Request) -> dict[str, Any]:
    """A tag's topics, through the same visibility-checked lists as /latest and /top."""
    tag = _tag(request)
    name = request.GET.get("order", "latest")
    period = request.GET.get("period", lists.DEFAULT_PERIOD)
    if name not in TAG_LISTS or period not in lists.PERIODS:
        raise HTTPBadRequest(_("Choose the order latest or top, and a period of day, week, "
                               "month or year."))
    page = page_of(request, name, period, [tag], show_muted=True)  # (as a category's page)
    same_for_every_visitor(request)
    query = {"order": name, "period": period} if name == "top" else {}
    return {"tag": tag, "list_name": name, "period": period, "page": page,
            "next_url": request.route_path("tags.tag", slug=tag.slug,
                                           _query={**query, "after": page.next_cursor})
            if page.next_cursor else None,
            **list_rows(request, page.items)}


@view_config(route_name="tags.feed")
def tag_feed(request: Request) -> Response:
    """The newest topics with this tag that the requester may see."""
    tag = _tag(request)
    keys = newest_tagged(request.db, request.viewer, [tag.id], FEED_ITEMS)
    found = request.registry.forum.registries.content_types["topic"].items(request, keys)
    title = request.translate(_("Topics tagged ${tag}", mapping={"tag": tag.name}))
    return atom_feed(request, title, request.route_url("tags.tag", slug=tag.slug),
                     _entries(request, [found[key] for key in keys if key in found]))


# -- the administrators' pages ----------------------------------------------------------------

def _text(request: Request, name: str) -> str:
    return request.POST.get(name, "")[:FORM_FIELD_MAX]


def _group(request: Request, raw: str) -> TagGroup | None:
    if not raw:
        return None
    group_id = parse_id(raw)
    group = request.db.get(TagGroup, group_id) if group_id is not None else None
    if group is None:
        raise ValidationError(_("Choose a tag group from the list."))
    return group


def _tag_form(request: Request) -> dict[str, str]:
    return {"name": _text(request, "name"), "description": _text(request, "description"),
            "group": _text(request, "group")}


def _group_form(request: Request) -> dict[str, Any]:
    return {"name": _text(request, "name"), "staff_only": bool(request.POST.get("staff_only")),
            "one_per_topic": bool(request.POST.get("one_per_topic"))}


@view_config(route_name="admin.tags", permission=ADMIN, renderer="admin/tags.html")
def admin_tags(request: Request) -> Any:
    service = request.find_service(ITagService)
    result: dict[str, Any] = {"tags": tag_counts(request.db, request.viewer),
                              "groups": service.groups(), "form": None, "group_form": None,
                              "group_names": {g.id: g.name for g in service.groups()},
                              "error": None, "done": request.GET.get("done")}
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "group":
                form = _group_form(request)
                result["group_form"] = form
                service.create_group(form["name"], form["staff_only"], form["one_per_topic"])
            else:
                form = _tag_form(request)
                result["form"] = form
                service.create_tag(form["name"], form["description"],
                                   _group(request, form["group"]))
        except ValidationError as exc:
            request.response.status = 400
            return {**result, "error": request.translate(exc.message)}
        return HTTPSeeOther(request.route_path("admin.tags", _query={"done": "created"}))
    return result


@view_config(route_name="admin.tag", permission=ADMIN, renderer="admin/tag.html")
def admin_tag(request: Request) -> Any:
    tag = _tag(request)
    service = request.find_service(ITagService)
    result: dict[str, Any] = {"tag": tag, "groups": service.groups(), "form": None,
                              "error": None}
    if request.method == "POST":
        if request.POST.get("delete"):
            service.delete_tag(tag)
            return HTTPSeeOther(request.route_path("admin.tags", _query={"done": "deleted"}))
        form = _tag_form(request)
        try:
            service.update_tag(tag, form["name"], form["description"],
                               _group(request, form["group"]))
        except ValidationError as exc:
            request.response.status = 400
            return {**result, "form": form, "error": request.translate(exc.message)}
        return HTTPSeeOther(request.route_path("admin.tags", _query={"done": "saved"}))
    return result


@view_config(route_name="admin.tag_group", permission=ADMIN, renderer="admin/tag_group.html")
def admin_tag_group(request: Request) -> Any:
    group_id = parse_id(request.matchdict["group_id"])
    group = request.db.get(TagGroup, group_id) if group_id is not None else None
    if group is None:
        raise HTTPNotFound()
    service = request.find_service(ITagService)
    tags = list(request.db.scalars(select(Tag).where(Tag.group_id == group.id)
                                   .order_by(Tag.name)))
    result: dict[str, Any] = {"group": group, "tags": tags, "form": None, "error": None}
    if request.method == "POST":
        if request.POST.get("delete"):
            service.delete_group(group)
            return HTTPSeeOther(request.route_path("admin.tags", _query={"done": "deleted"}))
        form = _group_form(request)
        try:
            service.update_group(group, form["name"], form["staff_only"], form["one_per_topic"])
        except ValidationError as exc:
            request.response.status = 400
            return {**result, "form": form, "error": request.translate(exc.message)}
        return HTTPSeeOther(request.route_path("admin.tags", _query={"done": "saved"}))
    return result
