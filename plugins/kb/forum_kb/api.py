"""The knowledge base's JSON API endpoints (under /api/v1/kb, tag "kb", in the OpenAPI
document).

Everything reads through :class:`~.services.KnowledgeBase`, so through the plugin's one
visibility choke point: a section, article or revision the caller may not see answers 404,
exactly like one that does not exist. A service's refusal answers by its kind (404, 403, 409
or 422). Saving from a revision that is not the latest any more answers 409; the problem's
``errors`` then carry the latest revision (``latest.id``, ``latest.number``,
``latest.title``, ``latest.body``), so a client can show both texts and let its user merge.

What only editors see stays with them: the Markdown source and the latest revision's id
(to save from) are null for readers, and the helpful counts are null but for those who may
read the feedback (the owner, the section's editors, administrators).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum_core.api import (
    BODY,
    ID,
    TITLE,
    ApiEndpoint,
    ApiProblem,
    User,
    _,
    line_schema,
    parse_id,
    query_parameter,
    text_schema,
)

from .contenttypes import article_path
from .feedback import COMMENT_MAX, give_feedback, may_read_feedback
from .models import Article, Revision, Section
from .services import NOTE_MAX, SORTS, EditConflict, KnowledgeBase, SectionNode
from .text import compare, with_anchors
from .web import kb_for

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
STATUS = {"type": "string", "enum": ["draft", "published"]}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


SECTION = _object(id={"type": "integer"}, parent_id=NULLABLE_INT, name={"type": "string"},
                  slug={"type": "string"}, description={"type": "string"},
                  read_access={"type": "string"}, depth={"type": "integer"},
                  article_count={"type": "integer"}, url={"type": "string"})
SECTIONS = _object(items={"type": "array", "items": SECTION})
ARTICLE_REF = _object(id={"type": "integer"}, title={"type": "string"},
                      url={"type": "string"}, status=STATUS, updated_at=DATETIME)
SECTION_PAGE = _object(
    section=SECTION,
    trail={"type": "array", "items": _object(id={"type": "integer"}, name={"type": "string"},
                                             slug={"type": "string"})},
    subsections={"type": "array", "items": SECTION},
    articles={"type": "array", "items": ARTICLE_REF})
ARTICLE = _object(
    id={"type": "integer"}, section_id={"type": "integer"}, title={"type": "string"},
    url={"type": "string"}, status=STATUS,
    revision=_object(id={"type": "integer"}, number={"type": "integer"}),
    html={"type": "string"},
    toc={"type": "array", "items": _object(level={"type": "integer"},
                                           anchor={"type": "string"},
                                           text={"type": "string"})},
    source=NULLABLE_STRING, latest_revision_id=NULLABLE_INT, can_edit={"type": "boolean"},
    owner=NULLABLE_STRING, author=NULLABLE_STRING,
    created_at=DATETIME, updated_at=DATETIME, published_at=NULLABLE_DATETIME,
    reviewed_at=NULLABLE_DATETIME, review_by=NULLABLE_DATETIME,
    helpful_yes=NULLABLE_INT, helpful_no=NULLABLE_INT)
REVISIONS = _object(items={"type": "array", "items": _object(
    id={"type": "integer"}, number={"type": "integer"}, title={"type": "string"},
    note={"type": "string"}, author=NULLABLE_STRING, created_at=DATETIME,
    restored_from=NULLABLE_INT, published={"type": "boolean"})})
DIFF = _object(
    **{"from": {"type": "integer"}, "to": {"type": "integer"}},
    from_title={"type": "string"}, to_title={"type": "string"},
    changes={"type": "array", "items": _object(
        kind={"type": "string", "enum": ["same", "added", "removed"]},
        text={"type": "string"})})
FEEDBACK_ANSWER = _object(article_id={"type": "integer"}, revision_id={"type": "integer"},
                          helpful={"type": "boolean"}, comment={"type": "string"})

NOTE = line_schema(0, NOTE_MAX)
CREATE_BODY = {"type": "object", "required": ["section_id", "title", "body"],
               "additionalProperties": False,
               "properties": {"section_id": ID, "title": TITLE, "body": BODY, "note": NOTE,
                              "publish": {"type": "boolean"}}}
SAVE_BODY = {"type": "object", "required": ["base_revision_id", "title", "body"],
             "additionalProperties": False,
             "properties": {"base_revision_id": ID, "title": TITLE, "body": BODY,
                            "note": NOTE, "publish": {"type": "boolean"}}}
FEEDBACK_BODY = {"type": "object", "required": ["helpful"], "additionalProperties": False,
                 "properties": {"helpful": {"type": "boolean"},
                                "comment": text_schema(COMMENT_MAX, required=False)}}

RESTORE_BODY = {"type": "object", "required": ["number"], "additionalProperties": False,
                "properties": {"number": {"type": "integer", "minimum": 1,
                                          "maximum": 999_999_999}}}
PUBLISH_BODY = {"type": "object", "additionalProperties": False,
                "properties": {"revision_id": ID}}
SECTION_BODY = {"type": "object", "required": ["name"], "additionalProperties": False,
                "properties": {"name": line_schema(1, 80), "description": text_schema(
                    500, required=False), "parent_id": {"type": ["integer", "null"],
                                                        "minimum": 1},
                    "read_access": {"type": "string",
                                    "enum": ["everyone", "members", "moderators", "admins"]},
                    "position": {"type": "integer", "minimum": 0, "maximum": 100_000}}}

NUMBER = {"type": "string", "pattern": "^[0-9]{1,9}$"}
FROM_PARAM = query_parameter("from", "The number of the older revision.", NUMBER,
                             required=True)
TO_PARAM = query_parameter("to", "The number of the newer revision.", NUMBER, required=True)
SORT_PARAM = query_parameter("sort", "title (default), updated or helpful.",
                             {"type": "string", "enum": list(SORTS)})


def _id(request, name: str) -> int:
    found = parse_id(request.matchdict.get(name))
    if found is None:
        raise ApiProblem(404, _("Not found"), _("There is no such section or article here, "
                                                "or you may not see it."))
    return found


def section_json(request, section: Section, depth: int = 0, count: int = 0) -> dict:
    return {"id": section.id, "parent_id": section.parent_id, "name": section.name,
            "slug": section.slug, "description": section.description,
            "read_access": section.read_access, "depth": depth, "article_count": count,
            "url": request.route_url("kb.section", slug=section.slug)}


def _flat(request, nodes: list[SectionNode], depth: int = 0) -> list[dict]:
    found: list[dict] = []
    for node in nodes:
        found.append(section_json(request, node.section, depth, node.article_count))
        found.extend(_flat(request, node.children, depth + 1))
    return found


def _usernames(request, ids: set[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    return dict(request.db.execute(select(User.id, User.username)
                                   .where(User.id.in_(wanted))).tuples().all())


def _url(request, article: Article) -> str:
    return request.application_url + article_path(request, article.id, article.slug)


def article_json(request, kb: KnowledgeBase, article: Article) -> dict:
    revision = kb.shown_revision(article)
    html, headings = with_anchors(revision.html)
    editor = kb.can_edit(article)
    counts = may_read_feedback(kb, article)
    names = _usernames(request, {article.owner_id, article.author_id})
    return {"id": article.id, "section_id": article.section_id, "title": revision.title,
            "url": _url(request, article),
            "status": "draft" if article.is_draft else "published",
            "revision": {"id": revision.id, "number": revision.number},
            "html": html,
            "toc": [{"level": h.level, "anchor": h.anchor, "text": h.text} for h in headings],
            "source": revision.source if editor else None,
            "latest_revision_id": article.latest_revision_id if editor else None,
            "can_edit": editor,
            "owner": names.get(article.owner_id) if article.owner_id else None,
            "author": names.get(article.author_id) if article.author_id else None,
            "created_at": article.created_at, "updated_at": revision.created_at,
            "published_at": article.published_at, "reviewed_at": article.reviewed_at,
            "review_by": article.review_by,
            "helpful_yes": article.helpful_yes if counts else None,
            "helpful_no": article.helpful_no if counts else None}


def list_sections(context, request):
    return {"items": _flat(request, kb_for(request).tree())}


def read_section(context, request):
    kb = kb_for(request)
    section = kb.section_by_id(_id(request, "section_id"))
    sort = request.GET.get("sort", "title")
    if sort not in SORTS:
        raise ApiProblem(400, _("Invalid parameter"), _("Sort by title, updated or helpful."))
    subsections = [section_json(request, node.section, 0, node.article_count)
                   for node in kb.tree(section.id)]
    articles, trail = kb.articles(section, sort), kb.trail(section)
    return {"section": section_json(request, section, len(trail) - 1, len(articles)),
            "trail": [{"id": s.id, "name": s.name, "slug": s.slug} for s in trail],
            "subsections": subsections,
            "articles": [{"id": a.id, "title": a.title, "url": _url(request, a),
                          "status": "draft" if a.is_draft else "published",
                          "updated_at": a.updated_at if a.is_draft else a.published_at}
                         for a in articles]}


def read_article(context, request):
    kb = kb_for(request)
    return article_json(request, kb, kb.article(_id(request, "article_id")))


def list_revisions(context, request):
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    revisions = kb.revisions(article)
    return {"items": [{"id": r.id, "number": r.number, "title": r.title, "note": r.note,
                       "author": r.author.username if r.author is not None else None,
                       "created_at": r.created_at, "restored_from": r.restored_from,
                       "published": r.id == article.published_revision_id}
                      for r in revisions]}


def diff(context, request):
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    numbers = [parse_id(request.GET.get(name, ""), 999_999_999) for name in ("from", "to")]
    if None in numbers:
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Give the numbers of the two revisions to compare in 'from' and 'to'."))
    old: Revision = kb.revision(article, numbers[0] or 0)
    new: Revision = kb.revision(article, numbers[1] or 0)
    return {"from": old.number, "to": new.number, "from_title": old.title,
            "to_title": new.title,
            "changes": [{"kind": c.kind, "text": c.text} for c in compare(old.source,
                                                                          new.source)]}


def create_article(context, request):
    kb = kb_for(request)
    data = request.api_data
    section = kb.section_by_id(data["section_id"])
    article = kb.create_article(section, data["title"], data["body"], data.get("note", ""),
                                publish=bool(data.get("publish", False)))
    return article_json(request, kb, article)


def save_article(context, request):
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    data = request.api_data
    try:
        kb.save(article, data["base_revision_id"], data["title"], data["body"],
                data.get("note", ""), publish=bool(data.get("publish", False)))
    except EditConflict as conflict:
        latest = conflict.latest
        raise ApiProblem(409, _("Conflict"), conflict.message, errors=[
            {"field": "base_revision_id", "message": _(
                "Version ${number} was saved since the revision you started from; start "
                "from it (the latest.* items hold it).", mapping={"number": latest.number})},
            {"field": "latest.id", "message": str(latest.id)},
            {"field": "latest.number", "message": str(latest.number)},
            {"field": "latest.title", "message": latest.title},
            {"field": "latest.body", "message": latest.source}]) from None
    return article_json(request, kb, article)


def restore(context, request):
    """A new revision with an old one's title and text (editors of the section only)."""
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    kb.restore(article, request.api_data["number"])
    return article_json(request, kb, article)


