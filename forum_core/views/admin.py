"""Admin pages: forms that work without JavaScript; every change is in the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import select

from ..accounts.interfaces import IUserService
from ..accounts.models import ROLES
from ..admin.services import SITE_FIELDS, AdminService
from ..content.appearance import CATEGORY_COLOURS, CATEGORY_ICONS
from ..content.follows import CATEGORY, LEVELS, STREAM, TAG, Stream
from ..content.interfaces import IContentService
from ..content.models import ACCESS_LEVELS, Category
from ..content.tags import Tag
from ..errors import ValidationError
from ..i18n import _
from ..limits import FORM_FIELD_MAX, parse_id
from ..notifications import watching
from ..notifications.watching import ROLE_AUDIENCES
from .errors import error_page

if TYPE_CHECKING:
    from pyramid.config import Configurator


PERMISSION = "administer"
#: positions are 32-bit integers in the database
POSITION_MAX = 10**8 - 1


def includeme(config: Configurator) -> None:
    config.add_route("admin.home", "/admin")
    config.add_route("admin.settings", "/admin/settings")
    config.add_route("admin.categories", "/admin/categories")
    config.add_route("admin.category", "/admin/categories/{slug}")
    config.add_route("admin.members", "/admin/members")
    config.add_route("admin.role", "/admin/members/{username}/role")
    config.add_route("admin.plugins", "/admin/plugins")
    config.add_route("admin.follow_defaults", "/admin/follow-defaults")
    config.add_route("admin.streams", "/admin/streams")
    config.add_route("admin.stream", "/admin/streams/{stream_id}")
    config.scan(__name__)


def _refused(request: Request, result: dict[str, Any], exc: ValidationError) -> dict[str, Any]:
    request.response.status = 400
    return {**result, "error": request.translate(exc.message)}


@view_config(route_name="admin.home", permission=PERMISSION, renderer="admin/home.html")
def home(request: Request) -> dict[str, Any]:
    return {}


@view_config(route_name="admin.settings", permission=PERMISSION, renderer="admin/settings.html")
def settings(request: Request) -> Any:
    result: dict[str, Any] = {"fields": SITE_FIELDS, "values": request.site, "error": None,
                              "done": request.GET.get("saved") == "1"}
    if request.method == "POST":
        values = {f.key: request.POST.get(f.key, "")[:FORM_FIELD_MAX] for f in SITE_FIELDS}
        try:
            AdminService(request.db).save_site(request.user, values)
        except ValidationError as exc:
            return _refused(request, {**result, "values": values}, exc)
        return HTTPSeeOther(request.route_path("admin.settings", _query={"saved": "1"}))
    return result


def _position(raw: str) -> int:
    """A category's place in the listing, as typed: a whole number, perhaps negative."""
    number = parse_id(raw.removeprefix("-"), maximum=POSITION_MAX)
    if number is None:
        return 0
    return -number if raw.startswith("-") else number


def _category_form(request: Request) -> dict[str, Any]:
    return {"name": request.POST.get("name", "")[:FORM_FIELD_MAX],
            "description": request.POST.get("description", "")[:FORM_FIELD_MAX],
            "slug": request.POST.get("slug", "")[:FORM_FIELD_MAX],
            "parent": request.POST.get("parent", ""),
            "read_access": request.POST.get("read_access", "everyone"),
            "topic_access": request.POST.get("topic_access", "members"),
            "reply_access": request.POST.get("reply_access", "members"),
            "position": _position(request.POST.get("position", "0").strip()),
            "colour": request.POST.get("colour", "")[:FORM_FIELD_MAX],
            "icon": request.POST.get("icon", "")[:FORM_FIELD_MAX]}


def _appearance_choices() -> dict[str, Any]:
    return {"colours": CATEGORY_COLOURS, "icons": CATEGORY_ICONS}


def _parent(request: Request, slug: str) -> Category | None:
    if not slug:
        return None
    parent = request.db.scalar(select(Category).where(Category.slug == slug))
    if parent is None:
        raise ValidationError(_("There is no category ${category}.", mapping={"category": slug}))
    return parent


def _all_categories(request: Request) -> list[Category]:
    return list(request.db.scalars(select(Category).order_by(Category.position, Category.id)))


@view_config(route_name="admin.categories", permission=PERMISSION,
             renderer="admin/categories.html")
