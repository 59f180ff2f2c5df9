"""Follow levels through the real app: watching, watching first post, tracking, normal and
muted per category, topic and member; the job that tells the watchers; each notification's
reason; muted places out of the lists; automatic tracking; the forms and the account page;
nothing about a place the member may not see."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum_core.accounts.models import User
from forum_core.content.follows import Follow
from forum_core.content.models import Category
from forum_core.notifications.models import Notification
from forum_core.notifications.watching import NOTIFY_WATCHERS
from tests.functional.test_discussions import make_category, make_topic, topic_path
from tests.functional.test_moderation import reply_as

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    forum = make_forum(postgres=request.param)
    for name in ("mira", "nils", "olga", "pia"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Support")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    return forum


def category_id(forum, slug):
    with forum.session() as session:
        return session.scalar(select(Category.id).where(Category.slug == slug))


def user_id(session, username):
    return session.scalar(select(User.id).where(User.username == username))


def follow(browser, place, place_id, level, status=303):
    """Choose a level through the page's form action, as the browser's member."""
    answer = browser.post_form("/follow", place=place, place_id=str(place_id), level=level,
                               next="/")
    assert answer.status_int == status, answer.text
    return answer


def inbox(browser):
    """(message, reason) of each notification on the member's page, newest first."""
    page = browser.app.get("/notifications")
    return [(li.find("a").text.strip(),
             (li.find(class_="notification-reason").text.strip()
              if li.find(class_="notification-reason") else None))
            for li in page.html.select("ul.notifications li")]


def titles(page):
    return [a.text for a in page.html.select(".topic-list .listing-title")]


def test_watching_a_category_tells_of_every_post_and_says_why(board):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "watching")
    topic = make_topic(board, "nils", "general", "Tide tables", "Where?")
    reply_as(board, "olga", topic, "At the harbour office")
    make_topic(board, "nils", "support", "Elsewhere", "Not watched")
    assert inbox(mira) == [], "the post was acknowledged; a job tells the watchers"
    board.run_jobs()
    assert inbox(mira) == [("olga posted in Tide tables", "You watch General"),
                           ("nils started Tide tables", "You watch General")]
    # the header's menu says why too
    menu = mira.app.get("/").html.select(".menu-notifications li")
    assert "You watch General" in menu[0].text


def test_watching_first_post_tells_of_new_topics_only(board):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "watching_first_post")
    topic = make_topic(board, "nils", "general", "Ferry strike", "Again")
    reply_as(board, "olga", topic, "Oh no")
    board.run_jobs()
    assert inbox(mira) == [("nils started Ferry strike", "You watch General")]


@pytest.mark.parametrize("level", ["tracking", "normal", "muted"])
def test_the_quiet_levels_tell_nothing(board, level):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), level)
    topic = make_topic(board, "nils", "general", "Quiet", "Shh")
    reply_as(board, "olga", topic, "Yes")
    board.run_jobs()
    assert inbox(mira) == []


def test_a_topics_own_level_wins_over_its_categorys(board):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "watching")
    quiet = make_topic(board, "nils", "general", "Set to normal", "a")
    loud = make_topic(board, "nils", "support", "Watched alone", "b")
    follow(mira, "topic", quiet, "normal")
    follow(mira, "topic", loud, "watching")
    board.run_jobs()
    before = len(inbox(mira))
    reply_as(board, "olga", quiet, "Nobody is told")
    reply_as(board, "olga", loud, "Mira is told")
    board.run_jobs()
    found = inbox(mira)
    assert len(found) == before + 1
    assert found[0] == ("olga posted in Watched alone", "You watch Watched alone")


