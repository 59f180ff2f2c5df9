"""From discussion to knowledge (a topic turned into a draft article, and the topic page's
link to it), review dates (the default on publishing, the daily reminders) and the demo
content, on SQLite and PostgreSQL, with a closed group's article out of outsiders' sight."""

from __future__ import annotations

import datetime as dt

import pytest
from fbhelpers import BACKENDS, SECRET, make_world
from forum_kb import reminders
from forum_kb.models import Article, Revision, Section
from forum_kb.services import KnowledgeBase
from kbhelpers import viewer_of
from sqlalchemy import func, select, text, update

from forum_core.api import User, utcnow


@pytest.fixture(params=BACKENDS)
def world(request, make_forum):
    return make_world(make_forum, request.param)


def slot(browser, topic_path: str):
    """The knowledge base's part of a topic page (None when it shows nothing)."""
    return browser.app.get(topic_path).html.select_one(".kb-from-topic")


def inbox(forum, username: str) -> list[str]:
    page = forum.browser(username).app.get("/notifications")
    return [" ".join(a.text.split()) for a in page.html.select("ul.notifications li a")]


def made_from(forum, topic_id: int) -> list[Article]:
    with forum.session() as session:
        found = list(session.scalars(select(Article).where(Article.source_topic_id == topic_id)
                                     .order_by(Article.id)))
        session.expunge_all()
        return found


# -- from discussion to knowledge -----------------------------------------------------------

def test_staff_turn_a_discussion_into_a_draft_article(world):
    forum = world.forum
    topic = forum.create_topic("wanda", "general", "How do I export a CSV?",
                               "I need a **CSV** of my data.\n\nThanks!")
    forum.reply("mod", topic, "Use the settings page.")
    path = forum.topic_path(topic)
    for who in (None, "wanda"):
        assert slot(forum.browser(who), path) is None, who
    form = slot(forum.browser("mod"), path).select_one("#kb-convert-form")
    assert [o.text for o in form.select("option")] == ["Guides"]  # not the group's section
    assert [o.text for o in slot(forum.browser("ada"), path).select("option")] == \
        ["Deal desk", "Guides"]
    assert forum.browser("wanda").post_form(f"/kb/from-topic/{topic}",
                                            section=world.guides).status_int == 403
    assert made_from(forum, topic) == []

    done = forum.browser("mod").post_form(f"/kb/from-topic/{topic}", section=world.guides)
    assert done.status_int == 303
    (article,) = made_from(forum, topic)
    assert done.location.endswith(f"/kb/a/{article.id}/edit")
    assert article.is_draft and article.title == "How do I export a CSV?"
    assert article.section_id == world.guides
    with forum.session() as session:
        revision = session.get(Revision, article.latest_revision_id)
        assert revision.source.strip() == "I need a **CSV** of my data.\n\nThanks!"
        assert "Answer" not in revision.source  # no plugin tells which answer was accepted
    # the draft shows on the topic page to those who may see it, with no form any more
    shown = slot(forum.browser("mod"), path)
    link = shown.select_one(".kb-became a")
    assert link["href"] == f"/kb/a/{article.id}/how-do-i-export-a-csv"
    assert shown.select_one(".kb-draft") is not None and shown.select_one("form") is None
    for who in (None, "wanda", "rita"):
        assert slot(forum.browser(who), path) is None, who
    again = forum.browser("ada").post_form(f"/kb/from-topic/{topic}", section=world.guides)
    assert again.status_int == 409 and "already" in again.text
    with forum.session() as session:
        mod = world.kb(session, "mod")
        mod.publish(mod.article(article.id))
    for who in (None, "wanda"):
        became = slot(forum.browser(who), path).select_one(".kb-became")
        assert became.select_one("a").text == "How do I export a CSV?", who
        assert became.select_one(".kb-draft") is None


