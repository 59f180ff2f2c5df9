"""Notifications by e-mail: at once (batched per topic, threaded), daily and weekly digests,
one-click unsubscribe, over a real SMTP server (aiosmtpd), SQLite and PostgreSQL, and the
job queue embedded or on Redis."""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import os
import secrets
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from forum_core.notifications.models import EmailPreference, Notification

REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
QUEUES = ["embedded", "redis"]


def _redis_settings() -> dict[str, str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis must answer at {REDIS_URL} in CI: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return {"forum.jobs_url": REDIS_URL, "forum.jobs_queue": f"forum-test-{secrets.token_hex(6)}"}


@pytest.fixture
def mailing(make_forum, smtp):
    """``mailing(postgres=False, queue="embedded", plugins=(), **settings)``: a forum that
    sends its e-mail to the test's SMTP server; returns the forum and the server's inbox."""
    controller, inbox = smtp
    redis_queues: list[str] = []

    def factory(postgres=False, queue="embedded", plugins=(), **settings):
        extra = {"forum.smtp_host": "127.0.0.1", "forum.smtp_port": str(controller.port),
                 "forum.smtp_tls": "none", "forum.mail_from": "forum@mail.example",
                 "forum.site_url": "https://forum.example", "forum.site_name": "Garden club"}
        if queue == "redis":
            redis_settings = _redis_settings()
            redis_queues.append(redis_settings["forum.jobs_queue"])
            extra.update(redis_settings)
        extra.update(settings)
        forum = make_forum(plugins=plugins, postgres=postgres, **extra)
        for name in ("mira", "nils", "olga"):
            forum.create_user(name)
        forum.create_category("General")
        return forum, inbox

    yield factory
    if redis_queues:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for name in redis_queues:
            for key in client.scan_iter(match=f"*{name}*"):
                client.delete(key)
        client.close()


def body(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def unsubscribe_path(message: email.message.EmailMessage) -> str:
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://forum.example/email/unsubscribe/")
    return urlsplit(url).path


def set_email(forum, username, **modes):
    browser = forum.browser(username)
    form = browser.app.get("/account").forms["email-form"]
    for kind, mode in modes.items():
        form[f"email.{kind}"] = mode
    page = form.submit()
    assert "Your e-mail settings were saved." in page.text
    return browser


def made_at(forum, moment):
    """Date the notifications no e-mail has told of yet to ``moment``."""
    with forum.session() as session:
        session.execute(Notification.__table__.update().where(
            Notification.mailed_at.is_(None)).values(created_at=moment))


def next_digest_hour(hour=7):
    """The next time the digest job runs at ``hour`` (UTC), after now."""
    now = dt.datetime.now(dt.UTC)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


# -- at once: batched per topic, threaded ------------------------------------------------------


@pytest.mark.parametrize("queue", QUEUES)
@pytest.mark.parametrize("postgres", BACKENDS)
def test_replies_are_mailed_per_topic_burst_and_threaded(mailing, postgres, queue):
    forum, inbox = mailing(postgres=postgres, queue=queue)
    garden = forum.create_topic("mira", title="Garden tips")
    roses = forum.create_topic("mira", title="Roses")
    forum.reply("nils", garden, "Water in the morning")
    forum.reply("olga", garden, "And mulch")
    forum.reply("nils", roses, "Prune in March")
    forum.run_jobs()
    assert inbox.messages == [], "batched: the job waits email_batch_minutes"
    forum.run_jobs(include_scheduled=True)
    first = {message["Subject"]: message for message in inbox.take()}
    assert sorted(first) == ["[Garden club] Garden tips", "[Garden club] Roses"]
    tips = first["[Garden club] Garden tips"]
    assert tips["To"] == "mira@example.com" and tips["From"] == "forum@mail.example"
    text = body(tips)
    assert "nils replied to Garden tips" in text and "olga replied to Garden tips" in text
    assert "Water in the morning" in text and "And mulch" in text
    assert f"https://forum.example/t/{garden}/garden-tips#post-2" in text
    assert tips["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_path(tips)
    assert tips["In-Reply-To"] is None
    root = tips["Message-ID"]
    assert root != first["[Garden club] Roses"]["Message-ID"]

    forum.reply("olga", garden, "Later news")
    forum.run_jobs(include_scheduled=True)
    (later,) = inbox.take()
    assert later["Subject"] == "Re: [Garden club] Garden tips"
    assert later["In-Reply-To"] == root and later["References"] == root
    assert later["Message-ID"] != root
    assert "Later news" in body(later) and "Water in the morning" not in body(later)
    assert forum.run_jobs(include_scheduled=True) == 0 and inbox.messages == []


def test_a_second_worker_mails_nothing_twice(mailing):
    """The notifications a message covers are marked in the transaction that queues it: a
    second run of the same job (another worker, a retry) finds nothing left to send."""
    from forum_core.accounts.models import User
    from forum_core.jobs import enqueue
    from forum_core.notifications.email_delivery import SEND_SOON

    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "Water in the morning")
    with forum.session() as session:
        mira = session.scalar(select(User.id).where(User.username == "mira"))
        enqueue(session, SEND_SOON, user_ids=[mira])
        enqueue(session, SEND_SOON, user_ids=[mira])
    assert forum.run_jobs() >= 3
    assert [message["Subject"] for message in inbox.take()] == ["[Garden club] Garden tips"]
    with forum.session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.mailed_at.is_(None))) == 0


