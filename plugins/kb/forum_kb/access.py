"""Who may see and do what in the knowledge base: the plugin's one visibility choke point.

Every page, listing, feed, search result and API answer of the knowledge base selects its
sections, articles and revisions through :func:`section_clause`, :func:`article_clause` and
:func:`revision_clause`. They are built on the core's ``category_clause``, so a section in a
closed group's space is hidden exactly as the group's topics are (and stays hidden while the
groups plugin is off: the core hides what a disabled plugin governs).

* A section: its access level is reached by the viewer, and its space (if any) is a category
  the viewer may read.
* An article: in such a section, and published; a draft only for the section's editors and
  publishers, administrators and the member who started it.
* A revision: of such an article, up to the published one; the newer (unpublished) ones only
  for those who may see drafts.
"""

from __future__ import annotations

from typing import Any

from pyramid.authorization import Authenticated
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from forum_core.api import ACCESS_LEVELS, Category, Viewer, category_clause

from .models import EDIT, MEMBERS, PUBLISH, RIGHTS, Article, Revision, Section, SectionRight


def is_admin(viewer: Viewer) -> bool:
    return "role:admin" in viewer.principals


def principals_of(viewer: Viewer) -> list[str]:
    """The viewer's principals as section rights name them (``authenticated`` for every
    signed-in member who is not suspended)."""
    found = sorted(p for p in viewer.principals if isinstance(p, str))
    if Authenticated in viewer.principals:
        found.append(MEMBERS)
    return found


def section_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The sections the viewer may read."""
    levels = [level for level in ACCESS_LEVELS if viewer.has_access(level)]
    spaces = select(Category.id).where(category_clause(viewer))
    return and_(Section.read_access.in_(levels),
                or_(Section.space_id.is_(None), Section.space_id.in_(spaces)))


def _sections_with(viewer: Viewer, rights: tuple[str, ...]) -> Any:
    return select(SectionRight.section_id).where(SectionRight.right.in_(rights),
                                                 SectionRight.principal.in_(principals_of(viewer)))


def drafts_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The articles whose drafts (and unpublished revisions) the viewer may see."""
    if is_admin(viewer):
        return true()
    if viewer.user_id is None:
        return false()
    return or_(Article.author_id == viewer.user_id,
               Article.section_id.in_(_sections_with(viewer, (EDIT, PUBLISH))))


def article_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The articles the viewer may see."""
    readable = Article.section_id.in_(select(Section.id).where(section_clause(viewer)))
    return and_(readable, or_(Article.published_revision_id.is_not(None), drafts_clause(viewer)))


def revision_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The revisions the viewer may see (the statement joins each revision's article)."""
    return and_(Revision.article_id == Article.id, article_clause(viewer),
                or_(Revision.id <= Article.published_revision_id, drafts_clause(viewer)))


def rights_in(session: Any, viewer: Viewer, section_id: int) -> frozenset[str]:
    """What the viewer may do in a section (administrators: everything)."""
    if is_admin(viewer):
        return frozenset(RIGHTS)
    if viewer.user_id is None or Authenticated not in viewer.principals:
        return frozenset()  # visitors and suspended members write nothing
    return frozenset(session.scalars(
        select(SectionRight.right).where(SectionRight.section_id == section_id,
                                         SectionRight.principal.in_(principals_of(viewer)))))


def may_edit(rights: frozenset[str], viewer: Viewer, article: Article) -> bool:
    """Whether the viewer may change ``article`` (its writer may change their own draft)."""
    if EDIT in rights or PUBLISH in rights:
        return True
    return article.is_draft and article.author_id is not None \
        and article.author_id == viewer.user_id and "write" in rights