def categories(request: Request) -> Any:
    result: dict[str, Any] = {"categories": _all_categories(request), "levels": ACCESS_LEVELS,
                              "form": None, "error": None, **_appearance_choices()}
    if request.method == "POST":
        form = _category_form(request)
        try:
            created = request.find_service(IContentService).create_category(
                form["name"], form["description"], form["slug"] or None,
                _parent(request, form["parent"]), form["read_access"], form["topic_access"],
                form["reply_access"], colour=form["colour"], icon=form["icon"])
        except ValidationError as exc:
            return _refused(request, {**result, "form": form}, exc)
        return HTTPSeeOther(request.route_path("admin.category", slug=created.slug))
    return result


@view_config(route_name="admin.category", permission=PERMISSION,
             renderer="admin/category.html")
def category(request: Request) -> Any:
    found = request.db.scalar(select(Category).where(
        Category.slug == request.matchdict["slug"][:200]))
    if found is None:
        raise HTTPNotFound()
    parents = [c for c in _all_categories(request) if c.id != found.id]
    result: dict[str, Any] = {"category": found, "parents": parents, "levels": ACCESS_LEVELS,
                              "form": None, "error": None, **_appearance_choices(),
                              "done": request.GET.get("saved") == "1"}
    if request.method == "POST":
        form = _category_form(request)
        try:
            request.find_service(IContentService).update_category(
                found, form["name"], form["description"], form["slug"] or form["name"],
                _parent(request, form["parent"]), form["read_access"], form["topic_access"],
                form["reply_access"], form["position"], colour=form["colour"],
                icon=form["icon"])
        except ValidationError as exc:
            return _refused(request, {**result, "form": form}, exc)
        return HTTPSeeOther(request.route_path("admin.category", slug=found.slug,
                                               _query={"saved": "1"}))
    return result


@view_config(route_name="admin.members", permission=PERMISSION, renderer="admin/members.html")
def members(request: Request) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:100]
    after = parse_id(request.GET.get("after", ""))
    found = AdminService(request.db).members(query, after, limit=51)
    more = len(found) > 50
    found = found[:50]
    return {"members": found, "query": query, "roles": ROLES,
            "next": found[-1].id if more else None}


@view_config(route_name="admin.role", permission=PERMISSION, request_method="POST",
             renderer="error.html")
def change_role(request: Request) -> Any:

    member = request.find_service(IUserService).get_by_username(
        request.matchdict["username"])
    if member is None:
        raise HTTPNotFound()
    try:
        AdminService(request.db).set_role(request.user, member, request.POST.get("role", ""))
    except ValidationError as exc:
        return error_page(request, 400, _("The role was not changed"), exc.message)
    return HTTPSeeOther(request.route_path("admin.members", _query={"q": member.username}))


@view_config(route_name="admin.plugins", permission=PERMISSION, renderer="admin/plugins.html")
def plugins(request: Request) -> dict[str, Any]:
    """Installed plugins, read-only: enabling one is a change to forum.ini and a restart."""
    env = request.registry.forum
    enabled = {plugin.id: plugin for plugin in env.plugins}
    rows = []
    for plugin_id, entry_point in env.installed.items():
        loaded = enabled.get(plugin_id)
        dist = getattr(entry_point, "dist", None)  # disabled plugins are never imported
        rows.append({"id": plugin_id, "enabled": loaded is not None,
                     "description": loaded.info.description if loaded else "",
                     "version": loaded.version if loaded else (dist.version if dist else ""),
                     "requires": loaded.info.requires if loaded else ()})
    return {"plugins": rows, "failures": list(env.hooks.failures)[-20:]}


def _audiences(request: Request) -> dict[str, str]:
    """Who can be given default levels: the roles, and the audiences of the plugins (their
    groups), by principal."""
    found = {principal: request.translate(label) for principal, label in ROLE_AUDIENCES}
    for pairs in request.registry.forum.hooks.collect("forum_follow_audiences",
                                                     session=request.db):
        found.update((str(principal), request.translate(name)) for principal, name in pairs)
    return found


@view_config(route_name="admin.follow_defaults", permission=PERMISSION,
             renderer="admin/follow_defaults.html")