@pytest.mark.parametrize("postgres", BACKENDS)
def test_two_workers_at_once_send_each_message_once(mailing, postgres):
    from forum_core.accounts.models import User
    from forum_core.jobs import enqueue
    from forum_core.notifications.email_delivery import SEND_SOON
    from forum_core.testing import run_together

    forum, inbox = mailing(postgres=postgres, **{"forum.email_batch_minutes": "0"})
    topics = [forum.create_topic("mira", title=f"Topic {number}") for number in range(3)]
    for topic in topics:
        forum.reply("nils", topic, "news")
    assert forum.app is not None  # (built before the threads share it)
    queue = forum.runtime.queue
    with forum.session() as session:
        mira = session.scalar(select(User.id).where(User.username == "mira"))
        ids = [enqueue(session, SEND_SOON, user_ids=[mira]) for _worker in range(2)]
    assert run_together(2, lambda index: queue.run(ids[index])) == []
    forum.run_jobs(include_scheduled=True)
    subjects = sorted(message["Subject"] for message in inbox.to("mira@example.com"))
    assert subjects == [f"[Garden club] Topic {number}" for number in range(3)]


# -- every level and reason --------------------------------------------------------------------


@pytest.mark.parametrize("postgres", BACKENDS)
def test_each_kind_is_mailed_as_the_member_chose(mailing, postgres):
    forum, inbox = mailing(postgres=postgres, **{"forum.digest_weekday": "monday"})
    # defaults: replies, quotes and mentions at once; likes never
    set_email(forum, "mira", reply="daily", mention="weekly", like="immediately", quote="never")
    topic = forum.create_topic("mira", title="Garden tips")
    forum.create_topic("olga", title="Olga asks")
    with forum.session() as session:
        from forum_core.content.models import Post

        first = session.scalar(select(Post.id).where(Post.topic_id == topic))
    forum.reply("nils", topic, "A reply")                                 # daily
    forum.reply("olga", topic + 1, f'[quote post={first} user=mira]\nx\n[/quote]\n\nhi')  # never
    forum.reply("olga", topic + 1, "Hello @mira")                         # weekly
    nils = forum.browser("nils")
    assert nils.post_form(f"/p/{first}/like", action="like").status_int == 303  # at once
    forum.run_jobs(include_scheduled=True)
    (liked,) = inbox.take()
    assert "nils liked your post in Garden tips" in body(liked)

    at = next_digest_hour()
    while at.weekday() != 0:  # a Monday at 07:00: daily and weekly digests
        at += dt.timedelta(days=1)
    with forum.session() as session:  # (the notifications were made "yesterday")
        session.execute(Notification.__table__.update().values(
            created_at=at - dt.timedelta(hours=3)))
    forum.run_periodic_jobs(at=at)
    digests = {message["Subject"]: body(message) for message in inbox.take()}
    assert sorted(digests) == ["[Garden club] Your daily digest",
                               "[Garden club] Your weekly digest"]
    assert "nils replied to Garden tips" in digests["[Garden club] Your daily digest"]
    assert "mentioned you" not in digests["[Garden club] Your daily digest"]
    assert "olga mentioned you in Olga asks" in digests["[Garden club] Your weekly digest"]
    assert "quoted" not in "".join(digests.values())
    # the next hour is not the digest hour; the next day's digest has nothing new: none
    assert forum.run_periodic_jobs(at=at + dt.timedelta(hours=1)) >= 1
    forum.run_periodic_jobs(at=at + dt.timedelta(days=1))
    assert inbox.messages == []