def test_bad_conversions_are_refused_with_a_message(world):
    forum = world.forum
    topic = forum.create_topic("wanda", "general", "Printing labels", "Which printer?")
    mod = forum.browser("mod")
    for section, words in (("", "Choose the section"), ("abc", "Choose the section"),
                           (str(world.deals), "not available to you"),
                           ("999999", "not available to you")):
        response = mod.post_form(f"/kb/from-topic/{topic}", section=section)
        assert response.status_int == 400 and words in response.text, section
        assert "Deal desk" not in response.text
    for url in ("/kb/from-topic/999999", "/kb/from-topic/abc"):
        assert mod.post_form(url, section=world.guides).status_int == 404
    # a topic of the group's space is as missing as one that does not exist, for outsiders
    secret = forum.create_topic("rita", world.space, f"Pricing {SECRET}", "Ten percent.")
    refused = mod.post_form(f"/kb/from-topic/{secret}", section=world.guides)
    assert refused.status_int == 404 and SECRET not in refused.text
    assert made_from(forum, topic) == [] and made_from(forum, secret) == []
    forged = mod.app.post(f"/kb/from-topic/{topic}", {"section": world.guides}, status="*")
    assert forged.status_int in (400, 403) and made_from(forum, topic) == []


def test_an_open_discussion_made_into_a_closed_groups_article_stays_hidden(world):
    forum = world.forum
    topic = forum.create_topic("wanda", "general", f"Partner discounts {SECRET}",
                               "Do partners get a discount?")
    path = forum.topic_path(topic)
    assert forum.browser("ada").post_form(f"/kb/from-topic/{topic}",
                                          section=world.deals).status_int == 303
    (article,) = made_from(forum, topic)
    with forum.session() as session:
        ada = world.kb(session, "ada")
        ada.publish(ada.article(article.id))
    rita = slot(forum.browser("rita"), path)
    assert rita.select_one(".kb-became a")["href"].startswith(f"/kb/a/{article.id}/")
    for who in (None, "wanda", "mod"):
        shown = slot(forum.browser(who), path)
        assert shown is None or shown.select_one(".kb-became") is None, who
        if shown is not None:  # (staff still see their form: nothing they may see exists)
            assert f"/kb/a/{article.id}" not in str(shown), who


def test_the_accepted_answer_follows_under_an_answer_heading(make_forum):
    import forum_kbanswers

    world = make_world(make_forum, False, answers=True)
    forum = world.forum
    forum.create_category("Support")
    topic = forum.create_topic("wanda", "support", "Sync stops at night",
                               "Every night the sync stops.")
    forum.reply("rita", topic, "Same here.")
    answer = forum.reply("mod", topic, "Turn off the **power saver**.")
    other = forum.create_topic("wanda", "support", "Another one", "Also broken.")
    forum_kbanswers.ACCEPTED.clear()
    forum_kbanswers.ACCEPTED.update({topic: answer, other: answer})
    try:
        for topic_id in (topic, other):
            done = forum.browser("mod").post_form(f"/kb/from-topic/{topic_id}",
                                                  section=world.guides)
            assert done.status_int == 303
    finally:
        forum_kbanswers.ACCEPTED.clear()
    with forum.session() as session:
        sources = {topic_id: session.scalar(
            select(Revision.source).join(Article, Article.id == Revision.article_id)
            .where(Article.source_topic_id == topic_id)) for topic_id in (topic, other)}
    assert sources[topic] == ("Every night the sync stops.\n\n## Answer\n\n"
                              "Turn off the **power saver**.\n")
    # an "accepted answer" that is a post of another topic is no answer of this one
    assert sources[other] == "Also broken.\n"


# -- review dates -----------------------------------------------------------------------------

def six_tomorrow() -> dt.datetime:
    return (utcnow() + dt.timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)


def set_dates(forum, article_id: int, **values) -> None:
    with forum.session() as session:
        session.execute(update(Article).where(Article.id == article_id).values(**values))


def reminders_sent(forum) -> int:
    """How many review reminders were written (read from the core's table by name: a
    plugin's tests import only the API and the fixtures)."""
    with forum.session() as session:
        return session.execute(text("SELECT count(*) FROM notifications "
                                    "WHERE kind = 'kb.review_due'")).scalar_one()


