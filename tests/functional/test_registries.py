"""The registries a plugin author builds on: content types, notification kinds about any of
them, capabilities, template slots, admin pages, content events inside the transaction, and
the public test helpers. Exercised through test plugins that use forum_core.api only."""

from __future__ import annotations

import functools
from importlib.metadata import entry_points

import pytest

from forum_core.api import PostCreated, TopicCreated
from forum_core.errors import StartupError
from tests.conftest import plugin_entry_points


@pytest.fixture
def with_plugins(make_forum):
    """``make_forum`` with the bundled plugins and the test plugins installed."""
    installed = list(entry_points(group="forum.plugins")) + plugin_entry_points()
    return functools.partial(make_forum, entry_points=installed)


@pytest.fixture
def board(with_plugins):
    forum = with_plugins(plugins=["ideas", "consumer", "finder"])
    forum.create_user("boss", role="admin")
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_category("General")
    return forum


def test_the_core_and_plugins_declare_their_content_types_once(board):
    types = board.env.registries.content_types
    assert types.names()[:2] == ["topic", "post"]
    assert {"idea", "member"} <= set(types.names())
    assert [t.name for t in types.searchable] == types.names()
    assert [t.name for t in types.in_feeds] == ["topic"]
    assert types.for_model(types["idea"].model).name == "idea"
    assert types["topic"].structured_data == "DiscussionForumPosting"


def test_a_notification_can_be_about_any_content_type(board):
    """A plugin's kind, about a plugin's content type (a member profile), in the member's
    language, hidden while the member may not see the item."""
    from forum_core.accounts.models import User
    from forum_core.api import notify

    with board.session() as session:
        mira = session.query(User).filter_by(username="mira").one()
        nils = session.query(User).filter_by(username="nils").one()
        assert notify(session, [mira.id, nils.id], "finder.seen", ("member", nils.id),
                      actor=nils) == 1
    inbox = board.browser("mira").app.get("/notifications")
    assert "nils looked at nils" in inbox.text
    opened = inbox.click(href="/notifications/", index=0).follow()  # the menu has it too
    assert opened.request.path == "/u/nils"
    api = board.browser("mira").app.get(
        "/api/v1/notifications", headers={"Authorization": "Bearer "
                                          + board.api_token("mira")}).json["items"][0]
    assert api["type"] == "member" and api["kind"] == "finder.seen"
    # the finder plugin shows nobody a banned member: the notification goes with them
    with board.session() as session:
        session.query(User).filter_by(username="nils").one().status = "banned"
    mira = board.browser("mira")
    assert "looked at" not in mira.app.get("/notifications").text
    assert mira.app.get("/api/v1/me", headers={
        "Authorization": "Bearer " + board.api_token("mira")}).json["unread_notifications"] == 0


def test_an_unknown_kind_or_type_is_refused(board):
    from forum_core.api import notify

    with board.session() as session, pytest.raises(ValueError, match="unknown notification"):
        notify(session, [1], "nope.nothing", ("topic", 1))
    with board.session() as session, pytest.raises(ValueError, match="unknown content type"):
        notify(session, [1], "reply", ("nothing", 1))


def test_a_capability_is_used_without_importing_its_provider(board, with_plugins):
    topic = board.create_topic("mira", "general", "Plain topic", "Body")
    page = board.browser("nils").app.get(f"/t/{topic}").maybe_follow()
    assert page.html.select_one(".consumer-author").text == ""  # no votes on this one
    assert board.env.registries.capabilities.provider("votes") == "ideas"
    from forum_core.api import capability

    with board.session() as session:
        votes = capability(session, "votes")
        assert votes.votes_of(session, 1) == 0
    # without the provider, the consumer still works and shows nothing
    alone = with_plugins(plugins=["consumer"])
    alone.create_user("mira")
    alone.create_category("General")
    topic = alone.create_topic("mira", "general", "Plain topic", "Body")
    assert alone.env.registries.capabilities.get("votes") is None
    assert alone.browser().app.get(f"/t/{topic}").maybe_follow().html.select_one(".consumer-author")


