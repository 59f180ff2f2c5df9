""""Was this article helpful?": answers from members and visitors, comments for the owner.

For the article page (``kb.views``)::

    feedback_box(request, article, revision) -> Markup

gives the box shown below an article's text: the yes/no form (with a comment field for
members), or "Thanks" when this member or this browser answered the shown revision already,
and, for those who may read the feedback (the article's owner, the section's editors and
publishers, administrators), the counts and a link to the comments. It is empty for anything
but the published revision (a draft, an old version, changes waiting to be published).

The rules, kept by :func:`give_feedback` (the pages and the JSON API both call it):

* one answer per member per revision: answering again changes the answer (and the comment,
  when a new one is given) instead of adding one;
* a visitor is counted once per browser session, without anything personal: a random token
  in the ``kb_visitor`` cookie (HttpOnly, SameSite=Lax, for the knowledge base's pages only),
  of which only a SHA-256 hash is stored; visitors give no comments;
* ``Article.helpful_yes`` and ``helpful_no`` change only through single ``UPDATE ... SET n =
  n + 1`` statements made by whoever inserted or changed an answer (the answer's row is
  unique per revision and member, or visitor, and changes only from the other value), so
  the counts stay exact however many answer at once;
* a comment tells the article's owner (``kb.feedback``, in a daily digest by default);
* an answer that becomes or stops being a "yes" from someone other than the article's author
  is announced as ``ContributionChanged("kb_article", article id, author)``: the author
  earns points for it (:mod:`.recognition`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from pyramid.authorization import Authenticated
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render
from pyramid.view import view_config
from sqlalchemy import select, update

from forum_core.api import (
    ConflictError,
    ContributionChanged,
    Markup,
    NotAllowedError,
    NotificationKind,
    User,
    ValidationError,
    _,
    emit,
    get_or_insert,
    keep_private,
    limits,
    notify,
    parse_id,
    problem_page,
)

from .access import is_admin
from .contenttypes import TYPE_NAME, article_path
from .models import EDIT, PUBLISH, Article, Feedback, Revision
from .services import KnowledgeBase
from .web import article_of, kb_for

FEEDBACK = NotificationKind("kb.feedback", _("${actor} commented on ${title}"),
                            _("Comments on knowledge base articles I own"), email="daily")
COMMENT_MAX = 2000
VISITOR_COOKIE = "kb_visitor"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
#: comments per page of the list
PER_PAGE = 50
ANSWERS = {"yes": True, "no": False}


def visitor_hash(token: str) -> str:
    """What is stored of a visitor's cookie: its SHA-256, which leads back to nobody."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def visitor_token(request) -> str | None:
    """The visitor token of this browser's cookie, if it has a well-formed one."""
    token = request.cookies.get(VISITOR_COOKIE, "")
    return token if _TOKEN.match(token) else None


def may_answer(request) -> bool:
    """Visitors and members in good standing answer (a suspended member does not)."""
    return request.user is None or Authenticated in request.viewer.principals


def may_read_feedback(kb: KnowledgeBase, article: Article) -> bool:
    """The owner of the article, the editors and publishers of its section and the
    administrators read its feedback (the viewer may see the article: the caller checked)."""
    if is_admin(kb.viewer):
        return True
    if kb.viewer.user_id is not None and article.owner_id == kb.viewer.user_id:
        return True
    return bool({EDIT, PUBLISH} & kb.rights(article.section))


def clean_comment(comment: str) -> str:
    if len(comment) > COMMENT_MAX:
        raise ValidationError(_("A comment has at most ${maximum} characters; shorten it.",
                                mapping={"maximum": COMMENT_MAX}))
    if limits.has_text_controls(comment):
        raise ValidationError(_("The comment contains control characters; remove them."))
    return comment.strip()


def _count(session: Any, article_id: int, helpful: bool, step: int) -> None:
    column = "helpful_yes" if helpful else "helpful_no"
    session.execute(update(Article).where(Article.id == article_id)
                    .values({column: getattr(Article, column) + step})
                    .execution_options(synchronize_session=False))


def give_feedback(kb: KnowledgeBase, article: Article, helpful: bool, comment: str = "",
                  visitor: str | None = None) -> Feedback:
    """Record whether the published revision of ``article`` helped the viewer (a member), or
    the visitor whose cookie token is ``visitor``; returns their answer's row.

    :raises ConflictError: for a draft (not published yet).
    :raises ValidationError: for a comment too long.
    :raises NotAllowedError: for a suspended member, or a comment from a visitor.
    """
    session, user = kb.db, kb.viewer.user
    if article.published_revision_id is None:
        raise ConflictError(_("A draft takes no feedback; it can be rated once it is "
                              "published."))
    comment = clean_comment(comment)
    if user is not None and Authenticated not in kb.viewer.principals:
        raise NotAllowedError(_("Suspended members cannot give feedback."))
    key: dict[str, Any] = {"revision_id": article.published_revision_id}
    if user is not None:
        key["user_id"] = user.id
    elif visitor is not None:
        if comment:
            raise NotAllowedError(_("Sign in to leave a comment; visitors only say whether "
                                    "the article helped."))
        key["visitor"] = visitor_hash(visitor)
    else:
        raise NotAllowedError(_("Your browser did not keep the knowledge base's cookie; "
                                "allow cookies or sign in to give feedback."))
    row, created = get_or_insert(session, Feedback, {
        **key, "article_id": article.id, "helpful": helpful, "comment": comment},
        conflict=tuple(key))
    told = bool(comment) and created
    turned_round = False
    if created:
        _count(session, article.id, helpful, 1)
    else:
        # only the request that actually turns the answer round moves the counts (asked of
        # the row itself, not of what was read: a concurrent change may have come between)
        turned = session.execute(
            update(Feedback).where(Feedback.id == row.id, Feedback.helpful == (not helpful))
            .values(helpful=helpful).execution_options(synchronize_session=False))
        if turned.rowcount:
            turned_round = True
            _count(session, article.id, not helpful, -1)
            _count(session, article.id, helpful, 1)
        if comment and comment != row.comment:
            session.execute(update(Feedback).where(Feedback.id == row.id)
                            .values(comment=comment)
                            .execution_options(synchronize_session=False))
            told = True
        session.refresh(row)
    session.expire(article, ["helpful_yes", "helpful_no"])
    if ((created and helpful) or turned_round) \
            and (user is None or user.id != article.author_id):
        emit(session, ContributionChanged(TYPE_NAME, article.id, article.author_id))
    if told and article.owner_id is not None:
        notify(session, [article.owner_id], FEEDBACK.name, (TYPE_NAME, article.id), actor=user)
    return row


