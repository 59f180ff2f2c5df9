"""The badges plugin's JSON API: the badges, a badge's holders page by page, a member's
badges and points, the leaderboard (of a group only for its members and staff), giving and
taking badges by hand (administrators only), every refusal as a problem document, what
earned an award shown only to those who may see it, and schemathesis over the endpoints."""

from __future__ import annotations

import datetime as dt

import pytest
from badgehelpers import BACKENDS, badge_id, holders, make_badges, service, user_id
from forum_badges import api as badges_api
from forum_badges.models import GOLD, Award, Badge
from sqlalchemy import select, update

from forum_core.api import User, content_types, utcnow
from forum_core.testing import check_api, whoosh_names_from_secrets

PROBLEM = "application/problem+json"
SECRET = "Classified launch plans"


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_badges(make_forum, postgres=request.param)


def bearer(forum, username):
    return {"Authorization": f"Bearer {forum.api_token(username)}"}


def hand_badge(forum, name="Helping hand", enabled=True) -> str:
    """A gold badge only given by hand; returns its slug."""
    with forum.session() as session:
        badge = service(session).create({"name": name, "level": GOLD, "icon": "heart",
                                         "rule": ""})
        badge.enabled = enabled
        return badge.slug


def posted(forum):
    topic = forum.create_topic("mira", title="Hello everyone")
    forum.reply("nils", topic, "Welcome!")
    forum.run_jobs()
    return topic


def test_badges_and_their_holders_page_by_page(forum, monkeypatch):
    app = forum.app
    posted(forum)
    with forum.session() as session:
        session.execute(update(Badge).where(Badge.builtin == "prolific").values(enabled=False))
    listed = app.get("/api/v1/badges").json["items"]
    by_slug = {badge["slug"]: badge for badge in listed}
    assert "prolific" not in by_slug, "a disabled badge is shown nowhere"
    first = by_slug["first-post"]
    assert first["name"] == "First post" and first["level"] == "bronze"
    assert first["level_label"] == "Bronze" and first["icon"] == "chat"
    assert first["icon_label"] == "Speech bubble" and first["rule"] == "badges.first_post"
    assert first["holders"] == 2 and first["url"].endswith("/badges/first-post")
    assert first["how"] == "Wrote a first post"
    assert listed[0]["level"] == "gold", "gold first"
    problem = app.get("/api/v1/badges/prolific", status=404)
    assert problem.content_type == PROBLEM and problem.json["detail"] == \
        "There is no such badge."
    assert app.get("/api/v1/badges/no-such-badge", status=404).content_type == PROBLEM

    page = app.get("/api/v1/badges/first-post").json
    assert page["badge"]["slug"] == "first-post"
    assert [holder["username"] for holder in page["items"]] == ["nils", "mira"]
    reason = page["items"][1]["reason"]
    assert reason["type"] == "post" and reason["title"] == "Hello everyone"
    assert reason["url"].startswith("http") and page["links"]["next"] is None

    monkeypatch.setattr(badges_api, "HOLDERS_PER_PAGE", 1)
    one = app.get("/api/v1/badges/first-post").json
    assert [holder["username"] for holder in one["items"]] == ["nils"]
    following = one["links"]["next"]
    assert following and "cursor=" in following
    two = app.get(following).json
    assert [holder["username"] for holder in two["items"]] == ["mira"]
    assert two["links"]["next"] is None
    for bad in ("x", "1", "999999999999999999_1", "5_"):
        refused = app.get(f"/api/v1/badges/first-post?cursor={bad}", status=400)
        assert refused.content_type == PROBLEM and "cursor" in refused.json["detail"]
    # the largest time the schema allows is a time: every schema-valid cursor is answered
    latest = app.get("/api/v1/badges/first-post?cursor=99999999999999999_1").json
    assert [holder["username"] for holder in latest["items"]] == ["nils"]  # (one a page)