def test_muting_a_place_hides_it_from_the_lists_and_a_topic_can_be_let_back(board):
    first = make_topic(board, "nils", "general", "Muted with its category", "a")
    kept = make_topic(board, "nils", "general", "Set apart", "b")
    make_topic(board, "nils", "support", "Still listed", "c")
    alone = make_topic(board, "nils", "support", "Muted alone", "d")
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "muted")
    follow(mira, "topic", kept, "tracking")
    follow(mira, "topic", alone, "muted")
    assert titles(mira.app.get("/latest")) == ["Still listed", "Set apart"]
    # muted is the member's own: the others' lists and the category page are unchanged
    assert len(titles(board.browser("olga").app.get("/latest"))) == 4
    assert "Muted with its category" in titles(mira.app.get("/c/general"))
    # never told, and a topic the member replied to (tracked automatically) stays muted
    mira.app.get(topic_path(board, first))
    reply_as(board, "mira", first, "I was here")
    reply_as(board, "olga", first, "Replying to mira")
    board.run_jobs()
    assert "Muted with its category" not in titles(mira.app.get("/unread"))


def test_watching_a_member_tells_of_their_posts_unless_the_place_is_muted(board):
    mira = board.browser("mira")
    with board.session() as session:
        nils = user_id(session, "nils")
    follow(mira, "member", nils, "watching")
    follow(mira, "category", category_id(board, "support"), "muted")
    topic = make_topic(board, "nils", "general", "Nils writes", "a")
    make_topic(board, "nils", "support", "In a muted place", "b")
    reply_as(board, "nils", topic, "More from nils")
    board.run_jobs()
    assert inbox(mira) == [("nils posted in Nils writes", "You watch nils"),
                           ("nils started Nils writes", "You watch nils")]


def test_the_topics_a_member_posts_in_are_tracked_unless_they_say_no(board):
    topic = make_topic(board, "nils", "general", "Tracked by posting", "a")
    reply_as(board, "mira", topic, "I reply")
    with board.session() as session:
        rows = {(row.user_id, row.place, row.level, row.source)
                for row in session.scalars(select(Follow))}
    assert {(place, level, source) for _user, place, level, source in rows} == {
        ("topic", "tracking", "auto")}
    assert len(rows) == 2  # nils started it, mira replied
    mira = board.browser("mira")
    account = mira.app.get("/account")
    # tracked by posting: in Unread, not in the list of what she chose to follow
    assert account.html.select("#following ul.followed li") == []
    form = account.forms["following-form"]
    assert form["auto_track"].checked
    form["auto_track"] = False
    assert "were saved" in form.submit().text
    other = make_topic(board, "nils", "general", "Not tracked", "b")
    reply_as(board, "mira", other, "No tracking please")
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)
                              .where(Follow.place_id == other, Follow.place == "topic")) == 1
    # a member's own choice is never replaced by automatic tracking
    follow(mira, "topic", topic, "muted")
    reply_as(board, "mira", topic, "Still muted for me")
    with board.session() as session:
        assert session.scalar(select(Follow.level).where(
            Follow.place == "topic", Follow.place_id == topic,
            Follow.level != "tracking")) == "muted"


def test_the_watchers_job_tells_nobody_twice(board):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "watching")
    follow(board.browser("pia"), "category", category_id(board, "general"), "watching")
    topic = make_topic(board, "mira", "general", "Asked by mira", "a")
    reply_as(board, "nils", topic, "A reply that mentions @pia")
    jobs = [job for job in board.jobs() if job.name == NOTIFY_WATCHERS]
    assert len(jobs) == 2
    board.run_jobs()
    with board.session() as session:
        from forum_core.notifications.watching import tell_watchers
        post_id = session.scalar(select(Notification.content_key)
                                 .where(Notification.kind == "mention"))
        assert tell_watchers(session, post_id) == 0  # a second run finds them told
        rows = list(session.execute(select(Notification.user_id, Notification.kind)
                                    .where(Notification.content_key == post_id)))
    # mira was told of the reply to her topic, pia of her mention: one notification each
    assert sorted(kind for _user, kind in rows) == ["mention", "reply"]


