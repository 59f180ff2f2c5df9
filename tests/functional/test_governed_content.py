"""Content a plugin governs stays closed while that plugin is disabled.

A forum with the groups plugin has an open and a hidden group, each with a space and topics
in it. The same database (and search index) is then served without the plugin: its filter is
gone, yet no one but an administrator finds anything of the spaces, on any page, feed, search
backend or API answer. An administrator still sees them, to move or delete what is there.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

import pytest
from alembic import command
from sqlalchemy import select, text

from forum_core.cli.commands import governed_notices
from forum_core.content.governed import govern
from forum_core.content.models import Category, Post, Topic
from forum_core.i18n import translate
from forum_core.migrations import alembic_config, branches, upgrade
from forum_core.moderation.models import Flag
from tests.reliability.conftest import Server, write_ini

SECRETS = ("SECRET-OPEN-TITLE", "SECRET-OPEN-BODY", "SECRET-OPEN-REPLY",
           "SECRET-HIDDEN-TITLE", "SECRET-HIDDEN-BODY", "SECRET-HIDDEN-REPLY")
SETUPS = [
    pytest.param({}, id="sqlite"),
    pytest.param({"postgres": True}, id="postgresql", marks=pytest.mark.postgres),
    pytest.param({"postgres": True, "forum.search_backend": "postgresql"},
                 id="postgresql-search", marks=pytest.mark.postgres),
]


def same_forum(make_forum, forum, plugins, **extra):
    """``forum``'s database, search index and data folder, served with ``plugins``."""
    shared = {key: forum.settings[key] for key in
              ("forum.database_url", "forum.data_dir", "forum.search_backend")
              if key in forum.settings}
    return make_forum(plugins=plugins, **shared, **extra)


