"""The knowledge base's reading pages: the sections, an article with its table of contents,
its history, comparisons of two versions, old versions, a section's Atom feed, the search
box's redirect and the list of articles due for review.

Every page reads through :class:`~.services.KnowledgeBase`, so through the plugin's one
visibility choke point (:mod:`.access`): a section, article or revision the viewer may not
see answers the core's "not available" page, the same as one that does not exist. The
pages work without JavaScript; the writing pages are in :mod:`.editing`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from pyramid.httpexceptions import HTTPMovedPermanently, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from forum_core.api import (
    NotAvailable,
    NotFoundError,
    Topic,
    _,
    find_similar,
    limits,
    parse_id,
    plain_text,
    problem_page,
    same_for_every_visitor,
    visible_topics,
)

from .access import may_edit
from .feedback import feedback_box
from .models import EDIT, PUBLISH, WRITE, Revision
from .services import SORTS
from .text import changes_html, compare, with_anchors
from .web import address_of, article_of, kb_for, section_of, trail_of

#: the labels of the section page's sort links, in their order
SORT_LABELS = {"title": _("Title"), "updated": _("Recently updated"),
               "helpful": _("Most helpful")}
#: the content type of knowledge base articles in the core's search
SEARCH_TYPE = "kb_article"
FEED_ITEMS = 30
RELATED_ITEMS = 5
ATOM = "http://www.w3.org/2005/Atom"


def rendered(revision: Revision) -> tuple[str, list[Any]]:
    """A revision's HTML with anchors on its headings, and the headings (the contents)."""
    return with_anchors(revision.html)


# -- the sections -------------------------------------------------------------------------

@view_config(route_name="kb.index", renderer="kb/index.html")
def index(request):
    """The sections the viewer may read, as a tree, with their articles' counts."""
    kb = kb_for(request)
    return {"tree": kb.tree(), "reviews": kb.reviews_anything()}


@view_config(route_name="kb.section", renderer="kb/section.html")
def section_page(request):
    kb = kb_for(request)
    section = section_of(request, kb)
    back = request.route_path("kb.section", slug=section.slug)
    sort = request.GET.get("sort", "title")
    if sort not in SORTS:
        return problem_page(request, _("Unknown sort order; sort by title, updated or helpful."),
                       back=back)
    rights = kb.rights(section)
    return {"section": section, "trail": trail_of(request, kb, section)[:-1],
            "children": kb.tree(root_id=section.id), "articles": kb.articles(section, sort),
            "sort": sort,
            "sorts": {key: request.translate(label) for key, label in SORT_LABELS.items()},
            "can_write": bool(rights & {WRITE, EDIT, PUBLISH})}


