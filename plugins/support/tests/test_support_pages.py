"""The support pages through the real WSGI app: asking (with similar solved questions
first), the lists and their filters, accepting and "did it help", closing old solved
questions with a follow-up link, the staff's queue, marks and escalation, the dashboard and
its CSV, the administrators' page, and marks for staff and experts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from forum_support.models import Question, SupportCategory
from sqlalchemy import select, update
from suphelpers import ask, make_support, question_of, user_id

from forum_core.api import Category, User


@pytest.fixture
def forum(make_forum):
    return make_support(make_forum)


def ask_by_form(browser, title, body="The details of my question.", slug="help"):
    """Ask through the form, confirming when similar solved questions are shown first."""
    form = browser.app.get(f"/support/c/{slug}/ask").forms["support-ask-form"]
    form["title"], form["body"] = title, body
    response = form.submit(status="*")
    if response.status_int == 200 and "support-ask-form" in response.forms:
        response = response.forms["support-ask-form"].submit(status="*")
    assert response.status_int == 303, response.text
    return int(response.headers["Location"].split("/t/")[1].split("/")[0])


def titles(page):
    return [a.text for a in page.html.select(".support-list a.listing-title")]


def test_asking_shows_similar_solved_questions_and_articles_first(forum):
    asker = forum.browser("asker")
    first = ask_by_form(asker, "Password reset mail never arrives")
    reply = forum.reply("helper", first, "Look in the spam folder.")
    asker.post_form(f"/support/q/{first}/accept", post_id=str(reply))
    unsolved = ask_by_form(forum.browser("other"), "Password change fails")
    form = forum.browser("other").app.get("/support/c/help/ask").forms["support-ask-form"]
    form["title"], form["body"] = "Password reset mail is missing", "Nothing in my inbox."
    shown = form.submit()
    assert shown.status_int == 200
    suggestions = shown.html.select("#support-suggestions a")
    assert [a.text for a in suggestions] == ["Password reset mail never arrives"], \
        "solved questions only"
    assert f"/t/{unsolved}/" not in shown.text
    confirmed = shown.forms["support-ask-form"].submit()
    assert confirmed.status_int == 303
    api = forum.browser().app.get("/api/v1/support/similar",
                                  params={"title": "password reset"}).json
    assert [item["title"] for item in api["items"]] == ["Password reset mail never arrives"]


def test_the_core_new_topic_is_refused_in_a_support_category(forum):
    member = forum.browser("asker")
    assert member.app.get("/c/help/new", status="*").status_int in (403, 404)
    page = member.app.get("/c/help")
    assert page.html.select_one(".support-links a[href='/support/c/help/ask']")
    assert member.app.get("/c/general/new").status_int == 200
    visitor = forum.browser()
    assert visitor.app.get("/support/c/help/ask").status_int == 303, "sign in first"
    bad = member.post_form("/support/c/help/ask", title="", body="")
    assert bad.status_int == 400 and "title" in bad.html.select_one(".form-error").text


def test_lists_filter_by_state_with_a_badge_that_is_not_only_colour(forum):
    open_ = ask(forum, title="Nobody answered this")
    answered = ask(forum, title="Someone answered this")
    solved = ask(forum, title="This one is solved")
    forum.reply("helper", answered, "An idea")
    reply = forum.reply("helper", solved, "The answer")
    forum.browser("asker").post_form(f"/support/q/{solved}/accept", post_id=str(reply))
    visitor = forum.browser()
    assert titles(visitor.app.get("/support/c/help?filter=unanswered")) == \
        ["Nobody answered this"]
    assert titles(visitor.app.get("/support/c/help?filter=unsolved")) == \
        ["Someone answered this", "Nobody answered this"]
    page = visitor.app.get("/support/c/help?filter=solved")
    assert titles(page) == ["This one is solved"]
    badge = page.html.select_one(".support-state")
    assert "Solved" in badge.text and "✓" in badge.text
    assert len(titles(visitor.app.get("/support/c/help"))) == 3
    for bad in ("filter=maybe", "after=x", "after=-1"):
        refused = visitor.app.get(f"/support/c/help?{bad}", status="*")
        assert refused.status_int == 400 and refused.html.select_one(".form-error"), bad
    assert visitor.app.get("/support/c/nothing-here", status=404)
    assert visitor.app.get("/support/c/general", status=404), "not a support category"
    assert open_ in {question_of(forum, open_).topic_id}


def test_accepting_shows_the_answer_under_the_question_with_a_link_to_it(forum):
    topic = ask(forum)
    for n in range(22):
        forum.reply("other" if n % 2 else "asker", topic, f"Back and forth {n}")
    late = forum.reply("helper", topic, "The answer, far down the discussion.")
    asker = forum.browser("asker")
    page = asker.app.get(forum.topic_path(topic))
    assert not page.html.select_one(".support-answer")
    accepted = asker.post_form(f"/support/q/{topic}/accept", post_id=str(late))
    assert accepted.status_int == 303
    page = forum.browser().app.get(forum.topic_path(topic))
    box = page.html.select_one("#support-question")
    assert "Solved" in box.select_one(".support-state").text
    under = page.html.select_one("#post-1 .support-answer")
    assert "far down the discussion" in under.text, "under the question's own text"
    assert box.select_one("a[href$='#support-answer']")
    link = under.select_one("a")["href"]
    assert link.endswith("#post-24") and "after=23" in link
    target = forum.browser().app.get(link.split("#")[0])
    assert target.html.select_one("#post-24 .support-accepted-mark")
    # the asker sees "not the answer" on it; others see no button at all
    assert forum.browser("other").app.get(link.split("#")[0]).html.select_one(
        ".support-accept-form") is None
    undo = asker.post_form(f"/support/q/{topic}/accept", undo="1")
    assert undo.status_int == 303 and question_of(forum, topic).state == "answered"


def test_refused_accepts_answer_a_page_that_says_why(forum):
    topic = ask(forum)
    reply = forum.reply("helper", topic, "An answer.")
    other = forum.browser("other")
    refused = other.post_form(f"/support/q/{topic}/accept", post_id=str(reply))
    assert refused.status_int == 403
    assert "Only the person who asked" in refused.html.select_one(".form-error").text
    asker = forum.browser("asker")
    for value, status in (("", 400), ("abc", 400), (str(reply + 99), 404)):
        page = asker.post_form(f"/support/q/{topic}/accept", post_id=value)
        assert page.status_int == status and page.html.select_one(".form-error"), value
    assert forum.browser().post_form(f"/support/q/{topic}/accept",
                                     post_id=str(reply)).status_int == 403
    assert asker.post_form(f"/support/q/{topic + 99}/accept",
                           post_id=str(reply)).status_int == 404
    assert asker.app.post(f"/support/q/{topic}/accept", {"post_id": str(reply)},
                          status="*").status_int in (400, 403), "no CSRF token"
    assert question_of(forum, topic).accepted_post_id is None


def test_the_asker_says_whether_the_answer_helped(forum):
    topic = ask(forum)
    reply = forum.reply("helper", topic, "An answer.")
    asker = forum.browser("asker")
    assert asker.post_form(f"/support/q/{topic}/helpful", helpful="yes").status_int == 409
    asker.post_form(f"/support/q/{topic}/accept", post_id=str(reply))
    page = asker.app.get(forum.topic_path(topic))
    assert page.html.select_one(".support-helpful legend").text == "Did this answer help you?"
    assert forum.browser("other").post_form(f"/support/q/{topic}/helpful",
                                            helpful="yes").status_int == 403
    assert asker.post_form(f"/support/q/{topic}/helpful", helpful="maybe").status_int == 400
    assert asker.post_form(f"/support/q/{topic}/helpful", helpful="no").status_int == 303
    assert question_of(forum, topic).helpful is False
    asker.post_form(f"/support/q/{topic}/helpful", helpful="yes")
    assert question_of(forum, topic).helpful is True
    assert not forum.browser("other").app.get(forum.topic_path(topic)).html.select_one(
        ".support-helpful")


def test_an_old_solved_question_closes_for_replies_with_a_follow_up_link(make_forum):
    forum = make_support(make_forum, close_after_days=30)
    topic = ask(forum)
    reply = forum.reply("helper", topic, "An answer.")
    forum.browser("asker").post_form(f"/support/q/{topic}/accept", post_id=str(reply))
    member = forum.browser("other")
    path = forum.topic_path(topic)
    assert member.app.get(f"{path}/reply").status_int == 200, "not old yet"
    with forum.session() as session:
        session.execute(update(Question).where(Question.topic_id == topic).values(
            solved_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31)))
    assert member.app.get(f"{path}/reply", status="*").status_int == 403
    refused = member.post_form(f"{path}/reply", body="Late reply")
    assert refused.status_int == 403
    page = member.app.get(path)
    link = page.html.select_one("#support-question a[href*='follow_up']")
    assert "takes no more replies" in page.text and link is not None
    follow = member.app.get(link["href"])
    assert f"/t/{topic}/" in follow.forms["support-ask-form"]["body"].value
    token = forum.api_token("other")
    api = member.app.post_json(f"/api/v1/topics/{topic}/posts", {"body": "Late"},
                               headers={"Authorization": f"Bearer {token}"}, status="*")
    assert api.status_int == 403


def test_staff_queue_lists_waiting_questions_oldest_first_and_claims(forum):
    first = ask(forum, title="Oldest waiting question")
    second = ask(forum, title="Newer waiting question")
    solved = ask(forum, title="Solved already")
    reply = forum.reply("helper", solved, "Answer")
    forum.browser("asker").post_form(f"/support/q/{solved}/accept", post_id=str(reply))
    assert forum.browser("asker").app.get("/support/queue", status="*").status_int == 403
    assert forum.browser().app.get("/support/queue", status="*").status_int == 403
    mod = forum.browser("mod")

    def listed(view="waiting"):
        page = mod.app.get(f"/support/queue?show={view}")
        return [a.text for a in page.html.select(".support-queue tbody td:first-child a")]

    assert listed() == ["Oldest waiting question", "Newer waiting question"]
    assert "No reply yet" in mod.app.get("/support/queue").text
    # someone answered: the asker's turn, until they reply again
    forum.reply("helper", second, "Have you tried turning it off and on?")
    assert listed() == ["Oldest waiting question"]
    assert listed("unsolved") == ["Oldest waiting question", "Newer waiting question"]
    forum.reply("asker", second, "Yes, it still fails.")
    assert listed() == ["Oldest waiting question", "Newer waiting question"]
    mod.post_form(f"/support/q/{second}/state", state="needs_info")
    assert listed() == ["Oldest waiting question"]
    assert listed("needs_info") == ["Newer waiting question"]
    claimed = mod.post_form(f"/support/q/{first}/claim", action="claim",
                            next="/support/queue")
    assert claimed.status_int == 303 and claimed.headers["Location"].endswith("/support/queue")
    page = mod.app.get("/support/queue")
    assert "mod" in page.html.select_one(f"#queue-{first}").text
    taken = forum.browser("mona").post_form(f"/support/q/{first}/claim", action="claim")
    assert taken.status_int == 409 and "mod is handling" in taken.text
    assert listed("mine") == ["Oldest waiting question"]
    assert forum.browser("mod").post_form(f"/support/q/{solved}/claim",
                                          action="claim").status_int == 409
    assert mod.app.get("/support/queue?show=nope", status=400)


def test_staff_mark_needs_information_and_escalate_from_the_question(forum):
    topic = ask(forum)
    mod = forum.browser("mod")
    box = mod.app.get(forum.topic_path(topic)).html.select_one(".support-staff-box")
    assert box is not None and not forum.browser("asker").app.get(
        forum.topic_path(topic)).html.select_one(".support-staff-box")
    mod.post_form(f"/support/q/{topic}/state", state="needs_info")
    page = forum.browser().app.get(forum.topic_path(topic))
    assert "Needs more information" in page.html.select_one(".support-state").text
    assert mod.post_form(f"/support/q/{topic}/state", state="solved").status_int == 400
    assert forum.browser("asker").post_form(f"/support/q/{topic}/state",
                                            state="open").status_int == 403
    with forum.session() as session:  # the private conversation is titled in their language
        session.scalar(select(User).where(User.username == "asker")).locale = "nl"
    empty = mod.post_form(f"/support/q/{topic}/escalate", message=" ")
    assert empty.status_int == 400
    moved = mod.post_form(f"/support/q/{topic}/escalate", message="Send me the invoice.")
    assert moved.status_int == 303
    private_path = moved.headers["Location"]
    private = mod.app.get(private_path)
    assert "Private conversation" in private.text and "Send me the invoice." in private.text
    assert private.html.select_one("h1").text.startswith("Privé: ")
    public = forum.browser("other").app.get(forum.topic_path(topic))
    note = public.html.select_one(".support-escalated-note")
    assert "private conversation" in note.text and note.select_one("a") is None
    asker_view = forum.browser("asker").app.get(forum.topic_path(topic))
    assert asker_view.html.select_one(".support-escalated-note a")["href"] == \
        private_path.replace("http://localhost", "")
    assert forum.browser("asker").app.get(private_path).status_int == 200


def test_dashboard_draws_weekly_figures_and_exports_csv(forum):
    topic = ask(forum, title="=HYPERLINK(\"http://evil\") question")
    forum.reply("helper", topic, "Answer")
    other = ask(forum, title="Another")
    assert other
    assert forum.browser("asker").app.get("/support/dashboard", status="*").status_int == 403
    assert forum.browser("asker").app.get("/support/dashboard.csv",
                                          status="*").status_int == 403
    mod = forum.browser("mod")
    page = mod.app.get("/support/dashboard")
    section = page.html.select_one(".support-dash")
    assert section.select_one("h2").text == "Help"
    assert len(section.select("svg[role=img]")) == 2
    assert section.select("svg rect.support-bar-median"), "this week has a first response"
    assert "2 questions asked" in section.text and "1 still without a response" in section.text
    weeks = mod.app.get("/support/dashboard.csv")
    assert weeks.content_type == "text/csv" and "attachment" in \
        weeks.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(weeks.text)))
    assert rows[0][0] == "category" and len(rows) == 1 + 12
    assert rows[-1][2] == "2" and rows[-1][3] == "1"
    questions = list(csv.reader(io.StringIO(
        mod.app.get("/support/dashboard.csv?rows=questions").text)))
    titles_ = [row[1] for row in questions[1:]]
    assert "'=HYPERLINK(\"http://evil\") question" in titles_, "never a formula"
    for bad in ("weeks=0", "weeks=500", "weeks=x"):
        assert mod.app.get(f"/support/dashboard?{bad}", status=400)
    assert mod.app.get("/support/dashboard?category=general", status=404)
    assert mod.app.get("/support/dashboard?category=help&weeks=4").status_int == 200


def test_administrators_choose_support_categories_and_their_rules(forum):
    assert forum.browser("mod").app.get("/support/admin", status="*").status_int in (403, 404)
    admin = forum.browser("ada")
    assert "Support categories" in admin.app.get("/admin").text
    with forum.session() as session:
        general = session.scalar(select(Category.id).where(Category.slug == "general"))
    bad = admin.post_form("/support/admin", category_id=str(general), enabled="on",
                          close_after_days="-3")
    assert bad.status_int == 400 and bad.html.select_one(".form-error")
    assert admin.post_form("/support/admin", category_id="999999",
                           enabled="on").status_int == 400
    assert admin.post_form("/support/admin", category_id=str(general), enabled="on",
                           experts_group="12345").status_int == 400
    done = admin.post_form("/support/admin", category_id=str(general), enabled="on",
                           close_after_days="14")
    assert done.status_int == 200 and done.html.select_one(".notice")
    with forum.session() as session:
        assert session.get(SupportCategory, general).close_after_days == 14
    admin.post_form("/support/admin", category_id=str(general))
    with forum.session() as session:
        assert session.get(SupportCategory, general) is None


def test_replies_of_staff_and_experts_are_marked(forum):
    group_id, _space = forum.create_group("Experts", "helper", [])
    admin = forum.browser("ada")
    with forum.session() as session:
        help_id = session.scalar(select(Category.id).where(Category.slug == "help"))
    saved = admin.post_form("/support/admin", category_id=str(help_id), enabled="on",
                            close_after_days="0", experts_group=str(group_id))
    assert saved.status_int == 200, saved.text
    topic = ask(forum)
    forum.reply("helper", topic, "Expert answer")
    forum.reply("mod", topic, "Staff answer")
    forum.reply("other", topic, "Member answer")
    page = forum.browser().app.get(forum.topic_path(topic))
    marks = {post["data-number"]: post.select_one(".support-mark")
             for post in page.html.select("article.post")}
    assert marks["2"].text == "Expert" and marks["3"].text == "Staff"
    assert marks["1"] is None and marks["4"] is None
    assert user_id(forum, "helper")


def test_questions_are_searchable_by_state(forum):
    solved = ask(forum, title="Searchable solved question")
    ask(forum, title="Searchable open question")
    reply = forum.reply("helper", solved, "Answer")
    forum.browser("asker").post_form(f"/support/q/{solved}/accept", post_id=str(reply))
    page = forum.browser().app.get("/search", params={"q": "searchable", "type": "question",
                                                         "status": "solved"})
    found = [a["href"] for a in page.html.select("a.listing-title")]
    assert len(found) == 1 and found[0].startswith(f"/t/{solved}/")
    api = forum.browser().app.get("/api/v1/search", params={
        "q": "searchable", "type": "question", "status": "open"}).json
    assert api["total"] == 1


def test_a_topic_moved_into_a_support_category_becomes_a_question(forum):
    topic = forum.create_topic("asker", "general", "Asked in the wrong place", "Help me")
    forum.reply("helper", topic, "Here is how.")
    with forum.session() as session:
        ids = dict(session.execute(select(Category.slug, Category.id)).tuples().all())
    mod = forum.browser("mod")
    moved = mod.post_form(f"{forum.topic_path(topic)}/moderate", action="move",
                          category=str(ids["help"]))
    assert moved.status_int in (200, 303), moved.text
    question = question_of(forum, topic)
    assert question.state == "answered" and question.category_id == ids["help"]
    assert "Asked in the wrong place" in mod.app.get("/support/queue?show=unsolved").text
    mod.post_form(f"{forum.topic_path(topic)}/moderate", action="move",
                  category=str(ids["general"]))
    assert "Asked in the wrong place" not in mod.app.get("/support/queue?show=unsolved").text
    assert forum.browser().app.get(forum.topic_path(topic)).html.select_one(
        "#support-question") is None


def test_a_solved_question_becomes_a_knowledge_base_article_with_its_answer(make_forum):
    """The knowledge base takes the accepted answer through the capability, not an import."""
    from forum_kb.models import Article, Revision

    forum = make_support(make_forum, plugins=("groups", "kb", "support"))
    made = forum.browser("ada").post_form(
        "/kb/admin/sections", name="Guides", description="How to do things.", parent_id="",
        read_access="everyone", space_id="", position="1", right_write="role:moderator",
        right_edit="role:moderator", right_publish="role:moderator")
    assert made.status_int == 303, made.text
    topic = ask(forum, title="How do I rotate my API key?", body="The old one leaked.")
    forum.reply("other", topic, "No idea, sorry.")
    answer = forum.reply("helper", topic, "Open *Account*, then **Rotate key**.")
    forum.browser("asker").post_form(f"/support/q/{topic}/accept", post_id=str(answer))
    with forum.session() as session:
        from forum_kb.models import Section

        section = session.scalar(select(Section.id))
    made = forum.browser("mod").post_form(f"/kb/from-topic/{topic}", section=str(section))
    assert made.status_int == 303, made.text
    with forum.session() as session:
        article = session.scalar(select(Article).where(Article.source_topic_id == topic))
        source = session.get(Revision, article.latest_revision_id).source
    assert "The old one leaked." in source and "**Rotate key**" in source
    assert "No idea" not in source, "only the accepted answer"
