"""The knowledge base's writing pages: a new article, editing one (with edit conflicts shown
side by side), publishing, restoring an old version, the owner and review date, and the
administrators' pages of sections.

Each change goes through :class:`~.services.KnowledgeBase`, which checks the viewer's rights
and raises the core's errors; here they become pages: a form shown again with its message
and the typed text kept (400), a refusal (403), a conflict (409) or "not available" (404).
The forms work without JavaScript and carry the CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from forum_core.api import (
    ACCESS_LEVELS,
    Category,
    ConflictError,
    NotAllowedError,
    NotAvailable,
    NotFoundError,
    ValidationError,
    _,
    limits,
    parse_id,
    problem_page,
    visible_categories,
)

from .models import EDIT, PUBLISH, RIGHT_LABELS, RIGHTS, WRITE, Revision, Section
from .services import (
    DESCRIPTION_MAX,
    NAME_MAX,
    EditConflict,
    KnowledgeBase,
    flatten,
    next_review,
    parse_principals,
)
from .text import changes_html, compare
from .web import address_of, article_of, kb_for, section_of, trail_of

#: the fields of the article form, each read at most this long (the services say what fits)
ARTICLE_FIELDS = ("title", "body", "note")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
LEVEL_LABELS = {"everyone": _("Everyone"), "members": _("Members"),
                "moderators": _("Moderators"), "admins": _("Administrators")}


def _typed(request) -> dict[str, str]:
    return {name: request.POST.get(name, "")[:limits.FORM_FIELD_MAX] for name in ARTICLE_FIELDS}


def _refused(request, exc: Exception, back: str) -> Any:
    """The page for an error of a service: the message, with the status it means (the
    core's errors are all ValidationErrors: the subclasses are asked first)."""
    if isinstance(exc, NotAllowedError):
        return problem_page(request, exc.message, 403, back)
    if isinstance(exc, NotFoundError):
        return problem_page(request, exc.message, 404, back)
    if isinstance(exc, ConflictError):
        return problem_page(request, exc.message, 409, back)
    assert isinstance(exc, ValidationError)
    return problem_page(request, exc.message, 400, back)


# -- articles -----------------------------------------------------------------------------

@view_config(route_name="kb.new", renderer="kb/form.html")
def new_article(request):
    """A new article in a section, saved as a draft or (publishers) published at once."""
    kb = kb_for(request)
    section = section_of(request, kb)
    back = request.route_path("kb.section", slug=section.slug)
    rights = kb.rights(section)
    if not rights & {WRITE, EDIT, PUBLISH}:
        return problem_page(request, _("Sign in to write in the knowledge base.")
                       if request.user is None else
                       _("You may not write articles in this section."), 403, back)
    page = {"heading": request.translate(_("New article in ${section}",
                                           mapping={"section": section.name})),
            "trail": trail_of(request, kb, section), "error": None, "conflict": None,
            "action": request.route_path("kb.new", slug=section.slug), "base_revision": None,
            "can_publish": PUBLISH in rights, "save_label": request.translate(_("Save draft"))}
    if request.method != "POST":
        return {**page, "title": "", "body": "", "note": ""}
    typed = _typed(request)
    try:
        article = kb.create_article(section, typed["title"], typed["body"], typed["note"],
                                    publish=request.POST.get("action") == "publish")
    except (NotFoundError, ConflictError) as exc:
        return _refused(request, exc, back)
    except ValidationError as exc:  # (and NotAllowedError: publishing refused, typed text kept)
        request.response.status = 403 if isinstance(exc, NotAllowedError) else 400
        return {**page, **typed, "error": request.translate(exc.message)}
    return HTTPSeeOther(address_of(request, article))


@view_config(route_name="kb.edit", renderer="kb/form.html")
def edit_article(request):
    """Editing starts from the latest version (``base_revision``); saving after someone
    else saved is refused with their text and a comparison, and the typed text kept."""
    kb = kb_for(request)
    article = article_of(request, kb)
    back = address_of(request, article)
    if not kb.can_edit(article):
        return problem_page(request, _("You may not edit this article."), 403, back)
    rights = kb.rights(article.section)
    page = {"heading": request.translate(_("Edit ${title}", mapping={"title": article.title})),
            "trail": trail_of(request, kb, article.section), "error": None, "conflict": None,
            "action": request.route_path("kb.edit", article_id=article.id),
            "can_publish": PUBLISH in rights,
            "save_label": request.translate(_("Save draft") if article.is_draft
                                            or PUBLISH not in rights
                                            else _("Save without publishing"))}
    if request.method != "POST":
        latest = article.latest
        assert latest is not None
        return {**page, "title": latest.title, "body": latest.source, "note": "",
                "base_revision": latest.id}
    typed = _typed(request)
    base = parse_id(request.POST.get("base_revision", ""))
    try:
        if base is None:
            raise ValidationError(_("The form lacks the version it was started from; open "
                                    "the editor again."))
        kb.save(article, base, typed["title"], typed["body"], typed["note"],
                publish=request.POST.get("action") == "publish")
    except EditConflict as exc:
        theirs: Revision = exc.latest
        request.response.status = 409
        return {**page, **typed, "error": request.translate(exc.message),
                "base_revision": theirs.id,
                "conflict": {"revision": theirs,
                             "changes": changes_html(compare(theirs.source, typed["body"])),
                             "title_changes": changes_html(compare(theirs.title, typed["title"]))
                             if theirs.title != typed["title"] else None}}
    except (NotFoundError, ConflictError) as exc:
        return _refused(request, exc, back)
    except ValidationError as exc:  # (and NotAllowedError: the typed text is not lost)
        request.response.status = 403 if isinstance(exc, NotAllowedError) else 400
        return {**page, **typed, "error": request.translate(exc.message),
                "base_revision": base or article.latest_revision_id}
    return HTTPSeeOther(address_of(request, article))


@view_config(route_name="kb.publish", request_method="POST")
def publish(request):
    """Publish the latest version."""
    kb = kb_for(request)
    article = article_of(request, kb)
    try:
        kb.publish(article)
    except (NotAllowedError, NotFoundError) as exc:
        return _refused(request, exc, address_of(request, article))
    return HTTPSeeOther(address_of(request, article))


@view_config(route_name="kb.restore", request_method="POST")
def restore(request):
    """A new version with the text of version ``number``."""
    kb = kb_for(request)
    article = article_of(request, kb)
    back = request.route_path("kb.history", article_id=article.id)
    number = parse_id(request.POST.get("number", "").strip(), maximum=10**9)
    if number is None:
        return problem_page(request, _("Choose the version to restore by its number."), 400, back)
    try:
        kb.restore(article, number)
    except (NotAllowedError, NotFoundError) as exc:
        return _refused(request, exc, back)
    return HTTPSeeOther(address_of(request, article))


def _day(raw: str) -> dt.datetime | None:
    """A date of the form (YYYY-MM-DD) as the start of that day in UTC; None when empty."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Give the review date as year-month-day, e.g. 2030-01-31."),
                              ) from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@view_config(route_name="kb.review", request_method="POST")
def review(request):
    """Who owns the article and when it is next reviewed (``reviewed``: it was, just now)."""
    kb = kb_for(request)
    article = article_of(request, kb)
    back = address_of(request, article)
    try:
        if not {EDIT, PUBLISH} & kb.rights(article.section):
            raise NotAllowedError(_("Only the section's editors set review dates."))
        owner_id = kb.member_id(request.POST.get("owner", "")[:100])
        reviewed = request.POST.get("reviewed") == "on"
        review_by = next_review(kb, _day(request.POST.get("review_by", "")[:100]), reviewed)
        kb.set_review(article, owner_id, review_by, reviewed)
    except (NotAllowedError, ValidationError) as exc:
        return _refused(request, exc, back)
    return HTTPSeeOther(back)


# -- sections (administrators) ------------------------------------------------------------

def _section_form(request, new: bool) -> dict[str, Any]:
    """The values of the sections' form, as ``save_section`` takes them; a ``new`` section
    whose three rights are left empty takes its parent's (moderators' at the top).

    :raises ValidationError: for a parent, space or rights that cannot be read.
    """
    post = request.POST
    parent_raw = post.get("parent_id", "").strip()
    parent_id = parse_id(parent_raw) if parent_raw else None
    if parent_raw and parent_id is None:
        raise ValidationError(_("Choose the parent section from the list."))
    space_raw = post.get("space_id", "").strip()
    space_id = parse_id(space_raw) if space_raw else None
    if space_raw and (space_id is None or request.db.scalar(
            visible_categories(request.viewer).where(Category.id == space_id)) is None):
        raise ValidationError(_("Choose the space from the list."))
    position = parse_id(post.get("position", "0").strip() or "0", maximum=10_000)
    if position is None:
        raise ValidationError(_("The position is a number from 0 to 10000."))
    texts = {right: post.get(f"right_{right}", "")[:2000] for right in RIGHTS}
    rights: dict[str, list[str]] | None = {
        right: parse_principals(text) for right, text in texts.items()}
    if new and not any(text.strip() for text in texts.values()):
        rights = None
    return {"name": post.get("name", "")[:limits.FORM_FIELD_MAX],
            "description": post.get("description", "")[:limits.FORM_FIELD_MAX],
            "parent_id": parent_id, "read_access": post.get("read_access", "")[:40],
            "space_id": space_id, "position": position, "rights": rights}


def _typed_section(request) -> dict[str, str]:
    """What the administrator typed, to show the form again."""
    return {name: request.POST.get(name, "")[:limits.FORM_FIELD_MAX]
            for name in ("name", "description", "parent_id", "read_access", "space_id",
                         "position", *(f"right_{right}" for right in RIGHTS))}


def _choices(request, kb: KnowledgeBase, section: Section | None = None) -> dict[str, Any]:
    """The sections (in tree order, with depth), spaces and levels the form offers; a
    section's own subtree is no parent for it."""
    rows = flatten(kb.tree())
    parents = []
    skip_depth = None
    for depth, node in rows:
        if skip_depth is not None and depth > skip_depth:
            continue
        skip_depth = None
        if section is not None and node.section.id == section.id:
            skip_depth = depth
            continue
        parents.append((depth, node.section))
    spaces = list(request.db.scalars(visible_categories(request.viewer)
                                     .order_by(Category.position, Category.id)))
    levels = [(level, request.translate(LEVEL_LABELS.get(level, level)))
              for level in ACCESS_LEVELS]
    return {"rows": rows, "parents": parents, "spaces": spaces, "levels": levels,
            "level_names": dict(levels),
            "space_names": {space.id: space.name for space in spaces},
            "right_labels": [(right, request.translate(RIGHT_LABELS[right]))
                             for right in RIGHTS],
            "name_max": NAME_MAX, "description_max": DESCRIPTION_MAX}