def test_replies_without_watchers_enqueue_no_job(board):
    topic = make_topic(board, "nils", "general", "Nobody watches", "a")
    board.run_jobs()  # (a new topic's job: its tags come after it, so it always has one)
    reply_as(board, "olga", topic, "Quiet here")
    assert [job for job in board.jobs() if job.name == NOTIFY_WATCHERS
            and job.state != "done"] == []


def test_a_member_who_turned_the_kind_off_is_not_told(board):
    mira = board.browser("mira")
    follow(mira, "category", category_id(board, "general"), "watching")
    form = mira.app.get("/account").forms["notifications-form"]
    for field in form.fields["notify"]:
        if field._value == "watched_topic":
            field.checked = False
    form.submit()
    topic = make_topic(board, "nils", "general", "Not for mira", "a")
    reply_as(board, "olga", topic, "But replies are")
    board.run_jobs()
    assert inbox(mira) == [("olga posted in Not for mira", "You watch General")]


def test_a_place_the_member_may_not_see_cannot_be_followed_nor_tell_them(board):
    staff = category_id(board, "staff")
    mira = board.browser("mira")
    page = follow(mira, "category", staff, "watching", status=404)
    assert "not available" in page.text and "Staff" not in page.text
    missing = follow(mira, "category", 99999, "watching", status=404)
    assert missing.html.find("main").text == page.html.find("main").text
    hidden_topic = make_topic(board, "mod", "staff", "Staff only", "secret")
    assert follow(mira, "topic", hidden_topic, "watching", status=404)
    # a level stored while the member could see it tells them nothing after they cannot
    with board.session() as session:
        session.add(Follow(user_id=user_id(session, "mira"), place="category",
                           place_id=staff, level="watching"))
    reply_as(board, "mod", hidden_topic, "more secrets")
    board.run_jobs()
    assert inbox(mira) == []
    assert "Staff" not in mira.app.get("/account").text


def test_bad_levels_and_visitors_are_refused_with_a_message(board):
    mira = board.browser("mira")
    general = category_id(board, "general")
    page = follow(mira, "category", general, "shouting", status=400)
    assert "is not a follow level" in page.text
    topic = make_topic(board, "nils", "general", "A topic", "a")
    page = follow(mira, "topic", topic, "watching_first_post", status=400)
    assert "is not a follow level of a topic" in page.text
    assert follow(mira, "planet", 1, "watching", status=404)
    visitor = board.browser()
    answer = visitor.post_form("/follow", place="category", place_id=str(general),
                               level="watching")
    assert answer.status_int in (302, 303, 403)
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 1  # nils's topic


def test_the_menus_show_the_level_and_the_account_lists_what_is_followed(board):
    general = category_id(board, "general")
    topic = make_topic(board, "nils", "general", "Menu topic", "a")
    visitor = board.browser()
    assert visitor.app.get("/c/general").html.find(class_="follow-form") is None
    mira = board.browser("mira")
    category_page = mira.app.get("/c/general")
    form = category_page.forms[f"follow-category-{general}-form"]
    assert form["level"].value == "normal"
    form["level"] = "watching"
    form.submit().follow()
    page = mira.app.get("/c/general")
    assert page.forms[f"follow-category-{general}-form"]["level"].value == "watching"
    assert "notified of every new post" in page.html.find(class_="follow-help").text
    topic_form = mira.app.get(topic_path(board, topic)).forms[f"follow-topic-{topic}-form"]
    options = [value for value, _selected, _text in topic_form["level"].options]
    assert options == ["watching", "tracking", "normal", "muted"]
    account = mira.app.get("/account")
    listed = [li.find(class_="followed-place").text.split() for li in
              account.html.select("#following ul.followed li")]
    assert listed == [["Category", "General"]]
    # choosing normal for a category forgets the row
    again = account.forms[f"follow-category-{general}-form"]
    again["level"] = "normal"
    assert again.submit().location.endswith("/account#following")
    assert mira.app.get("/account").html.select("#following ul.followed li") == []


