""""Was this article helpful?" through the real pages, on SQLite and PostgreSQL: one answer
per member and revision, visitors counted per browser without personal data, exact counts
under concurrent answers, comments for the owner (notified), the list of comments for the
owner, editors and administrators, and a closed group's article out of everyone else's
reach."""

from __future__ import annotations

import hashlib

import pytest
from fbhelpers import BACKENDS, SECRET, make_world
from forum_kb.feedback import COMMENT_MAX, give_feedback
from forum_kb.models import Article, Feedback
from kbhelpers import kb_as
from sqlalchemy import func, select, text

from forum_core.api import User


@pytest.fixture(params=BACKENDS)
def world(request, make_forum):
    return make_world(make_forum, request.param)


def answer(browser, article_id: int, helpful: str | None = "yes", **fields):
    if helpful is not None:
        fields["helpful"] = helpful
    return browser.post_form(f"/kb/a/{article_id}/feedback", **fields)


def inbox(forum, username: str) -> list[str]:
    """The notifications a member's list shows (what each says)."""
    page = forum.browser(username).app.get("/notifications")
    return [" ".join(a.text.split()) for a in page.html.select("ul.notifications li a")]


def counts(forum, article_id: int) -> tuple[tuple[int, int], tuple[int, int], int]:
    """The article's counts, the counts of its answers' rows, and how many rows."""
    with forum.session() as session:
        article = session.get(Article, article_id)
        rows = dict(session.execute(select(Feedback.helpful, func.count())
                                    .where(Feedback.article_id == article_id)
                                    .group_by(Feedback.helpful)).tuples().all())
        return ((article.helpful_yes, article.helpful_no),
                (rows.get(True, 0), rows.get(False, 0)), sum(rows.values()))


def test_members_answer_once_per_revision_and_the_counts_stay_exact(world):
    forum = world.forum
    wanda, rita = forum.browser("wanda"), forum.browser("rita")
    done = answer(wanda, world.public, "yes")
    assert done.status_int == 303
    assert done.location.endswith(f"/kb/a/{world.public}/export-your-data#kb-feedback")
    assert answer(wanda, world.public, "yes").status_int == 303  # the same again: no change
    assert counts(forum, world.public) == ((1, 0), (1, 0), 1)
    assert answer(wanda, world.public, "no").status_int == 303  # changed their mind
    assert counts(forum, world.public) == ((0, 1), (0, 1), 1)
    assert answer(rita, world.public, "yes", comment="Step two is unclear.").status_int == 303
    assert counts(forum, world.public) == ((1, 1), (1, 1), 2)
    # a new published revision takes answers of its own
    with forum.session() as session:
        mod = world.kb(session, "mod")
        article = mod.article(world.public)
        mod.save(article, article.latest_revision_id, "Export your data", "## Steps\n\nNew.",
                 publish=True)
    assert answer(wanda, world.public, "yes").status_int == 303
    assert counts(forum, world.public) == ((2, 1), (2, 1), 3)
    with forum.session() as session:
        rows = session.scalars(select(Feedback).where(Feedback.article_id == world.public)
                               .order_by(Feedback.id)).all()
        assert [(r.user_id is not None, r.visitor, r.comment) for r in rows] == [
            (True, None, ""), (True, None, "Step two is unclear."), (True, None, "")]


