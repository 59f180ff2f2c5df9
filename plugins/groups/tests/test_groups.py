"""The groups plugin against a real forum: kinds of groups, joining, invitations, and that a
group's space leaks nowhere (fixtures, factories and the crawler from forum_core.testing)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from forum_groups.models import Group, Invitation
from sqlalchemy import select

from forum_core.api import Category, Post, Topic, User

SECRETS = ("SECRET-GROUP-TITLE", "SECRET-GROUP-BODY", "SECRET-GROUP-REPLY")


@pytest.fixture
def board(make_forum):
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "mira", "nils", "outsider"):
        forum.create_user(name)
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_category("General")
    return forum


def new_group(forum, name, kind, owner="owner"):
    """A group made through the pages by the moderator, handed to ``owner``."""
    mod = forum.browser("mod")
    page = mod.app.get("/groups/new")
    form = page.forms["group-form"]
    form["name"], form["kind"] = name, kind
    manage = form.submit().follow()
    slug = manage.request.path.split("/")[2]
    mod.post_form(f"/groups/{slug}/manage", action="space", name=f"{name} space")
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
    mira = board.browser("mira")
    listing = mira.app.get("/groups/")
    listed = {li["id"] for li in listing.html.select(".group-list li")}
    assert listed == {f"group-{s}" for s in (open_slug, request_slug, invite_slug)}
    mira.app.get(f"/groups/{hidden_slug}", status=404)  # hidden: not even its name

    assert "You joined" in mira.post_form(f"/groups/{open_slug}", action="join").text
    asked = mira.post_form(f"/groups/{request_slug}", action="join", message="I test a lot")
    assert "sent to the group's owners" in asked.html.select_one(".notice").text
    refused = mira.post_form(f"/groups/{invite_slug}", action="join")
    assert refused.status_int == 400 and "invitation only" in refused.text

    owner = board.browser("owner")
    manage = owner.app.get(f"/groups/{request_slug}/manage")
    assert "I test a lot" in manage.html.select_one("#request-mira").text
    manage.html.select_one("#request-mira")
    approve = [f for f in manage.forms.values() if f.fields.get("action")
               and f["action"].value == "approve"][0]
    approve.submit()
    assert "Leave the group" in mira.app.get(f"/groups/{request_slug}").text

    # invitations: by username (accepted on the group page) and by link (expiring)
    owner.post_form(f"/groups/{hidden_slug}/manage", action="invite", username="mira")
    invited = mira.app.get(f"/groups/{hidden_slug}")
    assert "You are invited" in invited.text
    invited.forms["membership-form"].submit()
    assert "Leave the group" in mira.app.get(f"/groups/{hidden_slug}").text
    made = owner.post_form(f"/groups/{invite_slug}/manage", action="link")
    link = made.html.select_one("#invite-link")["value"]
    nils = board.browser("nils")
    nils.app.get(link).forms["accept-form"].submit().follow()
    assert "Leave the group" in nils.app.get(f"/groups/{invite_slug}").text
    with board.session() as session:
        for invitation in session.scalars(select(Invitation)):
            invitation.expires_at = invitation.expires_at.replace(year=2000)
    expired = board.browser("outsider").app.get(link)
    assert "not valid" in expired.text and expired.html.select_one("#accept-form") is None

    # the last owner cannot leave or be demoted; members can leave
    refused = owner.post_form(f"/groups/{open_slug}", action="leave")
    assert refused.status_int == 400 and "only owner" in refused.text
    assert "You left" in mira.post_form(f"/groups/{open_slug}", action="leave").text


def test_only_owners_and_staff_manage(board):
    slug, _ = new_group(board, "Team", "open")
    board.browser("mira").post_form(f"/groups/{slug}", action="join")
    for who, expected in ((None, 403), ("mira", 403), ("owner", 200), ("mod", 200),
                          ("boss", 200)):
        browser = board.browser(who)
        assert browser.app.get(f"/groups/{slug}/manage", status="*").status_int == expected
    assert board.browser("mira").app.get("/groups/new", status="*").status_int in (403, 404)


@pytest.fixture
def planted(board):
    slug, space = new_group(board, "Inner circle", "invite")
    owner = board.browser("owner")
    owner.post_form(f"/groups/{slug}/manage", action="invite", username="mira")
    board.browser("mira").app.get(f"/groups/{slug}").forms["membership-form"].submit()
    topic = board.create_topic("owner", space, "SECRET-GROUP-TITLE",
                       "SECRET-GROUP-BODY for @mira and @outsider")
    reply = board.reply("mira", topic, "SECRET-GROUP-REPLY")
    board.create_topic("owner", "general", "Public news", "Everyone may read this")
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
            "/api/v1/notifications", "/latest.atom", f"/c/{space}/feed.atom",
            f"/t/{topic}/feed.atom", "/sitemap.xml"]
    for post in planted["posts"]:
        urls += [f"/p/{post}/edit", f"/p/{post}/history", f"/p/{post}/flag",
                 f"/api/v1/posts/{post}"]
    for query in ("secret", "secret*", '"secret group"', "group -public"):
        urls += [f"/search?{urlencode({'q': query})}",
                 f"/api/v1/search?{urlencode({'q': query})}",
                 f"/api/v1/similar?{urlencode({'text': query})}"]
    return urls


@pytest.mark.parametrize("who", [None, "outsider", "nils"])
def test_nothing_leaks_to_non_members(board, planted, who):
    browser = board.browser(who)
    pages = browser.crawl(limit=120)
    for url in surface_urls(planted):
        response = browser.app.get(url, status="*", expect_errors=True)
        assert response.status_int in (200, 401, 403, 404), url
        pages[url] = response.text
    for url, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaks on {url} to {who}"
    assert "secret" not in pages["/sitemap.xml"].lower()  # not even the topic's slug
    space_page = browser.app.get(f"/c/{planted['space']}", status=404)
    assert "not available" in space_page.text


@pytest.mark.parametrize("who", ["mira", "owner", "boss"])
def test_members_and_admins_see_the_space_everywhere(board, planted, who):
    browser = board.browser(who)
    assert "Inner circle space" in browser.app.get("/").text
    assert "SECRET-GROUP-TITLE" in browser.app.get("/latest.atom").text
    assert "SECRET-GROUP-REPLY" in browser.app.get(f"/t/{planted['topic']}/feed.atom").text
    assert "secret" not in browser.app.get("/sitemap.xml").text.lower()  # public, for all
    assert "SECRET-GROUP-TITLE" in browser.app.get(f"/c/{planted['space']}").text
    assert "SECRET-GROUP-REPLY" in browser.app.get(f"/t/{planted['topic']}").maybe_follow().text
    found = browser.app.get("/search", params={"q": "secret"})
    assert "SECRET-GROUP-TITLE" in found.text
    api = browser.app.get("/api/v1/search", params={"q": "secret"}).json
    assert api["total"] == 2


def test_removal_takes_effect_on_the_next_request(board, planted):
    mira = board.browser("mira")
    assert "SECRET-GROUP-TITLE" in mira.app.get("/search", params={"q": "secret"}).text
    assert "SECRET-GROUP-TITLE" in mira.app.get("/notifications").text  # the mention
    board.browser("owner").post_form(f"/groups/{planted['group']}/manage",
              action="remove", username="mira")
    assert "SECRET-GROUP-TITLE" not in mira.app.get("/search", params={"q": "secret"}).text
    mira.app.get(f"/t/{planted['topic']}", status=404)
    assert mira.app.get("/api/v1/search", params={"q": "secret"}).json["total"] == 0
    assert "SECRET-GROUP-TITLE" not in mira.app.get("/notifications").text


def test_a_groups_topic_is_for_its_members_from_the_moment_they_join(board, planted):
    owner, nils = board.browser("owner"), board.browser("nils")
    url = board.topic_path(planted["topic"])
    assert "SECRET-GROUP" not in nils.app.get(url, status=404).text
    owner.post_form(f"/groups/{planted['group']}/manage", action="invite", username="nils")
    nils.app.get(f"/groups/{planted['group']}").forms["membership-form"].submit()
    for _ in range(2):
        assert "SECRET-GROUP-BODY" in nils.app.get(url).text
    outsider = board.browser("outsider")
    for _ in range(2):
        assert "SECRET-GROUP" not in outsider.app.get(url, status=404).text
    owner.post_form(f"/groups/{planted['group']}/manage", action="remove", username="nils")
    assert "SECRET-GROUP" not in nils.app.get(url, status=404).text


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_group_pages_are_translated(board, language):
    from babel.messages.pofile import read_po
    from forum_groups import __file__ as package_file

    slug, _ = new_group(board, "Vrienden", "request")
    locale = Path(package_file).parent / "locale"
    with open(locale / language / "LC_MESSAGES" / "forum.po", "rb") as handle:
        english = {m.id for m in read_po(handle) if m.id and not m.pluralizable
                   and "%(" not in m.id and "${" not in m.id and m.string != m.id}
    owner = board.browser("owner")
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
    mira = board.browser("mira")
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


def outbox(forum):
    """The e-mails sent so far (mail is a background job: the queued ones run first)."""
    forum.run_jobs()
    return forum.outbox()


def mail_text(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def test_announcements_reach_the_chosen_groups_and_nobody_else(board):
    partners, partners_space = new_group(board, "Partners", "invite")
    testers, testers_space = new_group(board, "Testers", "open")
    other, _ = new_group(board, "Other", "open")
    owner = board.browser("owner")
    for who, slug in (("mira", partners), ("nils", testers), ("mira", testers)):
        if slug == partners:
            owner.post_form(f"/groups/{slug}/manage", action="invite", username=who)
        board.browser(who).post_form(f"/groups/{slug}", action="join")
    board.browser("outsider").post_form(f"/groups/{other}", action="join")
    # mira wants the e-mails of both groups (and gets one message), in Dutch; nils does not
    mira = board.browser("mira")
    for slug in (partners, testers):
        page = mira.post_form(f"/groups/{slug}", action="email_on")
        assert "by e-mail" in page.html.select_one(".notice").text
    with board.session() as session:
        session.scalar(select(User).where(User.username == "mira")).locale = "nl"
    before = len(outbox(board))

    # a plain member may not announce; an owner only to the groups they own
    assert board.browser("nils").app.get("/groups/announce", status="*").status_int == 403
    form = owner.app.get("/groups/announce").forms["announce-form"]
    assert {box._value for box in form.fields["group"]} == {partners, testers, other}
    missing = owner.post_form("/groups/announce", title="Price list 2027", body="See below.")
    assert missing.status_int == 400 and "at least one group" in missing.text
    sent = owner.app.post("/groups/announce", [
        ("csrf_token", owner.csrf_token()), ("group", partners), ("group", testers),
        ("title", "Price list 2027"), ("body", "The new prices apply from January.")])
    assert "posted to 2 groups" in sent.text and "1 member will get it" in sent.text
    assert len(board.outbox()) == before, "the e-mail is a job, sent after the answer"
    # (and each new topic's watchers are told by a job of its own)
    assert sorted(job.name for job in board.jobs()) == [
        "core.notify_watchers", "core.notify_watchers", "core.send_mail"]

    # a pinned topic in each group's space, seen by its members only
    for space in (partners_space, testers_space):
        listing = board.browser("boss").app.get(f"/c/{space}")
        assert "Price list 2027" in listing.html.select_one(".topic-row.is-pinned").text
    for who, expected in (("mira", 2), ("nils", 1), ("outsider", 0)):
        browser = board.browser(who)
        notices = browser.app.get("/notifications").html.select(".notifications li")
        texts = [li.text for li in notices if "Price list 2027" in li.text]
        assert len(texts) == expected, who
        found = browser.app.get("/search", params={"q": "prices january"})
        assert len(titles_in(found)) == expected
    assert "posted an announcement" in board.browser("nils").app.get("/notifications").text

    mails = outbox(board)[before:]
    assert [m["To"] for m in mails] == ["mira@example.com"]
    assert "Price list 2027" in mails[0]["Subject"]
    body = mail_text(mails[0])
    assert "aankondiging" in body and "/t/" in body  # in mira's language, with the link

    # a group without a space cannot get announcements: nothing is posted anywhere
    empty = board.browser("boss")
    form = empty.app.get("/groups/new").forms["group-form"]
    form["name"], form["kind"] = "No space yet", "open"
    form.submit()
    refused = empty.app.post("/groups/announce", [
        ("csrf_token", empty.csrf_token()), ("group", partners), ("group", "no-space-yet"),
        ("title", "Second"), ("body", "Text")], status=400)
    assert "No space yet has no space" in refused.text
    with board.session() as session:
        assert session.scalar(select(Topic).where(Topic.title == "Second")) is None


def titles_in(page):
    return [a.text for a in page.html.select(".search-results .listing-title")]


def test_invitations_by_email_reach_people_without_an_account(board):
    slug, space = new_group(board, "Partners", "invite")
    owner = board.browser("owner")
    sent = owner.post_form(f"/groups/{slug}/manage", action="invite",
                     username="New.Partner@Example.org")
    assert "sent to new.partner@example.org" in sent.html.select_one(".notice").text
    member = owner.post_form(f"/groups/{slug}/manage", action="invite", username="nils")
    assert "told by e-mail" in member.text
    bad = owner.post_form(f"/groups/{slug}/manage", action="invite", username="not an address")
    assert bad.status_int == 400 and "There is no member not an address" in bad.text
    mails = {m["To"]: mail_text(m) for m in outbox(board)}
    assert f"/groups/{slug}" in mails["nils@example.com"]
    link = next(word for word in mails["new.partner@example.org"].split()
                if "/groups/invite/" in word)
    listed = owner.app.get(f"/groups/{slug}/manage").html.select_one(".invitations").text
    assert "new.partner@example.org" in listed and "nils" in listed.lower()

    # the newcomer registers, opens the link again and is in
    newcomer = board.another_browser()
    page = newcomer.app.get(link)
    assert "Create an account" in page.text and page.html.select_one("#accept-form") is None
    form = newcomer.app.get("/register").forms["register-form"]
    form["username"], form["email"] = "newbie", "new.partner@example.org"
    form["password"] = form["password_again"] = "correct horse battery"
    form.submit().follow()
    newcomer.app.get(link).forms["accept-form"].submit().follow()
    assert "Partners space" in newcomer.app.get("/").text

    # an owner can withdraw an invitation: the link stops working
    again = owner.post_form(f"/groups/{slug}/manage", action="invite",
                      username="late@example.org")
    assert again.status_int == 200
    manage = owner.app.get(f"/groups/{slug}/manage")
    revoke = [f for f in manage.forms.values() if f.fields.get("action")
              and f["action"].value == "revoke"]
    late_link = next(word for word in mail_text(outbox(board)[-1]).split()
                     if "/groups/invite/" in word)
    for form in revoke:
        form.submit()
    assert "not valid" in board.another_browser().app.get(late_link).text


def test_not_available_pages_say_whom_to_ask_without_naming_the_group(board, planted):
    outsider = board.browser("outsider")
    denied = outsider.app.get(f"/t/{planted['topic']}", status=404)
    missing = outsider.app.get("/t/999999", status=404)
    for page in (denied, missing):
        help_text = page.html.select_one(".groups-help").text
        assert "ask the group's owner" in help_text
        assert "Inner circle" not in page.text
    assert denied.html.select_one(".error-page").text == missing.html.select_one(
        ".error-page").text
    anonymous = board.another_browser().app.get(f"/t/{planted['topic']}", status=404)
    assert "Sign in" in anonymous.text
    assert "ask the group's owner" in anonymous.html.select_one(".groups-help").text


def api_client(forum, username):
    browser = forum.browser(username)
    form = browser.app.get("/account").forms["create-token-form"]
    form["token_name"] = "script"
    token = form.submit().html.select_one("#new-token")["value"]
    app = forum.another_browser().app
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, status=None, **body):
        kwargs = {"headers": headers, "status": status or "*"}
        if method == "get" or method == "delete":
            return getattr(app, method)(url, **kwargs)
        return getattr(app, method + "_json")(url, body, **kwargs)
    return call


def test_groups_are_managed_through_the_json_api(board):
    mod, owner, mira = api_client(board, "mod"), api_client(board, "owner"), None
    created = mod("post", "/api/v1/groups", name="API team", kind="request")
    assert created.status_int == 201 and created.json["slug"] == "api-team"
    assert mod("post", "/api/v1/groups", name="x", kind="request").status_int == 422
    assert mod("post", "/api/v1/groups", name="Bad", kind="secret").status_int == 422
    slug = "api-team"
    space = mod("post", f"/api/v1/groups/{slug}/spaces", name="API lounge")
    assert space.status_int == 201 and space.json["name"] == "API lounge"

    mira = api_client(board, "mira")
    assert mira("post", f"/api/v1/groups/{slug}/membership").json == {"state": "requested"}
    assert mira("get", f"/api/v1/groups/{slug}/members").status_int == 403
    assert mira("get", f"/api/v1/groups/{slug}/requests").status_int == 403
    waiting = mod("get", f"/api/v1/groups/{slug}/requests").json["items"]
    assert [r["username"] for r in waiting] == ["mira"]
    assert mod("post", f"/api/v1/groups/{slug}/requests/{waiting[0]['id']}",
               decision="approve").status_int == 204
    assert mod("post", f"/api/v1/groups/{slug}/requests/999", decision="approve"
               ).status_int == 404
    members = mira("get", f"/api/v1/groups/{slug}/members").json["items"]
    assert {m["username"]: m["role"] for m in members} == {"mod": "owner", "mira": "member"}

    made = mod("patch", f"/api/v1/groups/{slug}/members/mira", role="owner")
    assert made.json["role"] == "owner"
    assert mod("patch", f"/api/v1/groups/{slug}/members/nobody", role="owner"
               ).status_int == 404
    invited = mira("post", f"/api/v1/groups/{slug}/invitations", to="nils")
    assert invited.status_int == 201 and "nils" in invited.json["detail"].lower()
    link = mira("post", f"/api/v1/groups/{slug}/invitation-links", days=3)
    assert "/groups/invite/" in link.json["url"]
    assert mira("post", f"/api/v1/groups/{slug}/invitation-links", days=91).status_int == 422

    assert mira("patch", f"/api/v1/groups/{slug}/membership",
                email_announcements=True).json["email_announcements"] is True
    before = len(outbox(board))
    announced = mod("post", "/api/v1/announcements", groups=[slug], title="Release day",
                    body="Version 2 is out.")
    assert announced.status_int == 201 and announced.json["emailed"] == 1
    assert [m["To"] for m in outbox(board)[before:]] == ["mira@example.com"]
    refused = owner("post", "/api/v1/announcements", groups=[slug], title="Not mine",
                    body="y")
    assert refused.status_int == 403 and f'"{slug}"' in refused.json["detail"]
    assert mod("post", "/api/v1/announcements", groups=[], title="x", body="y"
               ).status_int == 422

    assert mod("delete", f"/api/v1/groups/{slug}/members/mira").status_int == 204
    mira_sees = mira("get", "/api/v1/search?q=release").json["total"]
    assert mira_sees == 0
    doc = board.app.get("/api/v1/openapi.json").json
    assert {"/api/v1/announcements", "/api/v1/groups/{slug}/members/{username}",
            "/api/v1/groups/{slug}/invitations", "/api/v1/groups/{slug}/requests/{request_id}"
            } <= set(doc["paths"])