def test_plugin_kinds_take_their_declared_default(mailing):
    """A plugin's kind is on the account page with its declared default (a daily digest
    when it declares none; groups' announcements never, the plugin mails them itself)."""
    forum, _inbox = mailing(plugins=["groups", "ideas"])
    form = forum.browser("mira").app.get("/account").forms["email-form"]
    assert form["email.groups.announcement"].value == "never"
    assert form["email.ideas.status"].value == "daily"
    assert form["email.reply"].value == "immediately"
    assert form["email.like"].value == "never"


def test_digest_lists_the_busiest_topics_first_since_the_last_one(mailing):
    forum, inbox = mailing()
    set_email(forum, "mira", reply="daily")
    quiet = forum.create_topic("mira", title="Quiet topic")
    busy = forum.create_topic("mira", title="Busy topic")
    forum.reply("nils", quiet, "one")
    for text in ("a", "b", "c"):
        forum.reply("olga", busy, text)
    at = next_digest_hour()
    forum.run_periodic_jobs(at=at)
    (digest,) = inbox.take()
    text = body(digest)
    assert text.index("Busy topic (3 new)") < text.index("Quiet topic (1 new)")
    assert f"https://forum.example/t/{busy}/busy-topic#post-4" in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    forum.reply("nils", quiet, "two")
    made_at(forum, at + dt.timedelta(hours=5))  # (between the two digests)
    forum.run_periodic_jobs(at=at + dt.timedelta(days=1))
    (second,) = inbox.take()
    assert "Quiet topic (1 new)" in body(second) and "Busy topic" not in body(second)


def test_digests_go_through_members_in_batches(mailing, monkeypatch):
    from forum_core.notifications import email_delivery

    monkeypatch.setattr(email_delivery, "DIGEST_BATCH", 2)
    forum, inbox = mailing()
    names = ["mira", "nils", "olga", "pia", "quin"]
    for name in names[3:]:
        forum.create_user(name)
    for name in names:
        set_email(forum, name, reply="weekly")
        topic = forum.create_topic(name, title=f"Topic of {name}")
        forum.reply("mira" if name != "mira" else "nils", topic, "hello")
    at = next_digest_hour()
    monday = at
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    forum.run_periodic_jobs(at=monday)
    assert sorted(message["To"] for message in inbox.take()) == sorted(
        f"{name}@example.com" for name in names)
    assert forum.jobs() == []


# -- unsubscribing in one click -----------------------------------------------------------------