def test_follow_levels_through_the_api(board):
    from tests.functional.test_drafts import bearer, problem

    token = board.api_token("mira")
    general = category_id(board, "general")
    staff = category_id(board, "staff")
    api = board.app
    answer = api.get(f"/api/v1/me/follows/category/{general}", headers=bearer(token))
    assert answer.json == {"place": "category", "id": general, "name": "General",
                           "level": "normal"}
    answer = api.put_json(f"/api/v1/me/follows/category/{general}", {"level": "watching"},
                          headers=bearer(token))
    assert answer.json["level"] == "watching"
    assert api.get("/api/v1/me/follows", headers=bearer(token)).json == {"items": [
        {"place": "category", "id": general, "name": "General", "level": "watching"}]}
    # the place the caller may not see, a missing one, a bad level, a bad body
    hidden = problem(api.put_json(f"/api/v1/me/follows/category/{staff}",
                                  {"level": "watching"}, headers=bearer(token), status="*"), 404)
    missing = problem(api.put_json("/api/v1/me/follows/category/99999",
                                   {"level": "watching"}, headers=bearer(token), status="*"),
                      404)
    assert hidden["detail"] == missing["detail"] and "Staff" not in str(hidden)
    problem(api.get(f"/api/v1/me/follows/category/{staff}", headers=bearer(token),
                    status="*"), 404)
    topic = make_topic(board, "nils", "general", "Api topic", "a")
    bad = problem(api.put_json(f"/api/v1/me/follows/topic/{topic}",
                               {"level": "watching_first_post"}, headers=bearer(token),
                               status="*"), 422)
    assert "is not a follow level of a topic" in bad["detail"]
    problem(api.put_json(f"/api/v1/me/follows/topic/{topic}", {"level": "loud"},
                         headers=bearer(token), status="*"), 422)
    problem(api.put_json("/api/v1/me/follows/planet/1", {"level": "muted"},
                         headers=bearer(token), status="*"), 404)
    problem(api.get(f"/api/v1/me/follows/category/{general}", status="*"), 401)
    # the notification says why it came
    reply_as(board, "olga", topic, "Hello")
    board.run_jobs()
    items = api.get("/api/v1/notifications", headers=bearer(token)).json["items"]
    assert [(i["message"], i["reason"]) for i in items] == [
        ("olga posted in Api topic", "You watch General"),
        ("nils started Api topic", "You watch General")]
    api.delete(f"/api/v1/me/follows/category/{general}", headers=bearer(token), status=204)
    assert api.get("/api/v1/me/follows", headers=bearer(token)).json == {"items": []}


def test_the_personal_feed_lists_what_the_member_follows_at_a_secret_address(board):
    general, staff = category_id(board, "general"), category_id(board, "staff")
    mod = board.browser("mod")
    follow(mod, "category", general, "watching")
    follow(mod, "category", staff, "watching")
    watched = make_topic(board, "nils", "general", "Watched place", "In general")
    make_topic(board, "nils", "support", "Not followed", "Elsewhere")
    make_topic(board, "mira", "staff", "Staff matter", "For moderators")
    reply_as(board, "olga", watched, "A reply in a watched place")
    page = mod.app.get("/account").forms["feed-new-form"].submit()
    address = page.html.find(id="feed-url")["value"]
    path = address.split("localhost", 1)[1] if "localhost" in address else address
    assert path.startswith("/my/feed/feed_") and path.endswith(".atom")
    reader = board.browser()  # a feed reader: no cookie, only the address
    feed = reader.app.get(path)
    assert feed.content_type == "application/atom+xml"
    assert "private" in feed.headers["Cache-Control"]
    titles_ = [entry.find("{http://www.w3.org/2005/Atom}title").text
               for entry in feed_entries(feed)]
    assert titles_ == ["olga in Watched place", "mira in Staff matter", "nils in Watched place"]
    # the feed shows what its member may see now: a moderator made member again
    with board.session() as session:
        session.get(User, user_id(session, "mod")).role = "member"
    titles_ = [entry.find("{http://www.w3.org/2005/Atom}title").text
               for entry in feed_entries(reader.app.get(path))]
    assert titles_ == ["olga in Watched place", "nils in Watched place"]
    # the secret signs nobody in anywhere else
    secret = path[len("/my/feed/"):-len(".atom")]
    assert reader.app.get("/account", headers={"Authorization": f"Bearer {secret}"},
                          status="*").status_int in (302, 303, 401, 403)
    # a new address ends the old one; turning it off ends both
    mod.app.get("/account").forms["feed-new-form"].submit()
    assert reader.app.get(path, status=404).status_int == 404
    mod.app.get("/account").forms["feed-off-form"].submit()
    assert reader.app.get("/my/feed/feed_forged.atom", status=404)
    assert "feed-off-form" not in mod.app.get("/account").forms