def answer_of(request, article: Article, revision_id: int) -> Feedback | None:
    """This member's or this browser's answer about revision ``revision_id``."""
    if request.user is not None:
        where = Feedback.user_id == request.user.id
    else:
        token = visitor_token(request)
        if token is None:
            return None
        where = Feedback.visitor == visitor_hash(token)
    return request.db.scalar(select(Feedback).where(Feedback.revision_id == revision_id,
                                                    Feedback.article_id == article.id, where))


def comments(session: Any, article: Article, before: int | None = None,
             limit: int = PER_PAGE) -> list[tuple[Feedback, int]]:
    """The article's answers with a comment, newest first, each with its revision's
    number (for those who may read the feedback: the caller checked)."""
    query = (select(Feedback, Revision.number).join(Revision, Revision.id == Feedback.revision_id)
             .where(Feedback.article_id == article.id, Feedback.comment != "")
             .order_by(Feedback.id.desc()).limit(limit))
    if before is not None:
        query = query.where(Feedback.id < before)
    return list(session.execute(query).tuples())


# -- the pages ----------------------------------------------------------------------------

def feedback_box(request, article: Article, revision: Revision) -> Markup:
    """The feedback box under ``revision`` of ``article`` on its page (empty but for the
    published revision); see the module's description."""
    if article.published_revision_id is None or revision.id != article.published_revision_id:
        return Markup("")
    kb = kb_for(request)
    answer = answer_of(request, article, revision.id)
    counts = may_read_feedback(kb, article)
    # the box is this browser's own (its form's token, or its "Thanks" from its cookie): no
    # shared cache may hand it to another visitor
    keep_private(request)
    return Markup(render("kb/_feedback.html", {
        "article": article, "answer": answer, "may_answer": may_answer(request),
        "counts": counts, "comment_max": COMMENT_MAX}, request))


@view_config(route_name="kb.feedback", request_method="POST")
def give(request):
    """An answer from the form under an article: back to the article, with "Thanks"."""
    kb = kb_for(request)
    article = article_of(request, kb)
    back = article_path(request, article.id, article.slug)
    helpful = ANSWERS.get(request.POST.get("helpful", ""))
    if helpful is None:
        return problem_page(request, _("Answer whether the article helped: yes or no."), 400, back)
    comment = request.POST.get("comment", "")[:limits.FORM_FIELD_MAX]
    token = new_token = None
    if request.user is None:
        token = visitor_token(request)
        if token is None:
            token = new_token = secrets.token_urlsafe(32)
    try:
        give_feedback(kb, article, helpful, comment, visitor=token)
    except NotAllowedError as exc:
        return problem_page(request, exc.message, 403, back)
    except ValidationError as exc:
        return problem_page(request, exc.message, 400, back)
    response = HTTPSeeOther(location=back + "#kb-feedback")
    if new_token is not None:
        # a session cookie: the answer is remembered while the browser is open
        response.set_cookie(VISITOR_COOKIE, new_token, httponly=True, samesite="Lax",
                            secure=request.scheme == "https",
                            path=request.route_path("kb.index"))
    return response


@view_config(route_name="kb.feedback", request_method="GET",
             renderer="kb/feedback_list.html")
def feedback_list(request):
    """The comments on an article, for its owner, its section's editors and administrators
    (403 for others who may read it; 404 for those who may not)."""
    kb = kb_for(request)
    article = article_of(request, kb)
    if not may_read_feedback(kb, article):
        raise HTTPForbidden()
    raw = request.GET.get("before")
    before = parse_id(raw) if raw else None
    if raw and before is None:
        return problem_page(request, _("This page address is not valid; start from the first "
                                  "page."), 400,
                       request.route_path("kb.feedback", article_id=article.id))
    rows = comments(request.db, article, before, PER_PAGE + 1)
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    authors: dict[int, User] = {}
    ids = {row.user_id for row, _number in rows} - {None}
    if ids:
        authors = {user.id: user for user in request.db.scalars(
            select(User).where(User.id.in_(ids)))}
    return {"article": article, "rows": rows, "authors": authors,
            "article_url": article_path(request, article.id, article.slug),
            "section": article.section,
            "next_url": request.route_path("kb.feedback", article_id=article.id,
                                           _query={"before": rows[-1][0].id})
            if more else None}

