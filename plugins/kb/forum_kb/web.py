"""What the knowledge base's pages share: the service as the request's viewer meets it, the
section or article of the address (a hidden one is "not available" like a missing one), the
breadcrumbs."""

from __future__ import annotations

from forum_core.api import NotAvailable, NotFoundError, parse_id

from .contenttypes import article_path
from .models import Article, Section
from .services import KnowledgeBase


def kb_for(request) -> KnowledgeBase:
    """The knowledge base as the request's viewer meets it (publishing from a page sets
    the review date the setting ``review_days`` asks for)."""
    return KnowledgeBase(request.db, request.viewer,
                         request.registry.settings.get("forum.kb.review_days", 0))


def section_of(request, kb: KnowledgeBase) -> Section:
    """The section of the URL's slug; a hidden one is "not available" like a missing one."""
    try:
        return kb.section(request.matchdict["slug"])
    except NotFoundError:
        raise NotAvailable() from None


def article_of(request, kb: KnowledgeBase) -> Article:
    """The article of the URL's id; a hidden one (a draft of another member, one in a closed
    group's section) is "not available" like a missing one."""
    article_id = parse_id(request.matchdict.get("article_id"))
    if article_id is None:
        raise NotAvailable()
    try:
        return kb.article(article_id)
    except NotFoundError:
        raise NotAvailable() from None


def trail_of(request, kb: KnowledgeBase, section: Section) -> list[tuple[str, str]]:
    """The breadcrumbs down to ``section``: the knowledge base, then each section (name,
    address); a section is never more open than its parent, so all are readable."""
    return [(section_.name, request.route_path("kb.section", slug=section_.slug))
            for section_ in kb.trail(section)]


def address_of(request, article: Article) -> str:
    """The address of ``article``'s page."""
    return article_path(request, article.id, article.slug)
