"""The knowledge base article as a kind of content: searchable, in the forum's Atom feeds and
its sitemap, and what the plugin's notifications (review due, feedback) point at.

Only published articles are search documents: a draft's words never reach the index, so no
search can show them, whoever searches. Everything answered for a viewer goes through
:func:`.access.article_clause`, the plugin's one visibility choke point: an article in a
closed group's section is left out for whoever is not in the group, exactly as its page is.
A document carries its section's space (a core category) as its category, so the core's
search also leaves it out with the other hidden categories' documents before asking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, inspect, select

from forum_core.api import (
    Category,
    ContentItem,
    ContentType,
    SearchDocument,
    User,
    _,
    chunked_keys,
    plain_text,
    public_viewer,
)

from .access import article_clause
from .models import Article, Revision, Section

TYPE_NAME = "kb_article"


def article_path(request: Any, article_id: int, slug: str) -> str:
    """The address of an article's page (its slug is only for people: any one finds it)."""
    return request.route_path("kb.article", article_id=article_id, slug=slug or "-")


class ArticleType(ContentType):
    """A knowledge base article: its published title and text (a draft's for those who may
    see drafts, in feeds and notifications; never in the search index)."""

    name = TYPE_NAME
    label = _("Knowledge base articles")
    item_label = _("Article")
    model = Article
    structured_data = "Article"
    searchable = True
    watches = (Article, Revision, Section)
    in_feeds = True
    in_sitemap = True

    # -- the search index ------------------------------------------------------------------

    def changed(self, session, obj) -> Iterable[int]:
        # called while the session flushes: a query only for a section moved to another
        # space (its articles' documents take the new category)
        if isinstance(obj, Article):
            return (obj.id,)
        if isinstance(obj, Revision):
            return (obj.article_id,)
        if isinstance(obj, Section) and obj.id is not None \
                and inspect(obj).attrs.space_id.history.has_changes():
            return list(session.scalars(select(Article.id).where(Article.section_id == obj.id)))
        return ()

    def documents(self, session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        published = Article.published_revision_id.is_not(None)
        batches = chunked_keys(session, Article.id, published) if keys is None \
            else [list(keys)]
        for batch in batches:
            rows = session.execute(
                select(Article, Revision, Section.space_id)
                .join(Revision, Revision.id == Article.published_revision_id)
                .join(Section, Section.id == Article.section_id)
                .where(Article.id.in_(batch), published))
            for article, revision, space_id in rows:
                yield SearchDocument(TYPE_NAME, article.id, revision.title,
                                     plain_text(revision.html),
                                     article.created_at, space_id,
                                     article.author_id)

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Article)
                              .where(Article.published_revision_id.is_not(None))) or 0

    # -- for a viewer ----------------------------------------------------------------------

    def visible(self, request, keys: Sequence[int]) -> set[int]:
        return set(request.db.scalars(select(Article.id).where(
            Article.id.in_(list(keys)), article_clause(request.viewer))))

    def items(self, request, keys: Sequence[int]) -> dict[int, ContentItem]:
        shown = func.coalesce(Article.published_revision_id, Article.latest_revision_id)
        rows = request.db.execute(
            select(Article, Revision, Section.space_id)
            .join(Revision, Revision.id == shown)
            .join(Section, Section.id == Article.section_id)
            .where(Article.id.in_(list(keys)), article_clause(request.viewer))).all()
        if not rows:
            return {}
        author_ids = {article.author_id for article, _r, _s in rows} - {None}
        authors = {user.id: user for user in request.db.scalars(
            select(User).where(User.id.in_(author_ids)))} if author_ids else {}
        space_ids = {space_id for _a, _r, space_id in rows} - {None}
        spaces = {category.id: category for category in request.db.scalars(
            select(Category).where(Category.id.in_(space_ids)))} if space_ids else {}
        return {article.id: ContentItem(
            TYPE_NAME, article.id, revision.title, article_path(request, article.id, article.slug),
            article.created_at, authors.get(article.author_id),
            spaces.get(space_id), html=revision.html,
            # (a published article's later drafts are nobody else's business)
            updated_at=article.updated_at if article.is_draft else article.published_at)
            for article, revision, space_id in rows}

    def newest(self, request, limit: int, category_id: int | None = None,
               ) -> list[tuple[dt.datetime, int]]:
        """The newest published articles (a draft is in no feed, even an editor's); of one
        category: those of the sections in that space."""
        query = (select(Article.published_at, Article.id)
                 .where(Article.published_revision_id.is_not(None),
                        article_clause(request.viewer))
                 .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit))
        if category_id is not None:
            query = query.where(Article.section_id.in_(
                select(Section.id).where(Section.space_id == category_id)))
        return [(moment, key) for moment, key in request.db.execute(query)]

    def sitemap(self, request, limit: int) -> Iterator[tuple[str, dt.datetime | None]]:
        rows = request.db.execute(
            select(Article.id, Article.slug, Article.published_at)
            .where(Article.published_revision_id.is_not(None),
                   article_clause(public_viewer(request)))
            .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit))
        for article_id, slug, modified in rows:
            yield request.route_url("kb.article", article_id=article_id,
                                    slug=slug or "-"), modified
