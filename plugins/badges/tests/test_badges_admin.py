"""The administrators' badge pages through the real WSGI app on SQLite and PostgreSQL:
making and changing badges from rules (bad parameters, names and icons refused with nothing
saved), an uploaded icon served sandboxed, giving and taking badges by hand, disabling,
points and the recount, ranks, featured members; only administrators, only with the CSRF
token."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from badgehelpers import BACKENDS, badge_id, holders, make_badges  # noqa: E402
from forum_badges.models import Badge, Featured, PointsValue, Rank  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from forum_core.api import User  # noqa: E402


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    return make_badges(make_forum, postgres=request.param)


def badge_count(forum) -> int:
    with forum.session() as session:
        return session.scalar(select(func.count()).select_from(Badge))


def badge_named(forum, name: str) -> Badge | None:
    with forum.session() as session:
        badge = session.scalar(select(Badge).where(Badge.name == name))
        if badge is not None:
            session.expunge(badge)
        return badge


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (200, 120, 0, 255)).save(out, format="PNG")
    return out.getvalue()


def post_badge(browser, url="/badges/admin/new", upload=None, **fields):
    values = {"name": "Chatterbox", "description": "Wrote many posts", "level": "silver",
              "icon": "chat", "rule": "badges.posts", "params.badges.posts.count": "25",
              **fields, "csrf_token": browser.csrf_token()}
    files = [("icon_file", *upload)] if upload else []
    return browser.app.post(url, values, upload_files=files, status="*")


def test_make_a_badge_from_a_rule_with_its_parameters(board):
    admin = board.browser("ada")
    form = admin.app.get("/badges/admin/new")
    assert form.html.select_one("select#badge-rule option[value='badges.posts']")
    assert form.html.select_one("input[name='params.badges.posts.count'][type=number]")
    assert len(form.html.select("input[name=icon][type=radio]")) == 15, "14 icons + upload"
    made = post_badge(admin)
    assert made.status_int == 303
    badge = badge_named(board, "Chatterbox")
    assert (badge.rule, json.loads(badge.params), badge.level, badge.icon) == (
        "badges.posts", {"count": 25}, "silver", "chat")
    page = made.follow()
    assert "The badge was made." in page.html.select_one(".notice").text
    assert page.html.select_one("input[name='params.badges.posts.count']")["value"] == "25"
    # changed through the same form
    changed = post_badge(admin, f"/badges/admin/badge/{badge.id}", name="Chatty",
                         **{"params.badges.posts.count": "40"})
    assert changed.status_int == 303
    badge = badge_named(board, "Chatty")
    assert json.loads(badge.params) == {"count": 40}
    # the members' page has it
    assert board.browser().app.get(f"/badges/{badge.slug}").status_int == 200


@pytest.mark.parametrize("value, message", [
    ("0", "between 1 and 1000000"), ("abc", "whole number"), ("99999999", "between")])
def test_bad_parameters_are_refused_and_nothing_is_saved(make_forum, value, message):
    forum = make_badges(make_forum)
    before = badge_count(forum)
    admin = forum.browser("ada")
    refused = post_badge(admin, **{"params.badges.posts.count": value})
    assert refused.status_int == 400
    assert message in refused.html.select_one(".form-error").text
    assert refused.html.select_one("#badge-name")["value"] == "Chatterbox", "the form again"
    assert badge_count(forum) == before


def test_an_empty_name_is_refused(board):
    before = badge_count(board)
    refused = post_badge(board.browser("ada"), name="  ")
    assert refused.status_int == 400
    assert "Name cannot be empty" in refused.html.select_one(".form-error").text
    assert badge_count(board) == before


def test_icons_an_svg_with_script_and_a_non_image_are_refused(board):
    admin = board.browser("ada")
    before = badge_count(board)
    evil = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
            b'<script>alert(1)</script><circle cx="12" cy="12" r="5"/></svg>')
    refused = post_badge(admin, upload=("evil.svg", evil), icon="upload")
    assert refused.status_int == 400
    assert "script" in refused.html.select_one(".form-error").text
    text = post_badge(admin, upload=("notes.png", b"just some text, not a picture"),
                      icon="upload")
    assert text.status_int == 400 and "PNG, JPEG" in text.html.select_one(".form-error").text
    huge = post_badge(admin, upload=("big.png", b"\x89PNG" + b"0" * 70_000), icon="upload")
    assert huge.status_int == 400
    assert badge_count(board) == before


def test_a_png_icon_is_served_sandboxed_and_cached_for_long(board):
    admin = board.browser("ada")
    made = post_badge(admin, upload=("mine.png", png()), icon="upload")
    assert made.status_int == 303
    badge = badge_named(board, "Chatterbox")
    assert badge.icon == "" and badge.icon_type == "image/png"
    index = board.browser().app.get("/badges/")
    img = index.html.select_one(f"img[src^='/badges/icon/{badge.id}/']")
    assert img is not None and img["alt"] == ""
    icon = board.browser().app.get(img["src"])
    assert icon.content_type == "image/png"
    assert Image.open(io.BytesIO(icon.body)).size == (128, 85), "re-encoded, made small"
    assert icon.headers["X-Content-Type-Options"] == "nosniff"
    assert icon.headers["Content-Security-Policy"] == \
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    assert "max-age=31536000" in icon.headers["Cache-Control"]
    assert board.browser().app.get(f"/badges/icon/{badge.id}/x", status=200)
    assert board.browser().app.get("/badges/icon/999/x", status=404)
    first = badge_id(board, "first_post")
    assert board.browser().app.get(f"/badges/icon/{first}/x", status=404), "not uploaded"
    admin.post_form(f"/badges/admin/badge/{badge.id}/enabled", enabled="0")
    assert board.browser().app.get(img["src"], status=404), "disabled"


def test_grant_and_revoke_with_a_reason_and_no_award_again_after_revoking(board):
    admin = board.browser("ada")
    first = badge_id(board, "first_post")
    url = f"/badges/admin/badge/{first}"
    empty = admin.post_form(f"{url}/grant", username="mira", reason="")
    assert empty.status_int == 400 and "Reason" in empty.html.select_one(".form-error").text
    nobody = admin.post_form(f"{url}/grant", username="nobody", reason="Welcome")
    assert nobody.status_int == 400 and "no member" in nobody.text
    given = admin.post_form(f"{url}/grant", username="mira", reason="Welcome aboard")
    assert given.status_int == 303
    assert holders(board, first) == [("mira", "")]
    again = admin.post_form(f"{url}/grant", username="mira", reason="Twice")
    assert again.status_int == 409 and "already" in again.text
    taken = admin.post_form(f"{url}/revoke", username="mira", reason="A mistake")
    assert taken.status_int == 303
    assert holders(board, first) == []
    board.create_topic("mira", title="My first topic")
    board.run_jobs()
    assert holders(board, first) == [], "a revoked badge is not awarded again by its rule"
    missing = admin.post_form(f"{url}/revoke", username="mira", reason="Again")
    assert missing.status_int == 404 and "does not have" in missing.text


def test_a_suspended_member_is_not_given_a_badge(board):
    with board.session() as session:
        session.scalar(select(User).where(User.username == "nils")).status = "suspended"
    first = badge_id(board, "first_post")
    refused = board.browser("ada").post_form(f"/badges/admin/badge/{first}/grant",
                                             username="nils", reason="Nice")
    assert refused.status_int == 409
    assert "suspended" in refused.html.select_one(".form-error").text
    assert holders(board, first) == []


def test_disable_and_enable_a_badge(board):
    admin = board.browser("ada")
    first = badge_id(board, "first_post")
    listing = admin.app.get("/badges/admin")
    assert listing.html.select_one(f"form[action='/badges/admin/badge/{first}/enabled']")
    off = admin.post_form(f"/badges/admin/badge/{first}/enabled", enabled="0", back="list")
    assert off.status_int == 303 and off.headers["Location"].endswith("done=disabled")
    assert board.browser().app.get("/badges/first-post", status=404)
    board.create_topic("mira")
    board.run_jobs()
    assert holders(board, first) == [], "a disabled badge is not awarded"
    row = admin.app.get("/badges/admin").html.select_one("tr.badges-disabled")
    assert "First post" in row.text and "Disabled" in row.text
    admin.post_form(f"/badges/admin/badge/{first}/enabled", enabled="1")
    assert board.browser().app.get("/badges/first-post").status_int == 200


def test_points_values_saved_and_bad_ones_refused_and_recount(board):
    admin = board.browser("ada")
    page = admin.app.get("/badges/admin")
    assert page.html.select_one("input[name='points.badges.reply']")["value"] == "1"
    saved = admin.post_form("/badges/admin/points", **{"points.badges.reply": "5",
                                                      "points.badges.topic": "3"})
    assert saved.status_int == 303
    with board.session() as session:
        assert dict(session.execute(select(PointsValue.action, PointsValue.points)).all()) \
            == {"badges.reply": 5, "badges.topic": 3}
    for bad in ("abc", "1001", "2.5"):
        refused = admin.post_form("/badges/admin/points", **{"points.badges.reply": bad,
                                                            "points.badges.topic": "9"})
        assert refused.status_int == 400
        assert "whole number from -1000 to 1000" in refused.html.select_one(".form-error").text
    with board.session() as session:
        assert session.get(PointsValue, "badges.topic").points == 3, "nothing saved"
    board.create_topic("mira")
    recount = admin.post_form("/badges/admin/recount")
    assert recount.status_int == 303
    assert any(job.name == "badges.backfill" for job in board.jobs())
    board.run_jobs()
    from badgehelpers import points

    assert points(board, "mira") == (3, 3)


def test_ranks_saved_and_bad_ones_refused(board):
    admin = board.browser("ada")
    page = admin.app.get("/badges/admin")
    names = [i["value"] for i in page.html.select("input[name=rank_name]")]
    assert names[:4] == ["Newcomer", "Regular", "Contributor", "Expert"]
    token = admin.csrf_token()
    saved = admin.app.post("/badges/admin/ranks", [
        ("csrf_token", token), ("rank_name", "Seedling"), ("rank_points", "0"),
        ("rank_name", "Tree"), ("rank_points", "10"), ("rank_name", ""),
        ("rank_points", "")], status="*")
    assert saved.status_int == 303
    with board.session() as session:
        assert session.execute(select(Rank.name, Rank.min_points)
                               .order_by(Rank.min_points)).all() == [("Seedling", 0),
                                                                     ("Tree", 10)]
    refused = admin.app.post("/badges/admin/ranks", [
        ("csrf_token", token), ("rank_name", "A"), ("rank_points", "5"),
        ("rank_name", "B"), ("rank_points", "5")], status="*")
    assert refused.status_int == 400 and refused.html.select_one(".form-error")
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Rank)) == 2, "nothing saved"


def test_feature_a_member_and_remove_the_feature(board):
    admin = board.browser("ada")
    bad = admin.post_form("/badges/admin/featured", username="mira", title="Star", days="0")
    assert bad.status_int == 400 and "1 to 366 days" in bad.text
    nobody = admin.post_form("/badges/admin/featured", username="ghost", title="Star")
    assert nobody.status_int == 400
    done = admin.post_form("/badges/admin/featured", username="mira",
                           title="Member of the month", note="Always helpful", days="30")
    assert done.status_int == 303
    page = admin.app.get("/badges/admin")
    item = page.html.select_one(".badges-featured-admin li")
    assert "Member of the month" in item.text and "mira" in item.text
    assert "Member of the month" in board.browser().app.get("/badges/").text
    with board.session() as session:
        featured = session.scalar(select(Featured.id))
    admin.post_form(f"/badges/admin/featured/{featured}/remove")
    assert "Member of the month" not in board.browser().app.get("/badges/").text


def test_only_administrators_with_the_csrf_token(board):
    first = badge_id(board, "first_post")
    pages = ["/badges/admin", "/badges/admin/new", f"/badges/admin/badge/{first}"]
    for who in (None, "mira", "mod"):
        browser = board.browser(who)
        for url in pages:
            assert browser.app.get(url, status="*").status_int in (403, 404), (who, url)
        refused = browser.post_form(f"/badges/admin/badge/{first}/enabled", enabled="0")
        assert refused.status_int in (403, 404)
        refused = browser.post_form(f"/badges/admin/badge/{first}/grant", username=who or "x",
                                    reason="Me")
        assert refused.status_int in (403, 404)
    assert holders(board, first) == []
    admin = board.browser("ada")
    admin.app.get("/badges/admin")
    for url, fields in ((f"/badges/admin/badge/{first}/enabled", {"enabled": "0"}),
                        (f"/badges/admin/badge/{first}/grant",
                         {"username": "mira", "reason": "Hi"}),
                        ("/badges/admin/points", {"points.badges.reply": "7"}),
                        ("/badges/admin/new", {"name": "Sneaky", "icon": "star"})):
        assert admin.app.post(url, fields, status="*").status_int in (400, 403), url
    assert board.browser().app.get("/badges/first-post").status_int == 200
    assert holders(board, first) == []
    assert badge_named(board, "Sneaky") is None