def test_a_comment_tells_the_owner_who_reads_the_comments(world):
    forum = world.forum
    rita = forum.browser("rita")
    answer(rita, world.public, "no", comment="Step two is unclear.\nWhich file?")
    assert inbox(forum, "mod") == ["rita commented on Export your data"]
    listing = forum.browser("mod").app.get(f"/kb/a/{world.public}/feedback")
    comments = [p.text for p in listing.html.select(".kb-feedback-comment")]
    assert comments == ["Step two is unclear.Which file?"]
    assert listing.html.select_one(".kb-feedback-comment br") is not None
    assert "Not helpful" in listing.text
    # the same answer again without a comment keeps the comment and tells nobody again
    answer(rita, world.public, "no")
    with forum.session() as session:
        assert session.scalar(select(Feedback.comment).where(
            Feedback.article_id == world.public)) == "Step two is unclear.\nWhich file?"
    assert inbox(forum, "mod") == ["rita commented on Export your data"]
    # who reads the comments: the owner, the section's editors, administrators
    for who, status in (("mod", 200), ("ada", 200), ("rita", 403), ("wanda", 403),
                        (None, 403)):
        response = forum.browser(who).app.get(f"/kb/a/{world.public}/feedback", status="*")
        assert response.status_int == status, who
        if status != 200:
            assert "Step two" not in response.text, who
    with forum.session() as session:  # an owner who is no editor reads them too
        session.get(Article, world.public).owner_id = session.scalar(
            select(User.id).where(User.username == "wanda"))
    assert forum.browser("wanda").app.get(f"/kb/a/{world.public}/feedback").status_int == 200
    bad = forum.browser("mod").app.get(f"/kb/a/{world.public}/feedback?before=x", status=400)
    assert "not valid" in bad.text