def _stamp(moment: dt.datetime | None) -> str:
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(request, title: str, page_url: str, entries: list[dict[str, Any]]) -> Response:
    """An Atom 1.0 document; each entry has title, url, author, updated and text."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes: str,
            ) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "title", title)
    add(feed, "id", page_url)
    add(feed, "link", href=page_url, rel="alternate")
    add(feed, "link", href=request.url, rel="self")
    add(feed, "updated", _stamp(max((e["updated"] for e in entries), default=None)))
    for item in entries:
        entry = add(feed, "entry")
        add(entry, "title", item["title"])
        add(entry, "id", item["url"])
        add(entry, "link", href=item["url"], rel="alternate")
        add(entry, "updated", _stamp(item["updated"]))
        add(add(entry, "author"), "name", item["author"])
        add(entry, "summary", item["text"])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    # what it lists depends only on what the requester may see: a visitor's copy may be shared
    same_for_every_visitor(request)
    return Response(body, content_type="application/atom+xml", charset="utf-8")


@view_config(route_name="kb.section_feed")
def section_feed(request):
    """The section's newest published articles (only published ones, even for editors: a
    feed is read later and elsewhere, by readers of the section)."""
    kb = kb_for(request)
    section = section_of(request, kb)
    entries = [{"title": revision.title,
                "url": request.route_url("kb.article", article_id=article.id,
                                         slug=article.slug or "-"),
                "author": revision.author.name if revision.author is not None else "",
                "updated": article.published_at or revision.created_at,
                "text": plain_text(revision.html)[:1000]}
               for article, revision in kb.newest_published(section, FEED_ITEMS)]
    title = request.translate(_("New articles in ${section}", mapping={"section": section.name}))
    return atom(request, title, request.route_url("kb.section", slug=section.slug), entries)


# -- an article ---------------------------------------------------------------------------

@view_config(route_name="kb.article_short")
def article_short(request):
    kb = kb_for(request)
    return HTTPMovedPermanently(location=address_of(request, article_of(request, kb)))


@view_config(route_name="kb.article", renderer="kb/article.html")
def article_page(request):
    kb = kb_for(request)
    article = article_of(request, kb)
    if request.matchdict.get("slug") != (article.slug or "-"):
        return HTTPMovedPermanently(location=address_of(request, article))
    revision = kb.shown_revision(article)
    html, headings = rendered(revision)
    rights = kb.rights(article.section)
    source = None
    if article.source_topic_id is not None:  # only when the viewer may see that discussion
        source = request.db.scalar(visible_topics(request.viewer)
                                   .where(Topic.id == article.source_topic_id))
    discussions = find_similar(request, article.title, types=["topic"], limit=RELATED_ITEMS)
    return {"article": article, "revision": revision, "html": html, "headings": headings,
            "trail": trail_of(request, kb, article.section),
            "can_edit": may_edit(rights, request.viewer, article),
            "can_publish": PUBLISH in rights,
            "can_review": bool({EDIT, PUBLISH} & rights), "pending": kb.pending(article),
            "related": kb.related(article, RELATED_ITEMS), "discussions": discussions,
            "source_topic": source, "feedback_box": feedback_box(request, article, revision),
            "canonical": request.route_url(
                "kb.article", article_id=article.id, slug=article.slug or "-")}


@view_config(route_name="kb.history", renderer="kb/history.html")
def history(request):
    """The versions the viewer may see, newest first, with the form comparing two."""
    kb = kb_for(request)
    article = article_of(request, kb)
    rights = kb.rights(article.section)
    return {"article": article, "revisions": kb.revisions(article),
            "trail": trail_of(request, kb, article.section),
            "can_restore": bool({EDIT, PUBLISH} & rights)}


def _number(raw: object) -> int | None:
    return parse_id(raw.strip() if isinstance(raw, str) else raw, maximum=10**9)


@view_config(route_name="kb.diff", renderer="kb/diff.html")
def diff(request):
    """The word differences between two versions' sources (and titles)."""
    kb = kb_for(request)
    article = article_of(request, kb)
    back = request.route_path("kb.history", article_id=article.id)
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    if not raw_from.strip() or not raw_to.strip():
        return problem_page(request, _("Choose two versions to compare, from and to."), back=back)
    numbers = _number(raw_from), _number(raw_to)
    if numbers[0] is None or numbers[1] is None:
        return problem_page(request, _("Versions are given by their numbers (1, 2, 3...)."),
                       back=back)
    try:
        old, new = kb.revision(article, numbers[0]), kb.revision(article, numbers[1])
    except NotFoundError as exc:
        return problem_page(request, exc.message, status=404, back=back)
    return {"article": article, "old": old, "new": new,
            "trail": trail_of(request, kb, article.section),
            "changes": changes_html(compare(old.source, new.source)),
            "title_changes": changes_html(compare(old.title, new.title))
            if old.title != new.title else None}


@view_config(route_name="kb.revision", renderer="kb/revision.html")
def revision_page(request):
    """One version as it read then; a number the viewer may not see is not available."""
    kb = kb_for(request)
    article = article_of(request, kb)
    number = _number(request.matchdict.get("number"))
    if number is None:
        raise NotAvailable()
    try:
        revision = kb.revision(article, number)
    except NotFoundError:
        raise NotAvailable() from None
    html, headings = rendered(revision)
    shown = kb.shown_revision(article)
    return {"article": article, "revision": revision, "html": html, "headings": headings,
            "shown": shown, "trail": trail_of(request, kb, article.section)}


# -- search and review --------------------------------------------------------------------

@view_config(route_name="kb.search")
def search(request):
    """The knowledge base's search box: the core's search, of articles only."""
    text = request.GET.get("q", "")
    query = {"q": text.strip()[:limits.SEARCH_TEXT_MAX]} if isinstance(text, str) \
        and text.strip() else {}
    return HTTPSeeOther(request.route_path("search", _query={**query, "type": SEARCH_TYPE}))


@view_config(route_name="kb.stale", permission="account", renderer="kb/stale.html")
def stale(request):
    """Articles past their review date that the member owns or may edit (a visitor gets the
    core's page asking to sign in)."""
    return {"articles": kb_for(request).stale()}