def feed_entries(feed):
    from xml.etree import ElementTree as ET

    return ET.fromstring(feed.body).findall("{http://www.w3.org/2005/Atom}entry")


def test_defaults_for_every_member_are_given_at_registration(board):
    from tests.functional.test_accounts import register

    general = category_id(board, "general")
    admin_id = board.create_user("ada", role="admin")
    assert admin_id
    admin = board.browser("ada")
    page = admin.app.get("/admin/follow-defaults")
    form = page.forms["follow-default-form"]
    form["audience"], form["place"], form["level"] = ("role:member", f"category:{general}",
                                                       "watching")
    saved = form.submit().follow()
    assert [td.text for td in saved.html.select("table.follow-defaults td")][:3] == [
        "Every member", "General", "Watching"]
    newcomer = board.browser()
    register(newcomer, "nora", "nora@example.com")
    topic = make_topic(board, "nils", "general", "Welcome nora", "Hello")
    assert topic
    board.run_jobs()
    assert inbox(newcomer) == [("nils started Welcome nora", "You watch General")]
    # members from before are offered the default; their own choice stays
    mira = board.browser("mira")
    follow(mira, "category", general, "muted")
    assert mira.app.get("/account").forms.get("apply-defaults-form") is None
    olga = board.browser("olga")
    account = olga.app.get("/account")
    suggested = [li.text.split() for li in account.html.select("#suggested-levels li")]
    assert suggested == [["Category", "General", "Watching"]]
    account.forms["apply-defaults-form"].submit()
    with board.session() as session:
        levels_ = dict(session.execute(select(User.username, Follow.level)
                                       .join(Follow, Follow.user_id == User.id)
                                       .where(Follow.place == "category")).all())
    assert levels_ == {"nora": "watching", "mira": "muted", "olga": "watching"}
    # the audit log has it, and it can be removed
    assert "follow_default" in admin.app.get("/mod/log").text
    removal = admin.app.get("/admin/follow-defaults").forms[1]
    assert removal["action"].value == "remove"
    assert "No defaults yet" in removal.submit().follow().text


def test_bad_defaults_are_refused_and_only_administrators_set_them(board):
    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    general = f"category:{category_id(board, 'general')}"
    answer = admin.post_form("/admin/follow-defaults", audience="group:999", place=general,
                             level="watching")
    assert answer.status_int == 400 and "Choose an audience" in answer.text
    answer = admin.post_form("/admin/follow-defaults", audience="role:member",
                             place="category:99999", level="watching")
    assert answer.status_int == 400 and "Choose an audience" in answer.text
    answer = admin.post_form("/admin/follow-defaults", audience="role:member", place=general,
                             level="loud")
    assert answer.status_int == 400 and "is not a follow level" in answer.text
    member = board.browser("mira")
    assert member.app.get("/admin/follow-defaults", status="*").status_int in (403, 404)