@pytest.mark.parametrize("offered, expected", [
    ("complete", "both provide 'votes'"),
    ("half", "without all of its methods"),
    ("unknown", "unknown capability 'likes'"),
])
def test_capability_mistakes_stop_start_up_with_one_line(with_plugins, offered, expected):
    import forum_rival

    forum_rival.OFFERED.clear()
    forum_rival.OFFERED.update({"complete": {"votes": forum_rival.CompleteVotes()},
                                "half": {"votes": forum_rival.HalfVotes()},
                                "unknown": {"likes": object()}}[offered])
    try:
        forum = with_plugins(plugins=["ideas", "rival"])
        with pytest.raises(StartupError) as info:
            _ = forum.env.registries
        assert expected in str(info.value) and "\n" not in str(info.value)
    finally:
        forum_rival.OFFERED.clear()


def test_slots_get_the_objects_of_the_page(board):
    topic = board.create_topic("mira", "general", "Slots", "First")
    second = board.reply("nils", topic, "Second")
    page = board.browser("mira").app.get(f"/t/{topic}").maybe_follow().html
    posts = page.select("article.post")
    assert len(posts) == 2
    for article in posts:
        own = {tag["data-post"] for tag in article.select("[data-post]")}
        assert len(own) == 1, "each post's slots are told which post they are on"
    assert posts[1].select_one(".consumer-author")["data-post"] == str(second)
    assert posts[1].select_one(".consumer-body")["data-count"] == "2"
    assert posts[1].select_one(".consumer-action")["href"] == "#post-2"
    profile = board.browser().app.get("/u/nils").html
    assert profile.select_one(".consumer-card").text == "nils"
    assert profile.select_one(".consumer-profile h2").text == "nils"
    account = board.browser("nils").app.get("/account").html
    assert account.select_one(".consumer-account h2").text == "nils"


def test_a_plugins_admin_page_is_listed_for_administrators_only(board):
    admin = board.browser("boss")
    home = admin.app.get("/admin")
    links = {a.text: a["href"] for a in home.html.select(".admin-nav a")}
    assert links["Consumer settings"] == "/consumer/admin"
    assert links["Idea boards"] == "/ideas/boards"
    assert admin.app.get("/consumer/admin").text == "consumer admin page"
    board.browser("nils").app.get("/consumer/admin", status=403)
    board.browser().app.get("/consumer/admin", status=403)


def test_a_plugin_writes_in_the_transaction_of_the_event(board):
    topic = board.create_topic("mira", "general", "Pings", "First")
    nils = board.browser("nils")
    form = nils.app.get(f"/t/{topic}").maybe_follow().forms["reply-form"]
    form["body"] = "ping @nobody"
    assert form.submit().status_int == 303
    assert "nils pinged you in Pings" in board.browser("mira").app.get("/notifications").text


def test_a_failing_writer_rolls_the_change_back(board, caplog):
    topic = board.create_topic("mira", "general", "Refusals", "First")
    nils = board.browser("nils")
    form = nils.app.get(f"/t/{topic}").maybe_follow().forms["reply-form"]
    form["body"] = "EXPLODE and ping"
    failed = form.submit(status=500)
    assert "EXPLODE" not in failed.text
    page = nils.app.get(f"/t/{topic}").maybe_follow()
    assert "EXPLODE" not in page.text, "nothing of the reply was saved"
    assert "pinged" not in board.browser("mira").app.get("/notifications").text
    assert any(r.args and r.args[0] == "consumer" for r in caplog.records)


def test_events_can_be_observed_in_tests(board):
    with board.events() as seen:
        topic = board.create_topic("mira", "general", "Observed", "Body")
        board.reply("nils", topic, "Reply")
    kinds = [type(event) for event in seen]
    assert kinds == [TopicCreated, PostCreated, PostCreated]
    with board.events() as later:
        pass
    assert later == []


def test_groups_are_made_through_the_capability(with_plugins):
    forum = with_plugins(plugins=["groups"])
    for name in ("owner", "mira", "outsider"):
        forum.create_user(name)
    group_id, space = forum.create_group("Inner circle", "owner", ["mira"], space="Inner room")
    topic = forum.create_topic("mira", space, "Members only", "SECRET-SPACE")
    assert "SECRET-SPACE" in forum.browser("owner").app.get(f"/t/{topic}").maybe_follow().text
    assert "SECRET-SPACE" in forum.browser("mira").app.get(f"/t/{topic}").maybe_follow().text
    forum.browser("outsider").app.get(f"/t/{topic}", status=404)
    plain = with_plugins(plugins=[])
    plain.create_user("owner")
    with pytest.raises(LookupError, match="enable 'groups'"):
        plain.create_group("Nope", "owner")