def test_owners_are_reminded_once_when_the_review_date_passes(world):
    forum = world.forum
    now = utcnow()
    set_dates(forum, world.public, review_by=now - dt.timedelta(days=1))
    set_dates(forum, world.hidden, review_by=now - dt.timedelta(days=2))  # owner: rita
    with forum.session() as session:
        mod = world.kb(session, "mod")
        later = mod.create_article(mod.section_by_id(world.guides), "Later", "Fine for now.",
                                   publish=True)
        later.review_by = now + dt.timedelta(days=30)
        later_id = later.id
    assert forum.run_periodic_jobs(at=six_tomorrow()) >= 1
    assert inbox(forum, "mod") == ["Export your data is due for review"]
    forum.run_jobs(include_scheduled=True)  # e-mailed at once (a few minutes later)
    mails = {mail["To"]: mail for mail in forum.outbox()}
    assert "Export your data is due for review" in str(mails["mod@example.com"])
    assert f"/kb/a/{world.public}/export-your-data" in str(mails["mod@example.com"])
    assert inbox(forum, "rita") == [f"Rebate table {SECRET} is due for review"]
    with forum.session() as session:
        reminded = dict(session.execute(select(Article.id, Article.reminded_at)).tuples().all())
    assert reminded[world.public] is not None and reminded[world.hidden] is not None
    assert reminded[later_id] is None
    # the next run (or the same one again) tells nobody twice
    forum.run_periodic_jobs(at=six_tomorrow() + dt.timedelta(days=1))
    assert reminders_sent(forum) == 2
    # a new review date that passes asks for a new reminder
    set_dates(forum, world.public, reminded_at=now - dt.timedelta(days=3),
              review_by=now - dt.timedelta(hours=1))
    forum.run_periodic_jobs(at=six_tomorrow() + dt.timedelta(days=2))
    assert reminders_sent(forum) == 3
    # nothing but the 06:00 run reminds
    set_dates(forum, later_id, review_by=now - dt.timedelta(days=1))
    forum.run_periodic_jobs(at=six_tomorrow() + dt.timedelta(days=3, hours=1))
    assert reminders_sent(forum) == 3


def test_an_owner_who_may_not_see_the_article_is_never_shown_it(world):
    """Told as its owner (an owner who left the group, a draft's owner who is no editor),
    but the notification is neither shown nor counted while they may not see it."""
    forum = world.forum
    with forum.session() as session:
        wanda = session.scalar(select(User.id).where(User.username == "wanda"))
        mod = world.kb(session, "mod")
        draft = mod.create_article(mod.section_by_id(world.guides), "Unpublished plan", "Text")
        draft_id = draft.id
    past = utcnow() - dt.timedelta(days=1)
    set_dates(forum, world.hidden, owner_id=wanda, review_by=past)
    set_dates(forum, draft_id, owner_id=wanda, review_by=past)
    forum.run_periodic_jobs(at=six_tomorrow())
    assert reminders_sent(forum) == 2
    assert inbox(forum, "wanda") == []
    set_dates(forum, draft_id, author_id=wanda)  # the writer of a draft sees it
    assert inbox(forum, "wanda") == ["Unpublished plan is due for review"]
    set_dates(forum, draft_id, author_id=None)
    forum.run_jobs(include_scheduled=True)
    assert all(SECRET not in str(mail) for mail in forum.outbox())
    assert "wanda@example.com" not in {mail["To"] for mail in forum.outbox()}
    page = forum.browser("wanda").app.get("/notifications")
    assert SECRET not in page.text and inbox(forum, "wanda") == []
    assert forum.browser("wanda").app.get("/api/v1/me").json["unread_notifications"] == 0


def test_reminders_go_in_batches(world, monkeypatch):
    forum = world.forum
    monkeypatch.setattr(reminders, "BATCH", 2)
    past = utcnow() - dt.timedelta(days=1)
    with forum.session() as session:
        mod = world.kb(session, "mod")
        guides = mod.section_by_id(world.guides)
        ids = [mod.create_article(guides, f"Article number {n}", "Text", publish=True).id
               for n in range(4)]
    for article_id in (*ids, world.public):
        set_dates(forum, article_id, review_by=past)
    forum.run_periodic_jobs(at=six_tomorrow())
    # two in the daily job, then two more and one in the batches queued after it
    assert reminders_sent(forum) == 5
    assert len(inbox(forum, "mod")) == 5