def test_a_groups_members_get_its_defaults_when_they_join(make_forum):
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "pia", "quinn"):
        forum.create_user(name)
    forum.create_user("ada", role="admin")
    group_id, space = forum.create_group("Partners", "owner", ["pia"], space="Partner news",
                                         kind="open")
    with forum.session() as session:
        space_id = session.scalar(select(Category.id).where(Category.slug == space))
    admin = forum.browser("ada")
    form = admin.app.get("/admin/follow-defaults").forms["follow-default-form"]
    options = dict((value, text) for value, _selected, text in form["audience"].options)
    assert options[f"group:{group_id}"] == "Group Partners"
    form["audience"], form["place"] = f"group:{group_id}", f"category:{space_id}"
    form.submit()
    # quinn joins the open group: the default comes with the membership
    joined = forum.browser("quinn").post_form("/groups/partners", action="join")
    assert "You joined the group." in joined.text
    with forum.session() as session:
        got = {(u, lvl) for u, lvl in session.execute(
            select(User.username, Follow.level).join(Follow, Follow.user_id == User.id))}
    assert ("quinn", "watching") in got and ("pia", "watching") not in got
    # pia, a member from before, is offered it; someone outside the group is not
    assert forum.browser("pia").app.get("/account").forms.get("apply-defaults-form")
    assert forum.browser("owner").app.get("/account").forms.get("apply-defaults-form")
    outsider = forum.browser("ada")
    assert outsider.app.get("/account").html.find(id="suggested-levels") is None


def make_stream(admin, name, *category_ids, status=303, description="", tags=()):
    form = admin.app.get("/admin/streams").forms["new-stream-form"]
    form["name"], form["description"] = name, description
    for field in form.fields.get("category", []):
        field.checked = int(field._value) in category_ids
    for field in form.fields.get("tag", []):
        field.checked = int(field._value) in tags
    return form.submit(status=status)


def stream_id(forum, name):
    from forum_core.content.follows import Stream

    with forum.session() as session:
        return session.scalar(select(Stream.id).where(Stream.name == name))


def test_a_stream_is_followed_as_a_whole(board):
    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    general, support = category_id(board, "general"), category_id(board, "support")
    make_stream(admin, "Product news", general, support, description="Releases and fixes")
    mira = board.browser("mira")
    page = mira.app.get("/streams")
    assert [h.text for h in page.html.select(".stream h2")] == ["Product news"]
    assert [a.text for a in page.html.select(".stream .cat-name")] == ["General", "Support"]
    news = stream_id(board, "Product news")
    form = page.forms[f"follow-stream-{news}-form"]
    form["level"] = "watching"
    form.submit()
    make_topic(board, "nils", "general", "Version 2", "Out now")
    make_topic(board, "nils", "support", "Fix for 2", "Patched")
    make_topic(board, "nils", "staff", "Not in it", "x")
    board.run_jobs()
    assert inbox(mira) == [("nils started Fix for 2", "You watch Product news"),
                           ("nils started Version 2", "You watch Product news")]
    # muting the stream leaves its categories' topics out of the lists
    follow(mira, "stream", news, "muted")
    assert titles(mira.app.get("/latest")) == []
    # the personal feed follows streams too
    follow(mira, "stream", news, "tracking")
    account = mira.app.get("/account").forms["feed-new-form"].submit()
    address = account.html.find(id="feed-url")["value"]
    feed = board.browser().app.get(address[address.index("/my/feed/"):])
    assert len(feed_entries(feed)) == 2
    # a stream can be a default too: a new member watches it
    from tests.functional.test_accounts import register

    form = admin.app.get("/admin/follow-defaults").forms["follow-default-form"]
    form["audience"], form["place"] = "role:member", f"stream:{news}"
    form.submit()
    register(board.browser(), "nora", "nora@example.com")
    with board.session() as session:
        assert session.scalar(select(Follow.level).where(
            Follow.user_id == user_id(session, "nora"), Follow.place == "stream")) == "watching"
    # deleting the stream forgets the levels members gave it
    form = admin.app.get(f"/admin/streams/{news}").forms["delete-stream-form"]
    form.submit()
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)
                              .where(Follow.place == "stream")) == 0
    assert "There are no streams yet." in mira.app.get("/streams").text