def publish(context, request):
    """Publish the latest revision, or ``revision_id`` (publishers of the section only)."""
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    kb.publish(article, request.api_data.get("revision_id"))
    return article_json(request, kb, article)


def save_section(context, request):
    """Change a section: its name, description, place in the tree and who may read it
    (administrators; moving it under itself or a subsection is refused with 422)."""
    kb = kb_for(request)
    section = kb.section_by_id(_id(request, "section_id"))
    data = request.api_data
    kb.save_section(section, data["name"], data.get("description", section.description),
                    data.get("parent_id", section.parent_id),
                    data.get("read_access", section.read_access), section.space_id,
                    data.get("position", section.position))
    return section_json(request, section)


def feedback(context, request):
    kb = kb_for(request)
    article = kb.article(_id(request, "article_id"))
    data = request.api_data
    answer = give_feedback(kb, article, data["helpful"], data.get("comment", ""))
    return {"article_id": article.id, "revision_id": answer.revision_id,
            "helpful": answer.helpful, "comment": answer.comment}


ENDPOINTS = [
    ApiEndpoint("kb.sections", "GET", "/kb/sections", list_sections,
                "The knowledge base's sections the caller may read, in reading order (a tree: "
                "each with its parent and depth)", response_schema=SECTIONS, tag="kb"),
    ApiEndpoint("kb.section", "GET", "/kb/sections/{section_id}", read_section,
                "A section, its trail, its subsections and the articles the caller may see",
                parameters=(SORT_PARAM,), response_schema=SECTION_PAGE, tag="kb"),
    ApiEndpoint("kb.article_create", "POST", "/kb/articles", create_article,
                "Write an article in a section (a draft, or published for its publishers)",
                request_schema=CREATE_BODY, response_schema=ARTICLE, status=201,
                signed_in=True, tag="kb"),
    ApiEndpoint("kb.article", "GET", "/kb/articles/{article_id}", read_article,
                "An article as the caller reads it: its HTML, contents, dates and owner",
                response_schema=ARTICLE, tag="kb"),
    ApiEndpoint("kb.article_save", "PUT", "/kb/articles/{article_id}", save_article,
                "Save a new revision from the latest one (409 with the latest revision when "
                "another was saved meanwhile)", request_schema=SAVE_BODY,
                response_schema=ARTICLE, signed_in=True, tag="kb",
                description="`base_revision_id` is the revision the edit started from "
                            "(`latest_revision_id` of the article). When it is not the "
                            "latest any more, nothing is saved: the 409 problem's `errors` "
                            "hold the latest revision as `latest.id`, `latest.number`, "
                            "`latest.title` and `latest.body`."),
    ApiEndpoint("kb.revisions", "GET", "/kb/articles/{article_id}/revisions", list_revisions,
                "The revisions of an article the caller may see, newest first",
                response_schema=REVISIONS, tag="kb"),
    ApiEndpoint("kb.diff", "GET", "/kb/articles/{article_id}/diff", diff,
                "The word-level changes between two revisions of an article",
                parameters=(FROM_PARAM, TO_PARAM), response_schema=DIFF, tag="kb"),
    ApiEndpoint("kb.section_save", "PUT", "/kb/sections/{section_id}", save_section,
                "Change a section, or move it in the tree (administrators)",
                request_schema=SECTION_BODY, response_schema=SECTION, signed_in=True,
                tag="kb"),
    ApiEndpoint("kb.restore", "POST", "/kb/articles/{article_id}/restore", restore,
                "Restore an old revision as a new one (the section's editors; nothing is "
                "lost)", request_schema=RESTORE_BODY, response_schema=ARTICLE,
                signed_in=True, tag="kb"),
    ApiEndpoint("kb.publish", "POST", "/kb/articles/{article_id}/publish", publish,
                "Publish the latest revision, or the one named (the section's publishers)",
                request_schema=PUBLISH_BODY, response_schema=ARTICLE, signed_in=True,
                tag="kb"),
    ApiEndpoint("kb.feedback", "POST", "/kb/articles/{article_id}/feedback", feedback,
                "Say whether the published article helped (once per revision: again "
                "changes the answer), with an optional comment for its owner",
                request_schema=FEEDBACK_BODY, response_schema=FEEDBACK_ANSWER,
                signed_in=True, tag="kb"),
]