def test_publishing_sets_the_default_review_date(world):
    forum = world.forum
    with forum.session() as session:
        viewer = viewer_of(forum, session, "mod")
        guides = session.get(Section, world.guides)
        kb = KnowledgeBase(session, viewer, review_days=30)
        dated = kb.create_article(guides, "Dated", "Text", publish=True)
        assert dated.review_by == dated.published_at + dt.timedelta(days=30)
        draft = kb.create_article(guides, "Draft first", "Text")
        assert draft.review_by is None
        chosen = utcnow() + dt.timedelta(days=3)
        kb.set_review(draft, draft.owner_id, chosen)
        kb.publish(draft)
        assert draft.review_by == chosen  # an editor's own date stays
        undated = KnowledgeBase(session, viewer).create_article(guides, "Undated", "Text",
                                                                publish=True)
        assert undated.review_by is None
        assert KnowledgeBase(session, viewer, review_days=0).create_article(
            guides, "Never", "Text", publish=True).review_by is None


def test_the_api_publishes_with_the_forums_review_setting(make_forum):
    from fbhelpers import api_headers
    from kbhelpers import PEOPLE, kb_as

    forum = make_forum(plugins=("kb",), **{"forum.kb.review_days": "7"})
    for name, role in PEOPLE.items():
        forum.create_user(name, role=role)
    with forum.session() as session:
        guides = kb_as(forum, session, "ada").save_section(None, "Guides").id
    made = forum.app.post_json("/api/v1/kb/articles", {
        "section_id": guides, "title": "A week", "body": "Text", "publish": True},
        headers=api_headers(forum, "mod"), status=201).json
    review_by = dt.datetime.fromisoformat(made["review_by"])
    assert dt.timedelta(days=6) < review_by - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)


# -- demo content -----------------------------------------------------------------------------

@pytest.mark.parametrize("postgres", BACKENDS)
def test_the_demo_content_makes_a_knowledge_base(make_forum, postgres):
    from forum_kb import forum_demo_data

    forum = make_forum(plugins=("kb",), postgres=postgres)
    forum.create_user("boss", role="admin")
    forum.create_user("bob")
    with forum.session() as session:
        admin = session.scalar(select(User).where(User.username == "boss"))
        forum_demo_data(session, admin)  # (what `forum init --demo` calls)
    app = forum.app
    public = app.get("/api/v1/kb/sections").json["items"]
    assert [s["name"] for s in public] == ["Getting started"]
    with forum.session() as session:
        counts = dict(session.execute(select(Section.name, func.count(Article.id))
                                      .join(Article, Article.section_id == Section.id)
                                      .group_by(Section.name)).tuples().all())
        drafts = session.scalar(select(func.count()).select_from(Article)
                                .where(Article.published_revision_id.is_(None)))
        revised = session.scalar(select(Article.id).where(Article.title ==
                                                          "Create your account"))
    assert counts == {"Getting started": 3, "Administration": 2} and drafts == 1
    member = {s["name"] for s in app.get("/api/v1/kb/sections", headers={
        "Authorization": f"Bearer {forum.api_token('bob')}"}).json["items"]}
    assert member == {"Getting started", "Administration"}
    read = app.get(f"/api/v1/kb/articles/{revised}").json
    assert read["revision"]["number"] == 2 and len(read["toc"]) == 3
    assert [r["number"] for r in app.get(
        f"/api/v1/kb/articles/{revised}/revisions").json["items"]] == [2, 1]
    assert "Fill in your profile" in read["html"]
    # the overdue article is reminded of at the next morning run
    forum.run_periodic_jobs(at=six_tomorrow())
    assert [said for said in inbox(forum, "boss") if "review" in said] == \
        ["Back up the forum is due for review"]