def test_visitors_are_counted_per_browser_without_anything_personal(world):
    forum = world.forum
    visitor = forum.browser()
    done = answer(visitor, world.public, "yes")
    assert done.status_int == 303
    cookie = done.headers["Set-Cookie"]
    assert cookie.startswith("kb_visitor=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/kb/" in cookie
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()
    token = visitor.app.cookies["kb_visitor"]
    with forum.session() as session:
        row = session.scalar(select(Feedback).where(Feedback.article_id == world.public))
        assert row.user_id is None and row.comment == ""
        assert row.visitor == hashlib.sha256(token.encode()).hexdigest() != token
    again = answer(visitor, world.public, "no")  # the same browser changes its answer
    assert "Set-Cookie" not in again.headers
    assert counts(forum, world.public) == ((0, 1), (0, 1), 1)
    answer(forum.browser(), world.public, "yes")  # another browser is another visitor
    assert counts(forum, world.public) == ((1, 1), (1, 1), 2)
    refused = answer(forum.browser(), world.public, "yes", comment="Hello")
    assert refused.status_int == 403 and "Sign in to leave a comment" in refused.text
    assert counts(forum, world.public)[2] == 2
    # a cookie that this forum did not make is replaced, never stored
    other = forum.browser()
    other.app.set_cookie("kb_visitor", "<script>")
    assert answer(other, world.public, "yes").headers["Set-Cookie"].startswith("kb_visitor=")
    with forum.session() as session:
        assert all(len(v) == 64 for v in session.scalars(
            select(Feedback.visitor).where(Feedback.visitor.is_not(None))))


def test_bad_answers_are_refused_with_a_message(world):
    forum = world.forum
    wanda = forum.browser("wanda")
    for fields, words in (({"helpful": None}, "yes or no"), ({"helpful": "maybe"}, "yes or no"),
                          ({"comment": "x" * (COMMENT_MAX + 1)}, "at most 2000"),
                          ({"comment": "bell \x07"}, "control characters")):
        response = answer(wanda, world.public, **fields)
        assert response.status_int == 400 and words in response.text, fields
    with forum.session() as session:
        mod = world.kb(session, "mod")
        draft = mod.create_article(mod.section_by_id(world.guides), "Draft only", "Text")
        draft_id = draft.id
    assert "draft takes no feedback" in answer(forum.browser("mod"), draft_id).text
    for who in ("wanda", None):
        for url in (f"/kb/a/{world.hidden}/feedback", f"/kb/a/{draft_id}/feedback",
                    "/kb/a/999999/feedback", "/kb/a/abc/feedback"):
            browser = forum.browser(who)
            posted = browser.post_form(url, helpful="yes")
            assert posted.status_int == 404 and SECRET not in posted.text, (who, url)
            assert browser.app.get(url, status="*").status_int == 404, (who, url)
    forged = wanda.app.post(f"/kb/a/{world.public}/feedback", {"helpful": "yes"}, status="*")
    assert forged.status_int in (400, 403)  # no CSRF token
    with forum.session() as session:
        session.scalar(select(User).where(User.username == "wanda")).status = "suspended"
    suspended = answer(wanda, world.public, "yes")
    assert suspended.status_int == 403 and "Suspended members" in suspended.text
    assert counts(forum, world.public)[2] == 0
    with forum.session() as session:
        assert session.get(Article, world.hidden).helpful_yes == 0


def test_a_comment_about_a_closed_groups_article_reaches_no_outsider(world):
    """An outsider named the owner (an old owner who left the group) is notified, but the
    notification is neither shown nor counted while they may not see the article."""
    forum = world.forum
    with forum.session() as session:
        session.get(Article, world.hidden).owner_id = session.scalar(
            select(User.id).where(User.username == "wanda"))
    assert answer(forum.browser("otto"), world.hidden, "no",
                  comment="Outdated rates").status_int == 303
    wanda = forum.browser("wanda")
    page = wanda.app.get("/notifications")
    assert SECRET not in page.text and "Rebate" not in page.text
    assert inbox(forum, "wanda") == [] and inbox(forum, "rita") == []
    assert inbox(forum, "otto") == []  # (never told of one's own comment)
    with forum.session() as session:  # it was written: only reading it is refused
        assert session.execute(text(
            "SELECT count(*) FROM notifications WHERE kind = 'kb.feedback' AND user_id = "
            "(SELECT id FROM users WHERE username = 'wanda')")).scalar_one() == 1
    assert wanda.app.get("/api/v1/me", headers={}).json["unread_notifications"] == 0
    assert wanda.app.get(f"/kb/a/{world.hidden}/feedback", status="*").status_int == 404


def test_the_box_under_an_article_asks_thanks_and_counts(world):
    forum = world.forum
    url = f"/kb/a/{world.public}/export-your-data"
    visitor = forum.browser()
    box = visitor.app.get(url).html.select_one("#kb-feedback")
    assert box is not None, "the article page shows feedback_box"
    assert {b["value"] for b in box.select("button[name=helpful]")} == {"yes", "no"}
    assert box.select_one("textarea[name=comment]") is None  # visitors give no comments
    assert box.select_one(".kb-feedback-counts") is None
    wanda = forum.browser("wanda")
    form_box = wanda.app.get(url).html.select_one("#kb-feedback")
    assert form_box.select_one("label[for=kb-feedback-comment]") is not None
    answer(wanda, world.public, "no")
    answer(visitor, world.public, "yes")
    for browser in (wanda, visitor):
        page = browser.app.get(url)
        thanks = page.html.select_one("#kb-feedback")
        assert thanks.select_one(".kb-feedback-thanks") is not None
        assert thanks.select_one("form") is None
        # this browser's "Thanks" is never kept by a cache shared with other visitors
        assert "public" not in page.headers["Cache-Control"]
        assert "private" in page.headers["Cache-Control"] or \
            "no-store" in page.headers["Cache-Control"]
    counted = forum.browser("mod").app.get(url).html.select_one(".kb-feedback-counts")
    assert "1 reader found it helpful" in counted.text and "1 did not" in counted.text
    assert counted.select_one("a")["href"] == f"/kb/a/{world.public}/feedback"
    # an old version and a draft have no box
    with forum.session() as session:
        mod = world.kb(session, "mod")
        article = mod.article(world.public)
        mod.save(article, article.latest_revision_id, "Export your data", "Pending words.")
    assert forum.browser("mod").app.get(f"/kb/a/{world.public}/v/2").html.select_one(
        "#kb-feedback") is None


@pytest.mark.parametrize("postgres", BACKENDS)
def test_concurrent_answers_keep_the_counts_exact(make_forum, postgres):
    from forum_core.testing import run_together

    world = make_world(make_forum, postgres)
    forum = world.forum
    members = [f"fan{n}" for n in range(3)]
    for name in members:
        forum.create_user(name)
    threads, rounds = 6, 5

    def worker(index: int) -> None:
        # two threads per member, answering opposite things round after round
        for n in range(rounds):
            with forum.session(search=False) as session:
                kb = kb_as(forum, session, members[index % 3])
                give_feedback(kb, kb.article(world.public), helpful=(n + index) % 2 == 0)

    errors = run_together(threads, worker, timeout=120)
    assert not errors, errors[:3]
    (yes, no), rows, total = counts(forum, world.public)
    assert (yes, no) == rows and total == 3