@pytest.fixture(params=SETUPS)
def spaces(request, make_forum):
    """A forum with groups enabled: an open and a hidden group with a space each, topics,
    replies, mentions and a flag in them, and a public topic."""
    setup = dict(request.param)
    postgres = setup.pop("postgres", False)
    forum = make_forum(plugins=["groups"], postgres=postgres, **setup)
    for name in ("owner", "mira", "nils"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    forum.create_user("boss", role="admin")
    forum.create_category("General")
    public = forum.create_topic("nils", "general", "Public news", "Everyone reads this")
    _, open_space = forum.create_group("Open house", "owner", ["mira"], space="Open space",
                                       kind="open")
    _, hidden_space = forum.create_group("Board room", "owner", ["mira"],
                                         space="Board room space", kind="hidden")
    opened = forum.create_topic("owner", open_space, "SECRET-OPEN-TITLE",
                                "SECRET-OPEN-BODY for @mira, @nils and @mod")
    forum.reply("mira", opened, "SECRET-OPEN-REPLY")
    hidden = forum.create_topic("mira", hidden_space, "SECRET-HIDDEN-TITLE",
                                "SECRET-HIDDEN-BODY for @owner")
    reply = forum.reply("owner", hidden, "SECRET-HIDDEN-REPLY")
    flagged = forum.browser("mira").post_form(f"/p/{reply}/flag",
                                              reason="Please look at this reply")
    assert flagged.status_int == 303, flagged.text
    with forum.session() as session:
        posts = list(session.scalars(select(Post.id)
                                     .where(Post.topic_id.in_([opened, hidden]))))
        slugs = dict(session.execute(select(Topic.id, Topic.slug)).tuples().all())
    return {"forum": forum, "spaces": [open_space, hidden_space], "topics": [opened, hidden],
            "slugs": slugs, "posts": posts, "public": public}


def surface_urls(planted):
    urls = ["/", "/latest.atom", "/sitemap.xml", "/u/owner", "/u/mira", "/notifications",
            "/mod/queue", "/api/v1/categories", "/api/v1/users/owner", "/api/v1/users/mira",
            "/api/v1/notifications", "/api/v1/me"]
    for space in planted["spaces"]:
        urls += [f"/c/{space}", f"/c/{space}/new", f"/c/{space}/feed.atom",
                 f"/api/v1/categories/{space}/topics"]
    for topic in planted["topics"]:
        slug = planted["slugs"][topic]
        urls += [f"/t/{topic}", f"/t/{topic}/{slug}", f"/t/{topic}/{slug}/reply",
                 f"/t/{topic}/feed.atom", f"/api/v1/topics/{topic}",
                 f"/api/v1/topics/{topic}/posts"]
    for post in planted["posts"]:
        urls += [f"/p/{post}/edit", f"/p/{post}/history", f"/p/{post}/flag",
                 f"/api/v1/posts/{post}",
                 f"/t/{planted['topics'][0]}/x/reply?quote={post}"]
    for query in ("secret", "secret*", '"secret open"', "reply -public"):
        urls += [f"/search?{urlencode({'q': query})}",
                 f"/api/v1/search?{urlencode({'q': query})}",
                 f"/api/v1/similar?{urlencode({'text': query})}"]
    return urls


def test_with_the_plugin_enabled_its_members_see_the_spaces(spaces):
    """The data the other tests hide is really there (so their checks can fail)."""
    mira = spaces["forum"].browser("mira")
    for space in spaces["spaces"]:
        mira.app.get(f"/c/{space}")
    assert mira.app.get("/api/v1/search", params={"q": "secret"}).json["total"] == 4
    assert "SECRET-HIDDEN-REPLY" in mira.app.get(f"/t/{spaces['topics'][1]}").maybe_follow().text
    assert "SECRET-OPEN-TITLE" in mira.app.get("/notifications").text


def test_the_moderation_queue_shows_a_moderator_only_what_they_may_see(spaces):
    """A flag on a post in a group's space is for staff who may read the space (here, with
    the plugin enabled, the administrator), and cannot be resolved by anyone else."""
    forum = spaces["forum"]
    assert "SECRET-HIDDEN-REPLY" in forum.browser("boss").app.get("/mod/queue").text
    mod = forum.browser("mod")
    assert "SECRET-HIDDEN-REPLY" not in mod.app.get("/mod/queue").text
    with forum.session() as session:
        flag = session.scalar(select(Flag.id))
    assert mod.post_form(f"/mod/flags/{flag}", action="hide").status_int == 404
    with forum.session() as session:
        assert session.get(Flag, flag).resolved_at is None


@pytest.mark.parametrize("who", [None, "mira", "nils", "mod"])
def test_disabling_the_plugin_opens_nothing(make_forum, spaces, who):
    without = same_forum(make_forum, spaces["forum"], [])
    browser = without.browser(who)
    pages = browser.crawl(limit=150)
    for url in surface_urls(spaces):
        response = browser.app.get(url, status="*", expect_errors=True)
        assert response.status_int in (200, 302, 303, 401, 403, 404), url
        pages[url] = response.text
    for url, page in pages.items():
        for secret in SECRETS:
            assert secret not in page, f"{secret} shows on {url} to {who}"
    assert "secret" not in pages["/sitemap.xml"].lower()  # not even a topic's slug
    for space in spaces["spaces"]:
        assert "not available" in browser.app.get(f"/c/{space}", status=404).text
    for topic in spaces["topics"]:
        browser.app.get(f"/t/{topic}", status=404)
        browser.app.get(f"/api/v1/topics/{topic}", status=404)
    assert browser.app.get("/api/v1/search", params={"q": "secret"}).json["total"] == 0
    assert "Public news" in browser.app.get("/").text  # the rest of the forum is as it was
    if who is not None:
        me = browser.app.get("/api/v1/me").json
        assert me["unread_notifications"] == 0, "a notification about a space is counted"
        assert browser.app.get("/api/v1/notifications").json["items"] == []


def test_members_cannot_write_into_a_governed_space_either(make_forum, spaces):
    without = same_forum(make_forum, spaces["forum"], [])
    token = without.api_token("mira")
    space, topic = spaces["spaces"][0], spaces["topics"][0]
    headers = {"Authorization": f"Bearer {token}"}
    without.app.post_json(f"/api/v1/categories/{space}/topics",
                          {"title": "A new topic", "body": "In a closed space"},
                          headers=headers, status=404)
    without.app.post_json(f"/api/v1/topics/{topic}/posts", {"body": "Still here?"},
                          headers=headers, status=404)
    mira = without.browser("mira")
    assert mira.post_form(f"/c/{space}/new", title="A new topic",
                          body="In a closed space").status_int == 404


def test_administrators_still_see_and_can_move_it(make_forum, spaces):
    without = same_forum(make_forum, spaces["forum"], [])
    boss = without.browser("boss")
    home = boss.app.get("/").text
    assert "Open space" in home and "Board room space" in home
    assert "SECRET-HIDDEN-TITLE" in boss.app.get(f"/c/{spaces['spaces'][1]}").text
    assert "SECRET-HIDDEN-REPLY" in boss.app.get(f"/t/{spaces['topics'][1]}").maybe_follow().text
    assert boss.app.get("/api/v1/search", params={"q": "secret"}).json["total"] == 4
    assert "SECRET-HIDDEN-REPLY" in boss.app.get("/mod/queue").text
    assert "SECRET-OPEN-TITLE" in boss.app.get("/u/owner").text
    listed = boss.app.get("/admin/categories").html.select(".listing .cell-note")
    assert [badge.text for badge in listed] == [
        "Only administrators see it while the plugin groups is not enabled"] * 2

    # moving a topic out of the space hands it to the core's rules: everyone reads it
    topic = spaces["topics"][0]
    with without.session() as session:
        general = session.scalar(select(Category.id).where(Category.slug == "general"))
    moved = boss.post_form(f"/t/{topic}/{spaces['slugs'][topic]}/moderate", action="move",
                           category=str(general))
    assert moved.status_int == 303, moved.text
    assert "SECRET-OPEN-REPLY" in without.browser("nils").app.get(f"/t/{topic}").maybe_follow().text


def test_enabling_the_plugin_again_gives_its_members_their_spaces_back(make_forum, spaces):
    """Statements are kept per kind of viewer: a forum without the plugin and one with it in
    the same process never share them."""
    forum = spaces["forum"]
    without = same_forum(make_forum, forum, [])
    again = same_forum(make_forum, forum, ["groups"])
    for _ in range(2):
        for app, status in ((forum, 200), (without, 404), (again, 200)):
            app.browser("mira").app.get(f"/c/{spaces['spaces'][1]}", status=status)
            app.browser("nils").app.get(f"/c/{spaces['spaces'][1]}", status=404)


def test_a_plugin_with_no_filter_of_its_own_still_keeps_its_content(make_forum):
    """Governance is the core's, whichever plugin: a category marked as governed by 'ideas'
    reads as usual while ideas is enabled and is closed while it is not; one process serves
    both forums, members of the same kind asking in turn."""
    with_ideas = make_forum(plugins=["ideas"])
    with_ideas.create_user("nils")
    with_ideas.create_user("boss", role="admin")
    slug = with_ideas.create_category("Lab")
    with_ideas.create_category("General")
    topic = with_ideas.create_topic("nils", "general", "PRIVATE-QUESTION-TITLE")
    with with_ideas.session() as session:
        govern(session.scalar(select(Category).where(Category.slug == slug)), "ideas")
        govern(session.get(Topic, topic), "ideas")  # one topic of an open category
    without = same_forum(make_forum, with_ideas, [])
    for _ in range(2):
        with_ideas.browser("nils").app.get(f"/c/{slug}", status=200)
        nils = with_ideas.browser("nils")
        assert "PRIVATE-QUESTION-TITLE" in nils.app.get("/c/general").text
        assert nils.app.get("/api/v1/search", params={"q": "private"}).json["total"] == 1
        without.browser("nils").app.get(f"/c/{slug}", status=404)
        without.browser().app.get(f"/c/{slug}", status=404)
        without.browser("boss").app.get(f"/c/{slug}", status=200)
    for who in (None, "nils"):
        browser = without.browser(who)
        browser.app.get(f"/t/{topic}", status=404)
        assert "PRIVATE-QUESTION-TITLE" not in browser.app.get("/c/general").text
        assert "PRIVATE-QUESTION-TITLE" not in browser.app.get("/latest.atom").text
        assert browser.app.get("/api/v1/search", params={"q": "private"}).json["total"] == 0
    page = without.browser("boss").app.get(f"/t/{topic}").maybe_follow()
    assert "PRIVATE-QUESTION-TITLE" in page.text


def test_govern_refuses_what_it_cannot_mark():
    category = Category(slug="x", name="X")
    for wrong in ("not a plugin id", "", "x" * 65):
        with pytest.raises(ValueError):
            govern(category, wrong)
    with pytest.raises(ValueError):
        govern(object(), "groups")  # type: ignore[arg-type]
    govern(category, "groups")
    assert category.governed_by == "groups"
    govern(category, None)
    assert category.governed_by is None


def test_a_disabled_plugins_content_types_are_left_out_of_search_and_notifications(
        make_forum):
    """Documents of a type whose plugin is disabled stay in the index until the next reindex;
    search and notifications leave them out."""
    forum = make_forum(plugins=["ideas"])
    forum.create_user("mira")
    forum.create_user("boss", role="admin")
    forum.create_category("Ideas")
    boss = forum.browser("boss")
    with forum.session() as session:
        ideas_id = session.scalar(select(Category.id).where(Category.slug == "ideas"))
    assert boss.post_form("/ideas/boards", category_id=str(ideas_id), enabled="on",
                          vote_budget="0").status_int == 200
    forum.create_user("nils")
    mira = forum.browser("mira")
    form = mira.app.get("/ideas/ideas/new").forms["idea-form"]
    form["title"], form["body"] = "Dark mode please", "A darker theme for the evening"
    created = form.submit(status="*")
    if created.status_int == 200:  # similar ideas shown: confirm
        created = created.forms["idea-form"].submit(status="*")
    idea = int(created.location.split("/t/")[1].split("/")[0])
    nils = forum.browser("nils")
    assert nils.post_form(f"/ideas/i/{idea}/vote", action="up").status_int in (200, 303)
    assert boss.post_form(f"/ideas/i/{idea}/status", status="planned").status_int == 303
    found = nils.app.get("/api/v1/search", params={"q": "darker", "type": "idea"}).json
    assert [item["type"] for item in found["items"]] == ["idea"]
    assert nils.app.get("/api/v1/me").json["unread_notifications"] == 1  # the status

    without = same_forum(make_forum, forum, [])
    nils = without.browser("nils")
    found = nils.app.get("/api/v1/search", params={"q": "darker"}).json
    assert [item["type"] for item in found["items"]] == ["topic"], "an idea is a topic too"
    nils.app.get("/api/v1/search", params={"q": "darker", "type": "idea"}, status=400)
    nils.app.get("/search", params={"q": "darker", "type": "idea"}, status=400)
    assert nils.app.get("/api/v1/me").json["unread_notifications"] == 0
    assert nils.app.get("/api/v1/notifications").json["items"] == []


def test_forum_serve_says_what_stays_hidden(make_forum, tmp_path):
    forum = make_forum(plugins=["groups"])
    forum.create_user("owner")
    for name in ("Open house", "Board room"):
        _, space = forum.create_group(name, "owner", space=f"{name} space")
        forum.create_topic("owner", space, "In the space")
    forum.create_category("General")
    forum.create_topic("owner", "general", "Not in a space")
    assert governed_notices(forum.engine, ["groups"]) == []
    expected = ("What the plugin 'groups' governs stays hidden from everyone but "
                "administrators while it is not enabled (categories: 2, topics: 2)")
    assert [translate(line) for line in governed_notices(forum.engine, [])] == [
        expected + "; enable it again, or have an administrator move or delete that content."]

    without = same_forum(make_forum, forum, [])
    env = {key: value for key, value in os.environ.items() if not key.startswith("FORUM_")}
    server = Server(write_ini(without, tmp_path / "without.ini"), env).start()
    try:
        log = server.ini.with_suffix(f".{server.port}.log")
    finally:
        server.stop()
    lines = [line for line in log.read_text().splitlines() if "governs" in line]
    assert lines == [f"forum: {expected}; enable it again, or have an administrator move or "
                     "delete that content."]


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_the_groups_migration_marks_the_spaces_made_before_it(make_forum, postgres):
    forum = make_forum(plugins=["groups"], postgres=postgres, migrate=False)
    core, groups = branches(forum.env)
    now = "2026-01-01 00:00:00"
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(core, conn), "core_0015")
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(groups, conn), "groups_0002")
        for slug in ("general", "inner"):
            conn.execute(text(
                "INSERT INTO categories (slug, name, description, position, read_access, "
                "topic_access, reply_access, topic_count, post_count, created_at) VALUES "
                "(:slug, :slug, '', 1, 'members', 'members', 'members', 0, 0, :now)"),
                {"slug": slug, "now": now})
        conn.execute(text("INSERT INTO groups_groups (slug, name, description, kind, "
                          "created_at) VALUES ('circle', 'Circle', '', 'hidden', :now)"),
                     {"now": now})
        conn.execute(text(
            "INSERT INTO groups_spaces (category_id, group_id) SELECT c.id, g.id "
            "FROM categories c, groups_groups g WHERE c.slug = 'inner'"))
    assert upgrade(forum.engine, forum.env) == ["core", "groups"]
    with forum.engine.connect() as conn:
        marked = dict(conn.execute(text("SELECT slug, governed_by FROM categories")).all())
    assert marked == {"general": None, "inner": "groups"}

    without = same_forum(make_forum, forum, [])
    without.create_user("nils")
    nils = without.browser("nils")
    nils.app.get("/c/inner", status=404)
    nils.app.get("/c/general", status=200)