def test_a_members_badges_points_rank_and_feature(forum):
    app = forum.app
    posted(forum)
    mine = app.get("/api/v1/users/mira/badges").json
    assert mine["username"] == "mira" and mine["url"].endswith("/mira")
    (held,) = mine["badges"]
    assert held["badge"]["slug"] == "first-post"
    (award,) = held["awards"]
    assert award["reason"]["title"] == "Hello everyone" and award["awarded_at"]
    assert mine["points"] == {"total": 2, "week": 2, "month": 2}
    assert mine["rank"] == "Newcomer" and mine["featured"] is None
    with forum.session() as session:
        members = {u.username: u for u in session.scalars(select(User))}
        service(session).feature(members["mira"], members["ada"], "Member of the month")
    assert app.get("/api/v1/users/mira/badges").json["featured"] == "Member of the month"
    assert app.get("/api/v1/users/olga/badges").json["badges"] == []
    missing = app.get("/api/v1/users/nobody/badges", status=404)
    assert missing.content_type == PROBLEM
    with forum.session() as session:
        session.execute(update(User).where(User.username == "olga").values(status="banned"))
    assert app.get("/api/v1/users/olga/badges", status=404)


def test_the_leaderboard(forum):
    app = forum.app
    posted(forum)
    board = app.get("/api/v1/badges/leaderboard?period=all").json
    assert board["period"] == "all" and board["group"] is None
    assert [(row["position"], row["username"], row["points"]) for row in board["items"]] == \
        [(1, "mira", 2), (2, "nils", 1)]
    assert board["items"][0]["rank"] == "Newcomer"
    week = app.get("/api/v1/badges/leaderboard").json
    assert week["period"] == "week" and week["period_label"] == "This week"
    assert [row["username"] for row in week["items"]] == ["mira", "nils"]
    refused = app.get("/api/v1/badges/leaderboard?period=year", status=400)
    assert refused.content_type == PROBLEM and "week" in refused.json["detail"]
    # without the groups plugin there is no group to ask for
    nogroups = app.get("/api/v1/badges/leaderboard?group=1", headers=bearer(forum, "mira"),
                       status=404)
    assert "no groups" in nogroups.json["detail"]
    assert app.get("/api/v1/badges/leaderboard?group=x", status=400)


@pytest.mark.parametrize("postgres", BACKENDS)
def test_a_groups_leaderboard_is_for_its_members_and_staff(make_forum, postgres):
    forum = make_badges(make_forum, postgres, plugins=("badges", "groups"))
    group, _space = forum.create_group("Crew", "olga", ["mira"])
    posted(forum)
    app = forum.app
    url = f"/api/v1/badges/leaderboard?period=all&group={group}"
    for who in ("mira", "olga", "mod", "ada"):
        board = app.get(url, headers=bearer(forum, who)).json
        assert board["group"] == group
        assert [row["username"] for row in board["items"]] == ["mira"], who
    for headers in (bearer(forum, "nils"), {}):
        hidden = app.get(url, headers=headers, status=404)
        assert hidden.content_type == PROBLEM and "Crew" not in hidden.text
    assert app.get(f"/api/v1/badges/leaderboard?group={group + 100}",
                   headers=bearer(forum, "ada"), status=404)


def test_giving_and_taking_badges_by_hand(forum):
    app = forum.app
    slug = hand_badge(forum)
    hidden = hand_badge(forum, "Old badge", enabled=False)
    body = {"username": "nils", "reason": "Helped everyone at the meetup."}
    url = f"/api/v1/badges/{slug}/grants"
    assert app.post_json(url, body, status=401).content_type == PROBLEM
    for who in ("mira", "mod"):
        refused = app.post_json(url, body, headers=bearer(forum, who), status=403)
        assert "administrators" in refused.json["detail"]
        assert app.delete_json(f"{url}/nils", {"reason": "No."}, headers=bearer(forum, who),
                               status=403)
    admin = bearer(forum, "ada")
    given = app.post_json(url, body, headers=admin, status=201).json
    assert given["username"] == "nils" and given["reason"] is None
    assert holders(forum, badge_id_of(forum, slug)) == [("nils", "")]
    again = app.post_json(url, body, headers=admin, status=409)
    assert "has this badge already" in again.json["detail"]
    assert app.post_json(url, {"username": "nils", "reason": ""}, headers=admin,
                         status=422).json["errors"]
    assert app.post_json(url, {"username": "nils"}, headers=admin, status=422)
    blank = app.post_json(url, {"username": "olga", "reason": "   "}, headers=admin,
                          status=422)
    assert "cannot be empty" in blank.json["detail"]
    assert app.post_json(url, {"username": "nobody", "reason": "Why not"}, headers=admin,
                         status=404)
    assert app.post_json("/api/v1/badges/no-such/grants", body, headers=admin, status=404)
    disabled = app.post_json(f"/api/v1/badges/{hidden}/grants", body, headers=admin,
                             status=409)
    assert "disabled" in disabled.json["detail"]
    with forum.session() as session:
        session.execute(update(User).where(User.username == "olga").values(
            status="suspended", suspended_until=utcnow() + dt.timedelta(days=3)))
    suspended = app.post_json(url, {"username": "olga", "reason": "Good work"},
                              headers=admin, status=409)
    assert "suspended" in suspended.json["detail"]

    assert app.delete_json(f"{url}/nils", {"reason": "Given by mistake."}, status=401)
    taken = app.delete_json(f"{url}/nils", {"reason": "Given by mistake."}, headers=admin).json
    assert taken == {"username": "nils", "revoked": 1}
    assert holders(forum, badge_id_of(forum, slug)) == []
    gone = app.delete_json(f"{url}/nils", {"reason": "Again."}, headers=admin, status=404)
    assert "does not have this badge" in gone.json["detail"]
    assert app.delete_json(f"{url}/nils", {}, headers=admin, status=422)
    assert app.delete(f"{url}/nils", headers=admin, status=415)


