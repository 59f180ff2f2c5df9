"""The groups plugin against a real forum: kinds of groups, joining, invitations, and that a
group's space leaks nowhere (fixtures from forum_core.testing, crawler from the core's tests)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from forum_groups.models import Group, Invitation
from sqlalchemy import select

from forum_core.api import Category, Post, Topic, User
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_leaks import crawl
from tests.functional.test_moderation import reply_as

SECRETS = ("SECRET-GROUP-TITLE", "SECRET-GROUP-BODY", "SECRET-GROUP-REPLY")


def csrf(browser):
    return browser.app.get("/account").forms["create-token-form"]["csrf_token"].value


def post_form(browser, url, **fields):
    return browser.app.post(url, {**fields, "csrf_token": csrf(browser)}, status="*")


def browser_for(forum, username=None):
    browser = forum.another_browser()
    if username:
        browser.login(username)
    return browser


@pytest.fixture
def board(make_forum):
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "mira", "nils", "outsider"):
        forum.create_user(name)
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    return forum


def new_group(forum, name, kind, owner="owner"):
    """A group made through the pages by the moderator, handed to ``owner``."""
    mod = browser_for(forum, "mod")
    page = mod.app.get("/groups/new")
    form = page.forms["group-form"]
    form["name"], form["kind"] = name, kind
    manage = form.submit().follow()
    slug = manage.request.path.split("/")[2]
    post_form(mod, f"/groups/{slug}/manage", action="space", name=f"{name} space")
    with forum.session() as session:
        group = session.scalar(select(Group).where(Group.slug == slug))
        moderator = session.scalar(select(User).where(User.username == "mod"))
        person = session.scalar(select(User).where(User.username == owner))
        from forum_groups.services import GroupService

        service = GroupService(session)
        service.add_member(group, person, "owner")
        service.remove(group, moderator)
        space = session.scalar(select(Category).where(Category.name == f"{name} space"))
        return slug, space.slug


def test_the_four_kinds_of_group(board):
    open_slug, _ = new_group(board, "Open house", "open")
    request_slug, _ = new_group(board, "Beta testers", "request")
    invite_slug, _ = new_group(board, "Partners", "invite")
    hidden_slug, _ = new_group(board, "Board room", "hidden")
    mira = browser_for(board, "mira")
    listing = mira.app.get("/groups/")
    listed = {li["id"] for li in listing.html.select(".group-list li")}
    assert listed == {f"group-{s}" for s in (open_slug, request_slug, invite_slug)}
    mira.app.get(f"/groups/{hidden_slug}", status=404)  # hidden: not even its name

    assert "You joined" in post_form(mira, f"/groups/{open_slug}", action="join").text
    asked = post_form(mira, f"/groups/{request_slug}", action="join", message="I test a lot")
    assert "sent to the group's owners" in asked.html.select_one(".notice").text
    refused = post_form(mira, f"/groups/{invite_slug}", action="join")
    assert refused.status_int == 400 and "invitation only" in refused.text

    owner = browser_for(board, "owner")
    manage = owner.app.get(f"/groups/{request_slug}/manage")
    assert "I test a lot" in manage.html.select_one("#request-mira").text
    manage.html.select_one("#request-mira")
    approve = [f for f in manage.forms.values() if f.fields.get("action")
               and f["action"].value == "approve"][0]
    approve.submit()
    assert "Leave the group" in mira.app.get(f"/groups/{request_slug}").text

    # invitations: by username (accepted on the group page) and by link (expiring)
    post_form(owner, f"/groups/{hidden_slug}/manage", action="invite", username="mira")
    invited = mira.app.get(f"/groups/{hidden_slug}")
    assert "You are invited" in invited.text
    invited.forms["membership-form"].submit()
    assert "Leave the group" in mira.app.get(f"/groups/{hidden_slug}").text
    made = post_form(owner, f"/groups/{invite_slug}/manage", action="link")
    link = made.html.select_one("#invite-link")["value"]
    nils = browser_for(board, "nils")
    nils.app.get(link).forms["accept-form"].submit().follow()
    assert "Leave the group" in nils.app.get(f"/groups/{invite_slug}").text
    with board.session() as session:
        for invitation in session.scalars(select(Invitation)):
            invitation.expires_at = invitation.expires_at.replace(year=2000)
    expired = browser_for(board, "outsider").app.get(link)
    assert "not valid" in expired.text and expired.html.select_one("#accept-form") is None

    # the last owner cannot leave or be demoted; members can leave
    refused = post_form(owner, f"/groups/{open_slug}", action="leave")
    assert refused.status_int == 400 and "only owner" in refused.text
    assert "You left" in post_form(mira, f"/groups/{open_slug}", action="leave").text


def test_only_owners_and_staff_manage(board):
    slug, _ = new_group(board, "Team", "open")
    post_form(browser_for(board, "mira"), f"/groups/{slug}", action="join")
    for who, expected in ((None, 403), ("mira", 403), ("owner", 200), ("mod", 200),
                          ("boss", 200)):
        browser = browser_for(board, who)
        assert browser.app.get(f"/groups/{slug}/manage", status="*").status_int == expected
    assert browser_for(board, "mira").app.get("/groups/new", status="*").status_int in (403, 404)


@pytest.fixture
def planted(board):
    slug, space = new_group(board, "Inner circle", "invite")
    owner = browser_for(board, "owner")
    post_form(owner, f"/groups/{slug}/manage", action="invite", username="mira")
    browser_for(board, "mira").app.get(f"/groups/{slug}").forms["membership-form"].submit()
    topic = make_topic(board, "owner", space, "SECRET-GROUP-TITLE",
                       "SECRET-GROUP-BODY for @mira and @outsider")
    reply = reply_as(board, "mira", topic, "SECRET-GROUP-REPLY")
    make_topic(board, "owner", "general", "Public news", "Everyone may read this")
    with board.session() as session:
        posts = list(session.scalars(select(Post.id).where(Post.topic_id == topic)))
        slug_of_topic = session.get(Topic, topic).slug
    return {"group": slug, "space": space, "topic": topic, "slug": slug_of_topic,
            "posts": posts, "reply": reply}


def surface_urls(planted):
    topic, space = planted["topic"], planted["space"]
    urls = [f"/t/{topic}", f"/t/{topic}/{planted['slug']}", f"/c/{space}",
            f"/c/{space}/new", f"/t/{topic}/{planted['slug']}/reply",
            f"/t/{topic}/{planted['slug']}/reply?quote={planted['reply']}",
            "/", "/u/owner", "/u/mira", "/notifications",
            f"/api/v1/topics/{topic}", f"/api/v1/topics/{topic}/posts",
            f"/api/v1/categories/{space}/topics", "/api/v1/categories", "/api/v1/users/owner",
            "/api/v1/notifications"]
    for post in planted["posts"]:
        urls += [f"/p/{post}/edit", f"/p/{post}/history", f"/p/{post}/flag",
                 f"/api/v1/posts/{post}"]
    for query in ("secret", "secret*", '"secret group"', "group -public"):
        urls += [f"/search?{urlencode({'q': query})}",
                 f"/api/v1/search?{urlencode({'q': query})}"]
    return urls


@pytest.mark.parametrize("who", [None, "outsider", "nils"])
def test_nothing_leaks_to_non_members(board, planted, who):
    browser = browser_for(board, who)
    pages = crawl(browser, limit=120)
    for url in surface_urls(planted):
        response = browser.app.get(url, status="*", expect_errors=True)
        assert response.status_int in (200, 401, 403, 404), url
        pages[url] = response.text
    for url, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaks on {url} to {who}"
    space_page = browser.app.get(f"/c/{planted['space']}", status=404)
    assert "not available" in space_page.text


@pytest.mark.parametrize("who", ["mira", "owner", "boss"])
def test_members_and_admins_see_the_space_everywhere(board, planted, who):
    browser = browser_for(board, who)
    assert "Inner circle space" in browser.app.get("/").text
    assert "SECRET-GROUP-TITLE" in browser.app.get(f"/c/{planted['space']}").text
    assert "SECRET-GROUP-REPLY" in browser.app.get(f"/t/{planted['topic']}").text
    found = browser.app.get("/search", params={"q": "secret"})
    assert "SECRET-GROUP-TITLE" in found.text
    api = browser.app.get("/api/v1/search", params={"q": "secret"}).json
    assert api["total"] == 2


def test_removal_takes_effect_on_the_next_request(board, planted):
    mira = browser_for(board, "mira")
    assert "SECRET-GROUP-TITLE" in mira.app.get("/search", params={"q": "secret"}).text
    assert "SECRET-GROUP-TITLE" in mira.app.get("/notifications").text  # the mention
    post_form(browser_for(board, "owner"), f"/groups/{planted['group']}/manage",
              action="remove", username="mira")
    assert "SECRET-GROUP-TITLE" not in mira.app.get("/search", params={"q": "secret"}).text
    mira.app.get(f"/t/{planted['topic']}", status=404)
    assert mira.app.get("/api/v1/search", params={"q": "secret"}).json["total"] == 0
    assert "SECRET-GROUP-TITLE" not in mira.app.get("/notifications").text


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_group_pages_are_translated(board, language):
    from babel.messages.pofile import read_po
    from forum_groups import __file__ as package_file

    slug, _ = new_group(board, "Vrienden", "request")
    locale = Path(package_file).parent / "locale"
    with open(locale / language / "LC_MESSAGES" / "forum.po", "rb") as handle:
        english = {m.id for m in read_po(handle) if m.id and not m.pluralizable
                   and "%(" not in m.id and "${" not in m.id and m.string != m.id}
    owner = browser_for(board, "owner")
    with board.session() as session:
        session.scalar(select(User).where(User.username == "owner")).locale = language
    for url in ("/groups/", f"/groups/{slug}", f"/groups/{slug}/manage"):
        page = owner.app.get(url)
        texts = {" ".join(t.split()) for t in page.html.find_all(string=True)}
        assert not texts & english, (url, texts & english)
    assert texts & {"Groep beheren", "Управление группой"}


def test_demo_data_makes_a_partners_group(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    result = subprocess.run([str(Path(sys.executable).with_name("forum")),
                             "init", "--demo", "--no-input", "--config", "forum.ini",
                             "--plugins", "groups"], cwd=tmp_path, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    db = sqlite3.connect(tmp_path / "var" / "forum.sqlite")
    groups = dict(db.execute("SELECT slug, kind FROM groups_groups").fetchall())
    spaces = db.execute("SELECT count(*) FROM groups_spaces").fetchone()[0]
    db.close()
    assert groups == {"product-partners": "invite", "beta-testers": "request"}
    assert spaces == 1


def test_the_json_api_lists_joins_and_hides_like_the_pages(board):
    open_slug, _ = new_group(board, "Open house", "open")
    hidden_slug, _ = new_group(board, "Board room", "hidden")
    mira = browser_for(board, "mira")
    form = mira.app.get("/account").forms["create-token-form"]
    form["token_name"] = "script"
    token = form.submit().html.select_one("#new-token")["value"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = board.app.get("/api/v1/groups", headers=headers).json["items"]
    assert [g["slug"] for g in listed] == [open_slug]
    board.app.get(f"/api/v1/groups/{hidden_slug}", headers=headers, status=404)
    assert board.app.post(f"/api/v1/groups/{open_slug}/membership",
                          headers=headers).json == {"state": "joined"}
    assert board.app.get(f"/api/v1/groups/{open_slug}", headers=headers).json["is_member"]
    board.app.delete(f"/api/v1/groups/{open_slug}/membership", headers=headers, status=204)
    refused = board.another_browser().app.post(f"/api/v1/groups/{open_slug}/membership",
                                               status="*")
    assert refused.status_int in (400, 401)  # no token: CSRF or sign-in refuses it
    assert refused.content_type == "application/problem+json"
    doc = board.app.get("/api/v1/openapi.json").json
    assert {"/api/v1/groups", "/api/v1/groups/{slug}",
            "/api/v1/groups/{slug}/membership"} <= set(doc["paths"])
