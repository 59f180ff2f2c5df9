"""Likes on posts, through the real app: the heart's form, "who liked this", the author's
notification, what members may not see, the JSON API, and the notification settings on the
account page. The same tests run on SQLite and, with FORUM_TEST_POSTGRES_URL, PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum_core.content import likes
from forum_core.content.events import PostLiked, PostUnliked
from forum_core.content.models import Post, PostLike
from forum_core.notifications.models import Notification

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
PROBLEM = "application/problem+json"


@pytest.fixture(params=BACKENDS)
def board(make_forum, request):
    forum = make_forum(postgres=request.param)
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    forum.create_category("General")
    forum.create_category("Staff", read_access="moderators", topic_access="moderators",
                          reply_access="moderators")
    forum.topic = forum.create_topic("mira", "general", "Garden tips", "Water in the morning")
    with forum.session() as session:
        forum.post = session.scalar(select(Post.id).where(Post.topic_id == forum.topic))
    return forum


def like_box(page, post_number=1):
    return page.html.select_one(f"#post-{post_number} .like")


def like_form(page, post_id):
    for form in page.forms.values():
        if form.action == f"/p/{post_id}/like":
            return form
    raise AssertionError(f"no like form for post {post_id}")


def stored(forum, post_id):
    with forum.session() as session:
        rows = session.scalar(select(func.count()).select_from(PostLike)
                              .where(PostLike.post_id == post_id))
        return session.get(Post, post_id).like_count, rows


def inbox(browser):
    page = browser.app.get("/notifications")
    return [li.find("a").text.strip() for li in page.html.select("ul.notifications li")]


def test_a_member_likes_and_unlikes_without_javascript(board):
    nils = board.browser("nils")
    page = nils.app.get(board.topic_path(board.topic))
    button = like_box(page).select_one("button.like-button")
    assert button["aria-pressed"] == "false"
    assert like_box(page).select_one(".like-count").has_attr("hidden")

    back = like_form(page, board.post).submit()
    assert back.status_int == 303
    assert back.location.endswith("#post-1"), "back to the post's anchor"
    page = back.follow()
    box = like_box(page)
    assert box.select_one("button.like-button")["aria-pressed"] == "true"
    assert box.select_one(".like-number").text == "1"
    assert not box.select_one(".like-count").has_attr("hidden")
    assert "Liked by nils" in box.select_one(".like-count")["title"]
    assert stored(board, board.post) == (1, 1)

    page = like_form(page, board.post).submit().follow()
    assert like_box(page).select_one("button.like-button")["aria-pressed"] == "false"
    assert stored(board, board.post) == (0, 0)


def test_liking_twice_and_unliking_twice_change_nothing(board):
    nils = board.browser("nils")
    for _ in range(2):
        assert nils.post_form(f"/p/{board.post}/like", action="like").status_int == 303
    assert stored(board, board.post) == (1, 1)
    for _ in range(2):
        assert nils.post_form(f"/p/{board.post}/like", action="unlike").status_int == 303
    assert stored(board, board.post) == (0, 0)
    assert nils.post_form(f"/p/{board.post}/like", action="love").status_int == 400
    # back to the page it was pressed on; never to another site
    later = nils.post_form(f"/p/{board.post}/like", action="like",
                           next=f"/t/{board.topic}/garden-tips?after=20")
    assert later.location.endswith(f"/t/{board.topic}/garden-tips?after=20#post-1")
    away = nils.post_form(f"/p/{board.post}/like", action="like", next="//evil.example/")
    assert away.location.endswith(f"/t/{board.topic}/garden-tips#post-1")


def test_nobody_likes_their_own_post(board):
    mira = board.browser("mira")
    box = like_box(mira.app.get(board.topic_path(board.topic)))
    assert box.select_one("form") is None, "no heart to press on one's own post"
    assert box.select_one(".like-off")["title"] == "You cannot like your own post."
    refused = mira.post_form(f"/p/{board.post}/like", action="like")
    assert refused.status_int == 409
    assert "You cannot like your own post." in refused.text
    assert stored(board, board.post) == (0, 0)


def test_visitors_are_asked_to_sign_in(board):
    visitor = board.browser()
    page = visitor.app.get(board.topic_path(board.topic))
    link = like_box(page).select_one("a.like-button")
    assert link["href"].startswith("/login?next=")
    assert "csrf_token" not in page.text, "the page stays the same for every visitor"
    assert visitor.app.post(f"/p/{board.post}/like", {"action": "like"},
                            status="*").status_int in (400, 403)


def test_deleted_and_hidden_posts_cannot_be_liked(board):
    reply = board.reply("nils", board.topic, "Soon hidden")
    with board.session() as session:
        session.get(Post, reply).is_hidden = True
    mod = board.browser("mod")
    assert like_box(mod.app.get(board.topic_path(board.topic)), 2).select_one("form") is None
    refused = mod.post_form(f"/p/{reply}/like", action="like")
    assert refused.status_int == 409
    assert stored(board, reply) == (0, 0)
    # and for a member it is not there at all
    assert board.browser("olga").post_form(f"/p/{reply}/like", action="like").status_int == 404


def test_a_post_the_member_may_not_see_is_not_found(board):
    secret = board.create_topic("mod", "staff", "Staff only", "Secret words")
    with board.session() as session:
        post = session.scalar(select(Post.id).where(Post.topic_id == secret))
    staff = board.browser("mod")
    with board.session() as session:
        from forum_core.accounts.models import User

        likes.like(session, session.scalar(select(User).where(User.username == "olga")),
                   session.get(Post, post))  # (a like planted by the service itself)
    nils = board.browser("nils")
    for action in ("like", "unlike"):
        assert nils.post_form(f"/p/{post}/like", action=action).status_int == 404
    assert nils.app.get(f"/p/{post}/likes", status="*").status_int == 404
    missing = nils.app.get("/p/999999/likes", status="*")
    hidden = nils.app.get(f"/p/{post}/likes", status="*")
    assert missing.html.find("h1").text == hidden.html.find("h1").text, "the same answer"
    token = {"Authorization": f"Bearer {board.api_token('nils')}"}
    for method in ("post", "delete"):
        answer = getattr(nils.app, method)(f"/api/v1/posts/{post}/like", headers=token,
                                           status=404)
        assert answer.content_type == PROBLEM
        assert "like_count" not in answer.text
    nils.app.get(f"/api/v1/posts/{post}/likes", headers=token, status=404)
    assert stored(board, post) == (1, 1), "nothing changed"
    assert staff.app.get(f"/p/{post}/likes").html.select(".liker"), "staff see who liked it"


def test_a_closed_group_space_never_shows_its_likes(make_forum):
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "member", "outsider"):
        forum.create_user(name)
    _group, space = forum.create_group("Partners", "owner", ["member"], space="Partners space")
    topic = forum.create_topic("owner", space, "Partner plans", "SECRET plan")
    with forum.session() as session:
        post = session.scalar(select(Post.id).where(Post.topic_id == topic))
    member = forum.browser("member")
    assert member.post_form(f"/p/{post}/like", action="like").status_int == 303
    assert "member" in member.app.get(f"/p/{post}/likes").text
    outsider = forum.browser("outsider")
    for action in ("like", "unlike"):
        assert outsider.post_form(f"/p/{post}/like", action=action).status_int == 404
    page = outsider.app.get(f"/p/{post}/likes", status=404)
    assert "Partner plans" not in page.text
    token = {"Authorization": f"Bearer {forum.api_token('outsider')}"}
    outsider.app.post(f"/api/v1/posts/{post}/like", headers=token, status=404)
    outsider.app.get(f"/api/v1/posts/{post}/likes", headers=token, status=404)
    assert stored(forum, post) == (1, 1)


def test_who_liked_it_lists_members_with_pictures_newest_first(board):
    for name in ("nils", "olga", "mod"):
        board.browser(name).post_form(f"/p/{board.post}/like", action="like")
    page = board.browser().app.get(f"/p/{board.post}/likes")
    names = [li.find("a").text for li in page.html.select("li.liker")]
    assert names == ["mod", "olga", "nils"]
    assert len(page.html.select("li.liker .avatar")) == 3
    assert page.html.select_one('a[href="/u/olga"]')
    topic = board.browser("olga").app.get(board.topic_path(board.topic))
    count = like_box(topic).select_one(".like-count")
    assert count["href"] == f"/p/{board.post}/likes"
    assert count.select_one(".like-number").text == "3"
    assert count["title"] == "Liked by mod, olga, and nils"


def test_likers_are_paged_by_keyset(board):
    for name in ("nils", "olga", "mod"):
        board.browser(name).post_form(f"/p/{board.post}/like", action="like")
    with board.session() as session:
        post = session.get(Post, board.post)
        first = likes.likers_page(session, post, per_page=2)
        second = likes.likers_page(session, post, first.next_cursor, per_page=2)
        assert [liker.user.username for liker in first.items] == ["mod", "olga"]
        assert [liker.user.username for liker in second.items] == ["nils"]
        assert second.next_cursor is None
    assert board.app.get(f"/p/{board.post}/likes?after=bogus", status=400)


def test_the_author_is_told_and_an_undone_like_takes_it_back(board):
    nils = board.browser("nils")
    with board.events() as seen:
        nils.post_form(f"/p/{board.post}/like", action="like")
        nils.post_form(f"/p/{board.post}/like", action="like")
    assert [type(event) for event in seen] == [PostLiked], "announced once"
    assert seen[0].like_count == 1 and seen[0].author_id != seen[0].user_id
    mira = board.browser("mira")
    assert inbox(mira) == ["nils liked your post in Garden tips"]

    with board.events() as seen:
        nils.post_form(f"/p/{board.post}/like", action="unlike")
    assert [type(event) for event in seen] == [PostUnliked]
    assert inbox(mira) == [], "an unread like notification goes with the like"

    nils.post_form(f"/p/{board.post}/like", action="like")
    mira.app.get("/notifications").click("nils liked your post in Garden tips", index=0)
    nils.post_form(f"/p/{board.post}/like", action="unlike")
    assert inbox(mira) == ["nils liked your post in Garden tips"], "a read one stays"


def test_notification_settings_are_honoured(board):
    mira = board.browser("mira")
    page = mira.app.get("/account")
    form = page.forms["notifications-form"]
    labels = [label.text.strip() for label in
              page.html.select("#notifications-form label.check")]
    assert labels == ["Mentions of me", "Quotes of my posts", "Replies to my topics",
                      "Likes of my posts", "New topics in places I watch",
                      "New posts in places I watch"]
    assert all(field.checked for field in form.fields["notify"]), "everything on at first"
    for field in form.fields["notify"]:
        field.checked = field._value in ("reply", "mention", "quote")
    saved = form.submit()
    assert "Your notification settings were saved." in saved.text
    kept = {f._value: f.checked for f in saved.forms["notifications-form"].fields["notify"]}
    assert kept == {"mention": True, "quote": True, "reply": True, "like": False,
                    "watched_topic": False, "watched_post": False}

    board.browser("nils").post_form(f"/p/{board.post}/like", action="like")
    board.reply("olga", board.topic, "A reply")
    assert inbox(mira) == ["olga replied to Garden tips"], "likes off, replies on"
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "like")) == 0


def test_with_mentions_off_a_reply_that_mentions_the_member_is_told_as_a_reply(board):
    mira = board.browser("mira")
    form = mira.app.get("/account").forms["notifications-form"]
    for field in form.fields["notify"]:
        field.checked = field._value != "mention"
    form.submit()
    other = board.create_topic("olga", "general", "Olga's topic", "Hello")
    board.reply("nils", other, "Hey @mira, see this")
    board.reply("nils", board.topic, "Hey @mira, a reply")
    assert inbox(mira) == ["nils replied to Garden tips"], "no mention, the reply still"


# -- the JSON API -----------------------------------------------------------------------------

def bearer(forum, name):
    return {"Authorization": f"Bearer {forum.api_token(name)}"}


def test_likes_in_the_api(board):
    api, nils = board.app, bearer(board, "nils")
    url = f"/api/v1/posts/{board.post}/like"
    first = api.post(url, headers=nils, status=200).json
    assert first == {"post_id": board.post, "liked": True, "like_count": 1}
    assert api.post(url, headers=nils, status=200).json == first, "idempotent"
    olga = bearer(board, "olga")
    assert api.post(url, headers=olga).json["like_count"] == 2

    post = api.get(f"/api/v1/posts/{board.post}", headers=nils).json
    assert (post["like_count"], post["liked"]) == (2, True)
    listed = api.get(f"/api/v1/topics/{board.topic}/posts", headers=bearer(board, "mira")).json
    assert (listed["items"][0]["like_count"], listed["items"][0]["liked"]) == (2, False)
    assert api.get(f"/api/v1/posts/{board.post}").json["liked"] is False

    likers = api.get(f"/api/v1/posts/{board.post}/likes").json
    assert [item["user"]["username"] for item in likers["items"]] == ["olga", "nils"]
    assert likers["links"]["next"] is None

    gone = api.delete(url, headers=nils, status=200).json
    assert gone == {"post_id": board.post, "liked": False, "like_count": 1}
    assert api.delete(url, headers=nils, status=200).json == gone, "idempotent"

    own = api.post(url, headers=bearer(board, "mira"), status=409)
    assert own.content_type == PROBLEM
    assert own.json["detail"] == "You cannot like your own post."
    anonymous = api.post(url, status=401)
    assert anonymous.content_type == PROBLEM
    api.post("/api/v1/posts/999999/like", headers=nils, status=404)
    api.get(f"/api/v1/posts/{board.post}/likes?cursor=x", status=400)


def test_notification_settings_in_the_api(board):
    api, mira = board.app, bearer(board, "mira")
    url = "/api/v1/me/notification-settings"
    items = api.get(url, headers=mira).json["items"]
    assert [(i["kind"], i["enabled"]) for i in items] == [
        ("mention", True), ("quote", True), ("reply", True), ("like", True),
        ("watched_topic", True), ("watched_post", True)]
    assert items[3]["label"] == "Likes of my posts"
    changed = api.put_json(url, {"kinds": {"like": False}}, headers=mira).json["items"]
    assert {i["kind"]: i["enabled"] for i in changed} == {
        "mention": True, "quote": True, "reply": True, "like": False, "watched_topic": True,
        "watched_post": True}
    assert api.put_json(url, {"kinds": {"like": False}}, headers=mira).json["items"] == changed
    api.put_json(url, {"kinds": {"nope": True}}, headers=mira, status=404)
    bad = api.put_json(url, {"kinds": {"like": "yes"}}, headers=mira, status=422)
    assert bad.json["errors"][0]["field"] == "kinds.like"
    api.get(url, status=401)
    api.post(f"/api/v1/posts/{board.post}/like", headers=bearer(board, "nils"))
    assert inbox(board.browser("mira")) == []
    document = api.get("/api/v1/openapi.json").json
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert {"posts.like", "posts.unlike", "posts.likers", "users.me.notification_settings",
            "users.me.notification_settings.change"} <= operations


def test_the_topic_page_asks_the_same_number_of_queries_however_many_likes(make_forum):
    forum = make_forum(**{"forum.count_queries": "true"})
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_category("General")
    topic = forum.create_topic("mira", "general", "Counted", "First")
    posts = [forum.reply("mira", topic, f"Reply {n}") for n in range(6)]
    nils, olga = forum.browser("nils"), forum.browser("olga")
    nils.post_form(f"/p/{posts[0]}/like", action="like")
    # (the first view moves the read marker: a write of its own)
    nils.app.get(forum.topic_path(topic))
    before = int(nils.app.get(forum.topic_path(topic)).headers["X-Forum-Queries"])
    for post in posts:
        for browser in (nils, olga):
            browser.post_form(f"/p/{post}/like", action="like")
    page = nils.app.get(forum.topic_path(topic))
    assert int(page.headers["X-Forum-Queries"]) == before, "no query per post or per like"
    assert len(page.html.select('.like-button[aria-pressed="true"]')) == len(posts)
    assert page.html.select_one("#post-2 .like-count")["title"] == "Liked by olga and nils"


def test_a_suspended_member_cannot_like(board):
    from forum_core.accounts.models import User

    nils = board.browser("nils")
    with board.session() as session:
        session.scalar(select(User).where(User.username == "nils")).status = "suspended"
    assert like_box(nils.app.get(board.topic_path(board.topic))).select_one("form") is None
    assert nils.post_form(f"/p/{board.post}/like", action="like").status_int == 403
    token = {"Authorization": f"Bearer {board.api_token('nils')}"}
    board.app.post(f"/api/v1/posts/{board.post}/like", headers=token, status=403)
    assert stored(board, board.post) == (0, 0)