def test_a_badge_taken_away_is_not_earned_again(forum):
    posted(forum)
    first = badge_id(forum, "first_post")
    forum.app.delete_json("/api/v1/badges/first-post/grants/mira",
                          {"reason": "Spam account"}, headers=bearer(forum, "ada"))
    forum.reply("mira", forum.create_topic("nils", title="Another topic"), "Again")
    forum.run_jobs()
    assert holders(forum, first) == [("nils", "")]


def badge_id_of(forum, slug: str) -> int:
    with forum.session() as session:
        return session.scalar(select(Badge.id).where(Badge.slug == slug))


@pytest.mark.parametrize("postgres", BACKENDS)
def test_what_earned_an_award_in_a_closed_group_stays_there(make_forum, postgres,
                                                             monkeypatch):
    forum = make_badges(make_forum, postgres, plugins=("badges", "groups"))
    _group, space = forum.create_group("Secret club", "olga", ["nils"], space="Secret space")
    topic = forum.create_topic("olga", space, title=SECRET, body="Only for the club")
    forum.run_jobs()
    olga, first = user_id(forum, "olga"), badge_id(forum, "first_post")
    with forum.session() as session:
        award = session.scalar(select(Award).where(Award.user_id == olga,
                                                   Award.badge_id == first))
        assert award is not None and award.reason_type == "post"
        post_id = award.reason_key
    app = forum.app
    urls = ("/api/v1/badges/first-post", "/api/v1/users/olga/badges", "/api/v1/badges",
            "/api/v1/badges/leaderboard?period=all")

    def reasons(headers):
        page = app.get(urls[0], headers=headers).json
        mine = app.get(urls[1], headers=headers).json
        return ([h["reason"] for h in page["items"] if h["username"] == "olga"]
                + [a["reason"] for b in mine["badges"] for a in b["awards"]])

    for headers in ({}, bearer(forum, "mira")):
        assert reasons(headers) == [None, None]
        for url in urls:
            assert SECRET not in app.get(url, headers=headers).text, url
    for who in ("olga", "nils"):
        shown = reasons(bearer(forum, who))
        assert [(r["type"], r["key"], r["title"]) for r in shown] == \
            [("post", post_id, SECRET)] * 2
        assert f"/t/{topic}" in shown[0]["url"]

    # a content type that fails, or one no plugin declares any more, shows no reason
    with forum.session() as session:
        post_type = type(content_types(session).get("post"))

    def broken(self, request, keys):
        raise RuntimeError("the content type failed")

    monkeypatch.setattr(post_type, "items", broken)
    assert reasons(bearer(forum, "olga")) == [None, None]
    monkeypatch.undo()
    assert reasons(bearer(forum, "olga"))[0] is not None
    with forum.session() as session:
        session.execute(update(Award).where(Award.user_id == olga)
                        .values(reason_type="gone"))
    assert reasons(bearer(forum, "olga")) == [None, None]


def test_the_badges_api_keeps_to_its_openapi_document(make_forum, monkeypatch):
    """schemathesis over the badges endpoints, every phase and check, as an administrator
    (who may give and take badges by hand)."""
    whoosh_names_from_secrets(monkeypatch)
    forum = make_badges(make_forum)
    hand_badge(forum)
    posted(forum)
    failures = check_api(forum, forum.api_token("ada"), tags=("badges",), max_examples=15)
    assert not failures, "\n\n".join(failures)