@pytest.mark.parametrize("postgres", BACKENDS)
def test_one_click_unsubscribe_without_signing_in(mailing, postgres):
    forum, inbox = mailing(postgres=postgres, **{"forum.email_batch_minutes": "0"})
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "one")
    forum.run_jobs()
    (message,) = inbox.take()
    path = unsubscribe_path(message)

    stranger = forum.browser()  # no session, no CSRF token: as a mail program posts
    page = stranger.app.get(path)
    assert "Replies to my topics" in page.text and "unsubscribe-form" in page.text
    done = stranger.app.post(path, "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert done.status_int == 200 and "no more e-mail" in done.text
    assert stranger.app.post(path, "List-Unsubscribe=One-Click").status_int == 200, \
        "a mail program that posts twice is answered the same"
    forum.reply("olga", topic, "two")
    forum.run_jobs()
    assert inbox.messages == [], "it takes effect at once"
    mira = forum.browser("mira")
    assert mira.app.get("/account").forms["email-form"]["email.reply"].value == "never"

    # turned back on: the old link is refused, clearly
    set_email(forum, "mira", reply="immediately")
    replayed = stranger.app.post(path, "List-Unsubscribe=One-Click", status=400)
    assert "out of date" in replayed.text
    assert mira.app.get("/account").forms["email-form"]["email.reply"].value == "immediately"


@pytest.mark.parametrize("token", ["1-0-reply-" + "0" * 32, "garbage", "1-0-all-abc",
                                   "99999-0-reply-" + "f" * 32, "x" * 3000])
def test_forged_unsubscribe_tokens_are_refused(mailing, token):
    forum, _inbox = mailing()
    stranger = forum.browser()
    for method in (stranger.app.get, stranger.app.post):
        page = method(f"/email/unsubscribe/{token}", status=400)
        assert "This link cannot unsubscribe you" in page.text
        assert "not valid" in page.text
    problem = stranger.app.post(f"/email/unsubscribe/{token}", status=400,
                                headers={"Accept": "application/problem+json"})
    assert problem.json["title"] == "This link cannot unsubscribe you"
    with forum.session() as session:
        assert session.scalar(select(func.count()).select_from(EmailPreference)) == 0


def test_a_token_signed_by_another_forum_is_refused(mailing, make_forum):
    from forum_core.notifications.email_choices import unsubscribe_token

    forum, _inbox = mailing()
    forged = unsubscribe_token("another secret", 1, 0, ["all"])
    assert "not valid" in forum.browser().app.post(f"/email/unsubscribe/{forged}",
                                                  status=400).text
    genuine = unsubscribe_token(forum.settings["forum.secret"], 1, 0, ["all"])
    forum.browser().app.post(f"/email/unsubscribe/{genuine}")
    mira = forum.browser("mira").app.get("/account").forms["email-form"]
    assert {mira[f"email.{kind}"].value for kind in ("reply", "quote", "mention", "like")} \
        == {"never"}


# -- who gets nothing, and what is never in a message -----------------------------------------


def test_no_mail_without_a_usable_address(mailing):
    from forum_core.accounts.models import User

    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    with forum.session() as session:
        mira = session.scalar(select(User).where(User.username == "mira"))
        mira.status = "banned"
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "one")
    forum.run_jobs()
    assert inbox.messages == []


def test_mail_is_in_the_members_language(mailing):
    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    mira = forum.browser("mira")
    assert mira.post_form("/account", action="language", locale="nl").status_int == 200
    topic = forum.create_topic("mira", title="Tuintips")
    forum.reply("nils", topic, "one")
    forum.run_jobs()
    (message,) = inbox.take()
    assert "nils reageerde op Tuintips" in body(message)


def test_a_post_hidden_before_the_message_is_built_is_not_in_it(mailing):
    forum, inbox = mailing()
    set_email(forum, "mira", reply="daily")
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "Fine words")
    spam = forum.reply("olga", topic, "Buy pills")
    moderator = forum.create_user("mod", role="moderator") and forum.browser("mod")
    page = moderator.app.get(forum.topic_path(topic))
    form = next(form for form in page.forms.values()
                if form.action == f"/p/{spam}/moderate" and form["action"].value == "hide")
    form.submit()
    forum.run_periodic_jobs(at=next_digest_hour())
    (digest,) = inbox.take()
    assert "nils replied" in body(digest)
    assert "olga" not in body(digest) and "pills" not in body(digest)


def test_nothing_is_sent_when_everything_is_hidden(mailing):
    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    topic = forum.create_topic("mira", title="Garden tips")
    spam = forum.reply("olga", topic, "Buy pills")
    with forum.session() as session:
        from forum_core.content.models import Post

        session.get(Post, spam).is_hidden = True
    forum.run_jobs()
    assert inbox.messages == []


def test_account_email_settings_two_tabs_one_row_and_bad_values(mailing):
    forum, _inbox = mailing()
    mira = forum.browser("mira")
    first = mira.app.get("/account").forms["email-form"]
    second = mira.app.get("/account").forms["email-form"]
    first["email.reply"] = "weekly"
    second["email.reply"] = "daily"
    first.submit()
    second.submit()
    with forum.session() as session:
        assert list(session.execute(select(EmailPreference.kind, EmailPreference.mode)
                                    .where(EmailPreference.kind == "reply"))) == [
            ("reply", "daily")]
    refused = mira.post_form("/account", action="email_notifications",
                             **{"email.reply": "hourly"})
    assert refused.status_int == 400 and "email-form" in refused.text
    assert "hourly is not a way to be e-mailed" in refused.text