def test_a_stream_of_closed_places_is_not_shown_to_outsiders(board):
    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    make_stream(admin, "Staff room", category_id(board, "staff"))
    secret = stream_id(board, "Staff room")
    mira = board.browser("mira")
    assert "Staff room" not in mira.app.get("/streams").text
    follow(mira, "stream", secret, "watching", status=404)
    assert "Staff room" in board.browser("mod").app.get("/streams").text


def test_a_streams_page_and_feed_list_its_topics_that_the_viewer_may_see(board):
    from forum_core.content.tags import DatabaseTagService

    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    with board.session() as session:
        release = DatabaseTagService(session).create_tag("release")
        session.flush()
        release_id = release.id
    make_topic(board, "nils", "general", "In the category", "a")
    tagged = make_topic(board, "nils", "support", "Tagged elsewhere", "b")
    make_topic(board, "nils", "support", "Neither", "c")
    staff_tagged = make_topic(board, "mod", "staff", "Tagged staff secret", "d")
    with board.session() as session:
        mod = session.scalar(select(User).where(User.username == "mod"))
        for topic in (tagged, staff_tagged):
            DatabaseTagService(session).set_tags(mod, "topic", topic, ["release"])
    make_stream(admin, "Releases", category_id(board, "general"), tags=(release_id,))
    mira = board.browser("mira")
    listing = mira.app.get("/streams")
    assert listing.html.select_one(".stream h2 a")["href"] == "/streams/releases"
    page = mira.app.get("/streams/releases")
    assert page.html.find("h1").text == "Releases"
    assert titles(page) == ["Tagged elsewhere", "In the category"]
    assert page.forms[f"follow-stream-{stream_id(board, 'Releases')}-form"]
    assert "Tagged staff secret" in titles(board.browser("mod").app.get("/streams/releases"))
    # muting the stream leaves it out of the lists, not off its own page
    follow(mira, "stream", stream_id(board, "Releases"), "muted")
    assert titles(mira.app.get("/latest")) == ["Neither"]
    assert titles(mira.app.get("/streams/releases")) == ["Tagged elsewhere", "In the category"]
    # the feed, for a reader without a cookie
    feed = board.browser().app.get("/streams/releases/feed.atom")
    assert feed.content_type == "application/atom+xml"
    assert sorted(entry.findtext("{http://www.w3.org/2005/Atom}title")
                  for entry in feed_entries(feed)) == ["In the category", "Tagged elsewhere"]
    # a stream of only closed places is not found by outsiders, nor one that does not exist
    make_stream(admin, "Staff room", category_id(board, "staff"))
    for path in ("/streams/staff-room", "/streams/staff-room/feed.atom", "/streams/nowhere"):
        assert mira.app.get(path, status=404).status_int == 404
    assert titles(board.browser("mod").app.get("/streams/staff-room")) == ["Tagged staff secret"]
    assert mira.app.get("/streams/releases?after=nonsense", status=400).status_int == 400


def test_bad_streams_are_refused_with_a_message(board):
    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    general = category_id(board, "general")
    for name, ids, message in (("   ", (general,), "1 to 80 characters"),
                               ("<b>Bold</b>", (general,), "without markup"),
                               ("No places", (), "one or more categories or tags")):
        page = make_stream(admin, name, *ids, status=400)
        assert message in page.html.find(class_="form-error").text
    make_stream(admin, "Twice", general)
    page = make_stream(admin, "twice", general, status=400)
    assert "exists already" in page.text
    answer = admin.post_form("/admin/streams", name="Forged", category="99999")
    assert answer.status_int == 400
    assert admin.app.get("/admin/streams/99999", status=404)
    assert board.browser("mira").app.get("/admin/streams", status="*").status_int in (403, 404)


