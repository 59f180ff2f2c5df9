"""What knowledge base articles earn: a badge for a first published article, and points for
every "Yes, this helped" another reader gives an article.

Each is a query of the present state (``forum_core.api.BadgeRule``, ``PointsAction``): the
recognising plugin re-checks an article's author when something announced may have changed
it. An article counts while it is published (``published_revision_id`` set); a deleted
article is gone, its feedback with it, so its points go at that re-check. Its author is
``Article.author_id``, who started it (editors and publishers who changed it since earn
nothing for it).

The plugin announces ``ContributionChanged("kb_article", article id, author)`` when an
article is published for the first time or deleted (:mod:`.services`), and when an answer
to "Was this helpful?" is given or turned round (:mod:`.feedback`). Every ``earned`` is one
query, whatever the number of members asked about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forum_core.api import BadgeRule, ContributionChanged, Earned, Event, PointsAction, _

from .contenttypes import TYPE_NAME
from .models import Article, Feedback

PUBLISHED = Article.published_revision_id.is_not(None)


def article_authors(session: Session, event: Event) -> list[int]:
    """The author a ``ContributionChanged`` about an article names (None: nobody)."""
    if not isinstance(event, ContributionChanged) or event.type_name != TYPE_NAME \
            or event.author_id is None:
        return []
    return [event.author_id]


class FirstArticle(BadgeRule):
    """Members who started an article that is published; the badge names their first."""

    name = "kb.first_article"
    label = _("Published a first article")
    description = _("Published a first knowledge base article")
    triggers = (ContributionChanged,)

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return article_authors(session, event)

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        if not user_ids:
            return []
        rows = session.execute(
            select(Article.author_id, func.min(Article.id))
            .where(Article.author_id.in_(list(user_ids)), PUBLISHED)
            .group_by(Article.author_id))
        return [Earned(user_id, TYPE_NAME, key) for user_id, key in rows]


class ArticleHelpful(PointsAction):
    """Every "Yes, this helped" about a published article the member started, from another
    member or a visitor (the author's own answer earns nothing): ``helpful:<answer id>``,
    when it was first given. An answer turned to "No" loses its points."""

    name = "kb.article_helpful"
    label = _("An article found helpful")
    default_points = 3
    triggers = (ContributionChanged,)

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return article_authors(session, event)

    def earned(self, session: Session,
               user_ids: Sequence[int]) -> Iterable[tuple[int, str, dt.datetime]]:
        if not user_ids:
            return []
        rows = session.execute(
            select(Article.author_id, Feedback.id, Feedback.created_at)
            .join(Article, Article.id == Feedback.article_id)
            .where(Article.author_id.in_(list(user_ids)), PUBLISHED,
                   Feedback.helpful.is_(True),
                   # a visitor's answer has no member: someone else's all the same
                   or_(Feedback.user_id.is_(None), Feedback.user_id != Article.author_id)))
        return [(user_id, f"helpful:{feedback_id}", when)
                for user_id, feedback_id, when in rows]


def badge_rules() -> list[BadgeRule]:
    """The rules of ``forum_register_badge_rules``."""
    return [FirstArticle()]


def point_actions() -> list[PointsAction]:
    """The actions of ``forum_register_point_actions``."""
    return [ArticleHelpful()]