# -- closed groups: nothing leaks into e-mail ---------------------------------------------------


@pytest.mark.parametrize("stays", [True, False], ids=["member", "left"])
@pytest.mark.parametrize("mode", ["immediately", "daily", "weekly"])
@pytest.mark.parametrize("postgres", BACKENDS)
def test_closed_group_leak_matrix(mailing, postgres, mode, stays):
    """A member who leaves a group gets nothing more from it, in messages sent at once and
    in the next digest; a member who stays does (so the test can fail)."""
    from forum_groups.models import Group

    forum, inbox = mailing(postgres=postgres, plugins=["groups"],
                           **{"forum.digest_weekday": "monday"})
    group_id, space = forum.create_group("Inner circle", "olga", ["mira", "nils"],
                                         space="Inner space")
    set_email(forum, "mira", reply=mode)
    secret = forum.create_topic("mira", category=space, title="Secret plans")
    public = forum.create_topic("mira", title="Open garden")
    forum.reply("nils", secret, "Classified details")
    forum.reply("nils", public, "Public answer")
    if not stays:
        with forum.session() as session:
            slug = session.get(Group, group_id).slug
        mira = forum.browser("mira")
        assert "You left" in mira.post_form(f"/groups/{slug}", action="leave").text
    monday = next_digest_hour()
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    forum.run_jobs(include_scheduled=True)
    made_at(forum, monday - dt.timedelta(hours=2))
    forum.run_periodic_jobs(at=monday)
    texts = [f"{message['Subject']}\n{body(message)}"
             for message in inbox.to("mira@example.com")]
    assert any("Public answer" in text or "Open garden" in text for text in texts)
    told = any("Secret plans" in text or "Classified" in text for text in texts)
    assert told is stays


def test_email_settings_in_the_api(mailing):
    forum, _inbox = mailing()
    api = forum.app
    mira = {"Authorization": f"Bearer {forum.api_token('mira')}"}
    url = "/api/v1/me/notification-settings"
    items = api.get(url, headers=mira).json["items"]
    assert [(item["kind"], item["email"]) for item in items] == [
        ("mention", "immediately"), ("quote", "immediately"), ("reply", "immediately"),
        ("like", "never"), ("watched_topic", "immediately"), ("watched_post", "immediately")]
    changed = api.put_json(url, {"email": {"reply": "weekly"}}, headers=mira).json["items"]
    assert {item["kind"]: (item["enabled"], item["email"]) for item in changed}["reply"] == (
        True, "weekly")
    assert forum.browser("mira").app.get("/account").forms["email-form"]["email.reply"].value \
        == "weekly"
    bad = api.put_json(url, {"email": {"reply": "hourly"}}, headers=mira, status=422)
    assert bad.json["errors"][0]["field"] == "email.reply"
    api.put_json(url, {"email": {"nope": "daily"}}, headers=mira, status=404)


# -- bounded work ---------------------------------------------------------------------------------


def _digest_queries(mailing, topics, replies):
    """SQL statements a weekly digest run sends for one member with ``replies`` replies in
    each of ``topics`` topics."""
    from sqlalchemy import event

    forum, inbox = mailing()
    set_email(forum, "mira", reply="weekly")
    for number in range(topics):
        topic = forum.create_topic("mira", title=f"Topic {number}")
        for _reply in range(replies):
            forum.reply("nils", topic, "news")
    forum.run_jobs()  # (what the posts themselves queued: their watchers' jobs)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    monday = next_digest_hour()
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    event.listen(forum.engine, "before_cursor_execute", record)
    try:
        forum.run_periodic_jobs(at=monday)
    finally:
        event.remove(forum.engine, "before_cursor_execute", record)
    (digest,) = inbox.take()
    assert f"Topic {topics - 1} ({replies} new)" in body(digest)
    return len(statements)


def test_a_digest_costs_the_same_queries_however_much_it_tells(mailing):
    assert _digest_queries(mailing, topics=1, replies=1) == \
        _digest_queries(mailing, topics=4, replies=3)