def test_tags_are_followed_muted_and_gathered_in_streams(board):
    board.create_user("ada", role="admin")
    admin = board.browser("ada")
    with board.session() as session:
        from forum_core.content.tags import DatabaseTagService

        tags = DatabaseTagService(session)
        release, linux = tags.create_tag("release"), tags.create_tag("linux")
        session.flush()
        release_id, linux_id = release.id, linux.id
    mira = board.browser("mira")
    page = mira.app.get("/tag/release")
    form = page.forms[f"follow-tag-{release_id}-form"]
    form["level"] = "watching_first_post"
    form.submit()

    def tagged(title, category, *names):
        with board.session() as session:
            topic = make_topic(board, "nils", category, title, "Text")
            DatabaseTagService(session).set_tags(
                session.scalar(select(User).where(User.username == "mod")), "topic", topic,
                list(names))
        return topic

    tagged("Version 3", "support", "release")
    tagged("Kernel news", "general", "linux")
    board.run_jobs()
    assert inbox(mira) == [("nils started Version 3", "You watch release")]
    # a muted tag leaves its topics out of the lists, whatever their category
    follow(mira, "tag", linux_id, "muted")
    assert "Kernel news" not in titles(mira.app.get("/latest"))
    assert "Version 3" in titles(mira.app.get("/latest"))
    # a stream of a category and a tag; the stream page shows both
    make_stream(admin, "Releases", category_id(board, "general"), tags=(release_id,))
    pia = board.browser("pia")
    page = pia.app.get("/streams")
    assert [a.text for a in page.html.select(".stream .tag-pill")] == ["release"]
    follow(pia, "stream", stream_id(board, "Releases"), "watching")
    tagged("Version 4", "support", "release")
    board.run_jobs()
    assert inbox(pia) == [("nils started Version 4", "You watch Releases")]
    # levels of tags are in the personal feed and the account's list
    listed = [li.find(class_="followed-place").text.split() for li in
              mira.app.get("/account").html.select("#following ul.followed li")]
    assert ["Tag", "linux"] in listed and ["Tag", "release"] in listed


def test_a_member_who_leaves_a_group_gets_nothing_more_from_it(make_forum):
    """The closed-group leak matrix of follow levels: notifications, the personal feed and
    the lists, before and after the member leaves the group."""
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "pia"):
        forum.create_user(name)
    _group, space = forum.create_group("Partners", "owner", ["pia"], space="Partner news",
                                       kind="open")
    with forum.session() as session:
        space_id = session.scalar(select(Category.id).where(Category.slug == space))
    pia = forum.browser("pia")
    follow(pia, "category", space_id, "watching")
    account = pia.app.get("/account").forms["feed-new-form"].submit()
    address = account.html.find(id="feed-url")["value"]
    path = address[address.index("/my/feed/"):]
    reader = forum.browser()
    first = make_topic(forum, "owner", space, "Roadmap 2027", "Secret plans")
    forum.run_jobs()
    assert inbox(pia) == [("owner started Roadmap 2027", "You watch Partner news")]
    assert len(feed_entries(reader.app.get(path))) == 1
    # pia leaves the group: nothing of it any more, old or new, on any surface
    assert "You left the group." in pia.post_form("/groups/partners", action="leave").text
    reply_as(forum, "owner", first, "More secret plans")
    make_topic(forum, "owner", space, "Pricing 2027", "Secret prices")
    forum.run_jobs()
    assert inbox(pia) == []
    assert feed_entries(reader.app.get(path)) == []
    assert "Partner news" not in pia.app.get("/account").text
    assert "Roadmap 2027" not in pia.app.get("/latest").text