def _values_of(kb: KnowledgeBase, section: Section) -> dict[str, str]:
    rights = kb.rights_table(section)
    return {"name": section.name, "description": section.description,
            "parent_id": str(section.parent_id or ""), "read_access": section.read_access,
            "space_id": str(section.space_id or ""), "position": str(section.position),
            **{f"right_{right}": " ".join(rights.get(right, [])) for right in RIGHTS}}


def _status_of(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 403 \
        if isinstance(exc, NotAllowedError) else 400


@view_config(route_name="kb.sections_admin", permission="administer",
             renderer="kb/sections_admin.html")
def sections_admin(request):
    """Every section, and the form making a new one."""
    kb = kb_for(request)
    values = {"name": "", "description": "", "parent_id": "", "read_access": "everyone",
              "space_id": "", "position": "0",
              **{f"right_{right}": "" for right in RIGHTS}}
    error = None
    if request.method == "POST":
        try:
            section = kb.save_section(None, **_section_form(request, new=True))
        except (ValidationError, ConflictError, NotAllowedError) as exc:
            request.response.status = _status_of(exc)
            error = request.translate(exc.message)
            values = _typed_section(request)
        else:
            return HTTPSeeOther(request.route_path("kb.section_admin", section_id=section.id,
                                                   _query={"saved": "1"}))
    return {**_choices(request, kb), "values": values, "error": error, "new": True}


@view_config(route_name="kb.section_admin", permission="administer",
             renderer="kb/section_admin.html")
def section_admin(request):
    """One section: change it (its place, openness, space and rights) or delete it."""
    kb = kb_for(request)
    section_id = parse_id(request.matchdict.get("section_id"))
    if section_id is None:
        raise NotAvailable()
    try:
        section = kb.section_by_id(section_id)
    except NotFoundError:
        raise NotAvailable() from None
    error = None
    values = _values_of(kb, section)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                kb.delete_section(section)
                return HTTPSeeOther(request.route_path("kb.sections_admin"))
            kb.save_section(section, **_section_form(request, new=False))
        except (ValidationError, ConflictError, NotAllowedError) as exc:
            request.response.status = _status_of(exc)
            error = request.translate(exc.message)
            values = _typed_section(request)
        else:
            return HTTPSeeOther(request.route_path("kb.section_admin", section_id=section.id,
                                                   _query={"saved": "1"}))
    return {**_choices(request, kb, section), "section": section, "values": values,
            "error": error, "saved": request.GET.get("saved") == "1" and error is None,
            "new": False}