def follow_defaults(request: Request) -> Any:
    """Default follow levels per audience: "partners watch Partner news"."""
    audiences = _audiences(request)
    categories = _all_categories(request)
    found_streams = watching.streams(request.db)
    tags = _all_tags(request)
    places = {f"{CATEGORY}:{c.id}": c.name for c in categories}
    places.update((f"{TAG}:{t.id}", t.name) for t in tags)
    places.update((f"{STREAM}:{s.id}", s.name) for s in found_streams)
    result: dict[str, Any] = {"audiences": audiences, "categories": categories,
                              "streams": found_streams, "tags": tags, "levels": LEVELS,
                              "error": None,
                              "done": request.GET.get("saved") == "1"}
    if request.method == "POST":
        principal = request.POST.get("audience", "")[:80]
        chosen = request.POST.get("place", "")[:40]
        service = AdminService(request.db)
        try:
            if principal not in audiences or chosen not in places:
                raise ValidationError(_("Choose an audience and a place from the lists."))
            place, _sep, raw_id = chosen.partition(":")
            if request.POST.get("action") == "remove":
                service.remove_follow_default(request.user, principal, place, int(raw_id))
            else:
                service.set_follow_default(request.user, principal, place, int(raw_id),
                                           request.POST.get("level", "")[:20])
        except ValidationError as exc:
            return _refused(request, {**result, "rows": _default_rows(request, audiences,
                                                                      places)}, exc)
        return HTTPSeeOther(request.route_path("admin.follow_defaults",
                                               _query={"saved": "1"}))
    return {**result, "rows": _default_rows(request, audiences, places)}


def _default_rows(request: Request, audiences: dict[str, str], places: dict[str, str],
                  ) -> list[dict[str, Any]]:
    rows = []
    for row in watching.defaults(request.db):
        key = f"{row.place}:{row.place_id}"
        rows.append({"principal": row.principal, "key": key, "level": row.level,
                     "audience": audiences.get(row.principal, row.principal),
                     "name": places.get(key, key)})
    return rows


def _stream_form(request: Request) -> dict[str, Any]:
    """The stream form's values: name, description, and the ids of the chosen categories
    and tags (ids that are not numbers are left out; unknown ones are refused later)."""
    def ids(field: str) -> list[int]:
        return [found for found in (parse_id(raw) for raw in request.POST.getall(field)[:500])
                if found is not None]
    return {"name": request.POST.get("name", "")[:FORM_FIELD_MAX],
            "description": request.POST.get("description", "")[:FORM_FIELD_MAX],
            "categories": ids("category"), "tags": ids("tag")}


def _all_tags(request: Request) -> list[Any]:
    return list(request.db.scalars(select(Tag).order_by(Tag.name)))


@view_config(route_name="admin.streams", permission=PERMISSION, renderer="admin/streams.html")
def streams(request: Request) -> Any:
    """Named streams: sets of categories members follow as a whole."""
    found = watching.streams(request.db)
    every = _all_categories(request)
    names = {category.id: category.name for category in every}
    tags = _all_tags(request)
    names.update((-tag.id, tag.name) for tag in tags)
    ids = [s.id for s in found]
    held = watching.stream_places(request.db, ids, CATEGORY)
    tagged = watching.stream_places(request.db, ids, TAG)
    result: dict[str, Any] = {
        "streams": found, "categories": every, "tags": tags, "error": None,
        "places": {stream_id: [names[c] for c in held.get(stream_id, []) if c in names]
                   + [names[-t] for t in tagged.get(stream_id, []) if -t in names]
                   for stream_id in ids},
        "form": {"name": "", "description": "", "categories": [], "tags": []}}
    if request.method == "POST":
        form = _stream_form(request)
        try:
            AdminService(request.db).save_stream(request.user, None, form["name"],
                                                 form["description"], form["categories"],
                                                 form["tags"])
        except ValidationError as exc:
            return _refused(request, {**result, "form": form}, exc)
        return HTTPSeeOther(request.route_path("admin.streams"))
    return result


@view_config(route_name="admin.stream", permission=PERMISSION, renderer="admin/stream.html")
def stream(request: Request) -> Any:
    stream_id = parse_id(request.matchdict["stream_id"])
    found = None if stream_id is None else request.db.get(Stream, stream_id)
    if found is None:
        raise HTTPNotFound()
    result: dict[str, Any] = {
        "stream": found, "categories": _all_categories(request), "tags": _all_tags(request),
        "error": None, "form": {
            "name": found.name, "description": found.description,
            "categories": watching.stream_places(request.db, [found.id], CATEGORY).get(
                found.id, []),
            "tags": watching.stream_places(request.db, [found.id], TAG).get(found.id, [])}}
    if request.method == "POST":
        service = AdminService(request.db)
        if request.POST.get("action") == "delete":
            service.delete_stream(request.user, found)
            return HTTPSeeOther(request.route_path("admin.streams"))
        form = _stream_form(request)
        try:
            service.save_stream(request.user, found, form["name"], form["description"],
                                form["categories"], form["tags"])
        except ValidationError as exc:
            return _refused(request, {**result, "form": form}, exc)
        return HTTPSeeOther(request.route_path("admin.streams"))
    return result
