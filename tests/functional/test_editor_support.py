"""The server side of the editor's JavaScript: the preview endpoint and username lookup."""

from __future__ import annotations

from tests.functional.test_discussions import make_category


def csrf(forum):
    return forum.app.get("/account").forms["create-token-form"]["csrf_token"].value


def test_preview_renders_like_a_post_and_saves_nothing(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    forum.login("mira")
    token = csrf(forum)
    answer = forum.app.post("/preview", {"body": "**bold** <script>x</script> @mira",
                                         "csrf_token": token}).json
    assert "<strong>bold</strong>" in answer["html"]
    assert "<script>" not in answer["html"] and "&lt;script&gt;" in answer["html"]
    assert 'class="mention"' in answer["html"]
    refused = forum.app.post("/preview", {"body": ">" * 10_000, "csrf_token": token},
                             status=400).json
    assert refused["error"]
    forum.app.post("/preview", {"body": "x"}, status=400)  # no CSRF token
    visitor = forum.another_browser()
    assert visitor.app.post("/preview", {"body": "x"}, status="*").status_int in (400, 403)
    assert "Preview" in forum.app.get("/c/general/new").text


def test_usernames_are_found_by_their_first_letters(forum):
    for name in ("milan", "mira", "nils", "mi_x"):
        forum.create_user(name)
    found = forum.app.get("/api/v1/users", params={"prefix": "MI"}).json["items"]
    assert [u["username"] for u in found] == ["mi_x", "milan", "mira"]
    assert [u["username"] for u in forum.app.get(
        "/api/v1/users", params={"prefix": "mi_"}).json["items"]] == ["mi_x"]
    assert forum.app.get("/api/v1/users", params={"prefix": "%"}).json["items"] == []
    forum.app.get("/api/v1/users", status=400)
