"""From discussion to knowledge: staff turn a topic into a draft article, and the topic's
page links to the article it became.

The draft takes the topic's title and its opening post's Markdown; when a plugin provides
the ``accepted_answer`` capability (support questions) and the topic has an accepted answer
the staff member may see, that answer follows under an "Answer" heading. The draft is an
ordinary draft of the chosen section: only its editors (and its writer) see it until it is
published, and the topic page's "This became an article" line shows it only to them too
(everything goes through :mod:`.access` and the core's ``visible_topics``/``visible_posts``).
"""

from __future__ import annotations

from typing import Any

from pyramid.authorization import Authenticated
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import (
    ConflictError,
    Markup,
    NotAllowedError,
    NotAvailable,
    NotFoundError,
    Post,
    Topic,
    ValidationError,
    _,
    capability,
    parse_id,
    problem_page,
    visible_posts,
    visible_topics,
)

from .access import article_clause, is_admin, principals_of
from .contenttypes import article_path
from .models import RIGHTS, Article, Section, SectionRight
from .services import KnowledgeBase, SectionNode
from .web import kb_for


def writable_sections(kb: KnowledgeBase) -> list[tuple[int, Section]]:
    """The sections the viewer may read and write drafts in, in the tree's reading order,
    each with its depth (0 for the top)."""
    viewer = kb.viewer
    if viewer.user_id is None or Authenticated not in viewer.principals:
        return []
    allowed: set[int] | None = None
    if not is_admin(viewer):
        allowed = set(kb.db.scalars(select(SectionRight.section_id).where(
            SectionRight.right.in_(RIGHTS), SectionRight.principal.in_(principals_of(viewer)))))
        if not allowed:
            return []
    found: list[tuple[int, Section]] = []

    def walk(nodes: list[SectionNode], depth: int) -> None:
        for node in nodes:
            if allowed is None or node.section.id in allowed:
                found.append((depth, node.section))
            walk(node.children, depth + 1)

    walk(kb.tree(), 0)
    return found


def articles_from(kb: KnowledgeBase, topic_id: int) -> list[Article]:
    """The articles made from topic ``topic_id`` that the viewer may see."""
    return list(kb.db.scalars(select(Article).where(Article.source_topic_id == topic_id,
                                                    article_clause(kb.viewer))
                              .order_by(Article.id)))


def draft_from_topic(request, kb: KnowledgeBase, topic: Topic, section: Section) -> Article:
    """A draft in ``section`` made from ``topic`` (which the viewer may see): its title, its
    opening post and, when there is one the viewer may see, its accepted answer.

    :raises ConflictError: when the topic became an article the viewer may see already.
    :raises NotAllowedError: when the viewer may not write in the section.
    :raises ValidationError: for a title or a text the knowledge base does not take.
    """
    made = articles_from(kb, topic.id)
    if made:
        raise ConflictError(_("This discussion became the article \"${title}\" already; "
                              "edit that one.", mapping={"title": made[0].title}))
    viewer = kb.viewer
    first = kb.db.scalar(visible_posts(viewer).where(Post.topic_id == topic.id,
                                                     Post.number == 1))
    if first is None:
        raise ValidationError(_("The discussion's opening post is not available; it cannot "
                                "become an article."))
    source = first.source.strip()
    answers: Any = capability(request, "accepted_answer")
    if answers is not None:
        answer_id = answers.accepted_answers(kb.db, [topic.id]).get(topic.id)
        answer = None if answer_id is None or answer_id == first.id else kb.db.scalar(
            visible_posts(viewer).where(Post.id == answer_id, Post.topic_id == topic.id))
        if answer is not None:
            heading = request.translate(_("Answer"))
            source = f"{source}\n\n## {heading}\n\n{answer.source.strip()}"
    return kb.create_article(section, topic.title, source + "\n",
                             note=request.translate(_("Made from a discussion")),
                             source_topic_id=topic.id)


def topic_slot(request, topic: Topic) -> Markup | None:
    """What the topic page shows: the articles it became (those the viewer may see) and,
    for staff while it became none, the form that turns it into a draft."""
    kb = kb_for(request)
    made = articles_from(kb, topic.id)
    sections = writable_sections(kb) if request.viewer.is_staff and not made else []
    if not made and not sections:
        return None
    return Markup(render("kb/_from_topic.html", {
        "topic": topic, "sections": sections,
        "made": [(article, article_path(request, article.id, article.slug))
                 for article in made]}, request))


@view_config(route_name="kb.from_topic", request_method="POST")
def from_topic(request):
    """Turn a discussion into a draft article (staff), then edit it."""
    topic_id = parse_id(request.matchdict.get("topic_id"))
    topic = None if topic_id is None else request.db.scalar(
        visible_topics(request.viewer).where(Topic.id == topic_id))
    if topic is None:
        raise NotAvailable()
    if not request.viewer.is_staff:
        raise HTTPForbidden()
    back = request.route_path("content.topic", topic_id=topic.id, slug=topic.slug)
    kb = kb_for(request)
    section_id = parse_id(request.POST.get("section", ""))
    try:
        if section_id is None:
            raise NotFoundError(_("Choose the section the article goes in."))
        section = kb.section_by_id(section_id)
        article = draft_from_topic(request, kb, topic, section)
    except NotAllowedError as exc:
        return problem_page(request, exc.message, 403, back)
    except ConflictError as exc:
        return problem_page(request, exc.message, 409, back)
    except ValidationError as exc:  # (a section that is not there, or hidden: the same)
        return problem_page(request, exc.message, 400, back)
    return HTTPSeeOther(location=request.route_path("kb.edit", article_id=article.id))