def test_a_job_asked_for_later_waits_and_keeps_its_time_when_handed_over_again(mailing):
    from forum_core.jobs import enqueue_later
    from forum_core.mail import SEND_MAIL

    forum, inbox = mailing()
    with forum.session() as session:
        enqueue_later(session, 3600, SEND_MAIL, to="x@example.com", subject="s", body="b")
    (row,) = forum.jobs()
    assert row.due_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)
    assert forum.run_jobs() == 0 and inbox.messages == []
    with forum.session() as session:  # a process died before handing it to the queue
        session.execute(row.__table__.update().values(
            state="pending", created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    assert forum.runtime.queue.replay() == 1
    (again,) = forum.jobs()
    assert again.due_at == row.due_at
    assert forum.run_jobs() == 0
    assert forum.run_jobs(include_scheduled=True) == 1
    assert [message["To"] for message in inbox.take()] == ["x@example.com"]


def test_a_job_that_failed_for_good_does_not_stop_later_mail(mailing):
    from forum_core.notifications.models import EmailState

    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "one")
    forum.run_jobs()
    assert len(inbox.take()) == 1
    with forum.session() as session:  # as if a job had failed for good hours ago
        session.execute(EmailState.__table__.update().values(
            due_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)))
    forum.reply("olga", topic, "two")
    forum.run_jobs()
    (message,) = inbox.take()
    assert "olga replied" in body(message)


def test_a_worker_process_builds_the_mail_without_a_web_application(mailing):
    """``forum worker`` has no app of its own: it configures the forum's Pyramid registry
    (routes and languages) when the first message is written."""
    from forum_core.app import close_app
    from forum_core.cli.jobs import app_registry_of
    from forum_core.worker import open_runtime

    forum, inbox = mailing(**{"forum.email_batch_minutes": "0"})
    topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", topic, "one")
    registry = app_registry_of(forum.env)
    worker = open_runtime(forum.env, app_registry=registry)
    try:
        assert worker.queue.run_queued() >= 2
    finally:
        close_app(SimpleNamespace(registry=registry()))  # (its engine, queue and index)
        worker.close()
    (message,) = inbox.take()
    assert f"https://forum.example/t/{topic}/garden-tips#post-2" in body(message)


@pytest.mark.parametrize("postgres", BACKENDS)
def test_a_watched_category_is_mailed_at_once_saying_why(mailing, postgres):
    """Watching is asking to be told: the watched places' notifications are e-mailed at
    once by default, each saying which watched place it came from."""
    forum, inbox = mailing(postgres=postgres, **{"forum.email_batch_minutes": "0"})
    olga = forum.browser("olga")
    with forum.session() as session:
        from forum_core.content.models import Category

        general = session.scalar(select(Category.id).where(Category.slug == "general"))
    answer = olga.post_form("/follow", place="category", place_id=str(general),
                            level="watching", next="/")
    assert answer.status_int == 303
    forum.create_topic("mira", title="Seed swap")
    forum.run_jobs()
    (message,) = inbox.to("olga@example.com")
    assert message["Subject"] == "[Garden club] Seed swap"
    assert "mira started Seed swap (You watch General)" in body(message)
    unsubscribe_path(message)


def test_a_text_attachment_reaches_the_mail_server_with_its_parameters(mailing):
    """A calendar invitation is a text attachment whose ``Content-Type`` carries
    ``method=REQUEST``; it survives the job queue (JSON) and arrives as it was given."""
    from forum_core.api import MailAttachment
    from forum_core.mail import Mail, queue_mail

    forum, inbox = mailing()
    calendar = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Tuin · Сад\r\nEND:VCALENDAR\r\n"
    invitation = MailAttachment("event.ics", "text/calendar", calendar, {"method": "REQUEST"})
    with forum.session() as session:
        queue_mail(session, Mail("mira@example.com", "You are invited", "See the invitation.",
                                 attachments=(invitation,)))
    forum.run_jobs()
    (message,) = inbox.take()
    assert message.get_body(("plain",)).get_content().strip() == "See the invitation."
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "event.ics"
    assert part.get_content().replace("\r\n", "\n") == calendar.replace("\r\n", "\n")
    for wrong in (("x.png", "image/png"), ("", "text/calendar"), ("x", "text")):
        with pytest.raises(ValueError, match="named text file"):
            MailAttachment(wrong[0], wrong[1], "BEGIN:VCALENDAR")
