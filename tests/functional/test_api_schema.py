"""schemathesis against the real forum over HTTP: every operation of /api/v1/openapi.json, the
core's and the bundled plugins' (groups, ideas, kb, support), as a member with a personal
API token, in every phase (examples, coverage, fuzzing, stateful) and with every check
(server errors, status codes, content types, headers and bodies as documented, schema-valid requests
accepted and schema-violating ones refused, 401 without credentials, 405 for other methods,
deleted resources gone...). Deterministic and bounded: a fixed seed, no example database, a
set number of examples per operation.

The regression tests below pin the defects this run found, one by one."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from openapi_spec_validator import validate

from forum_core.testing import check_api, whoosh_names_from_secrets
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

BUNDLED = ("badges", "events", "groups", "ideas", "kb", "support")
#: The query language of a search (phrases, exclusions, at most 12 words...) and its filters
#: that name a category or a member the caller may see are more than a JSON Schema can say:
#: a schema-valid search may still be refused with a 400 saying what to change. Every other
#: check runs on the search too, and tests/functional/test_search.py tests the language.
SEARCH_IS_A_LANGUAGE = {"search": {"checks": {"positive_data_acceptance": {"enabled": False}}}}
#: Which levels a place can have depends on the kind of place named in the path (a topic has
#: no "watching first post"), which the body's schema cannot see: refused with a 422 that
#: says so (tests/functional/test_follows.py tests it).
LEVELS_DEPEND_ON_THE_PLACE = {
    "follows.change": {"checks": {"positive_data_acceptance": {"enabled": False}}}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_forum(make_forum, monkeypatch):
    """Discussions, two groups (one that the member owns), an idea board, notifications; the
    member ``mira`` holds an API token (``forum.token``). Posting is not rate limited here,
    so the generated writes reach the services (test_api.py tests the limit)."""
    whoosh_names_from_secrets(monkeypatch)
    forum = make_forum(plugins=BUNDLED, **{"forum.rate_post": "100000/60"})
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_user("admin", role="admin")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    make_category(forum, "Ideas")
    for number in range(3):
        topic_id = make_topic(forum, "mira", "general", f"Topic {number}", "Some *text*")
        reply_as(forum, "admin", topic_id, "A reply mentioning @mira")
        make_topic(forum, "nils", "ideas", f"Idea number {number}", "Please add it.")
    admin = bearer(forum.api_token("admin"))
    api = forum.app
    for name, kind in (("Partners", "request"), ("Open house", "open")):
        slug = api.post_json("/api/v1/groups", {"name": name, "kind": kind},
                             headers=admin, status=201).json["slug"]
        api.post_json(f"/api/v1/groups/{slug}/spaces", {"name": f"{name} space"},
                      headers=admin, status=201)
    forum.token = forum.api_token("mira")
    api.post_json("/api/v1/groups/partners/invitations", {"to": "mira"}, headers=admin,
                  status=201)
    api.post("/api/v1/groups/partners/membership", headers=bearer(forum.token), status=200)
    api.patch_json("/api/v1/groups/partners/members/mira", {"role": "owner"}, headers=admin)
    api.post("/api/v1/groups/partners/membership", headers=bearer(forum.api_token("nils")))
    board = forum.browser("admin").post_form("/ideas/boards", category_id=str(
        category_id(forum, "ideas")), enabled="on", vote_budget="0")
    assert board.status_int == 200, board.text
    return forum


def category_id(forum, slug):
    return next(c["id"] for c in categories(forum) if c["slug"] == slug)


def categories(forum):
    from sqlalchemy import select

    from forum_core.content.models import Category

    with forum.session() as session:
        return [{"id": c.id, "slug": c.slug} for c in session.scalars(select(Category))]


def test_the_document_is_valid_openapi(api_forum):
    document = api_forum.app.get("/api/v1/openapi.json").json
    validate(document)
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert {"topics.create", "groups.announce", "ideas.vote"} <= operations


def test_the_api_keeps_to_its_openapi_document(api_forum):
    failures = check_api(api_forum, api_forum.token,
                         operations={**SEARCH_IS_A_LANGUAGE, **LEVELS_DEPEND_ON_THE_PLACE})
    assert not failures, "\n\n".join(failures)


# -- the defects the run found, one by one ----------------------------------------------------

PROBLEM = "application/problem+json"
#: digits str.isdigit() takes: "²" that int() refuses (a 500 before), "٣" it reads as 3
NOT_ASCII_DIGITS = ("²", "٣", "1²", "１")
#: 19 digits: more than a 64-bit integer holds
TOO_BIG = "9" * 19


@pytest.mark.parametrize("digits", [*NOT_ASCII_DIGITS, TOO_BIG, "-1", "1.5", ""])
def test_a_cursor_that_is_not_a_number_is_a_400_problem(api_forum, digits):
    member = bearer(api_forum.token)
    for url, params in (("/api/v1/topics/1/posts", {}), ("/api/v1/notifications", {}),
                        ("/api/v1/search", {"q": "topic"}),
                        ("/api/v1/categories/general/topics", {})):
        response = api_forum.app.get(url, params={**params, "cursor": digits}, headers=member,
                                     status=400)
        assert response.content_type == PROBLEM, url
        assert response.json["title"] == "Invalid cursor", url


@pytest.mark.parametrize("digits", [*NOT_ASCII_DIGITS, TOO_BIG])
def test_a_topic_pages_after_that_is_not_a_number_is_a_400_page(api_forum, digits):
    page = api_forum.app.get("/t/1/topic-0", params={"after": digits}, status=400)
    assert "This page link is broken" in page.text


@pytest.mark.parametrize("digits", [*NOT_ASCII_DIGITS, TOO_BIG])
def test_an_id_in_a_path_that_is_not_a_number_is_a_404(api_forum, digits):
    member = bearer(api_forum.token)
    digits = quote(digits)
    for url in (f"/api/v1/topics/{digits}", f"/api/v1/posts/{digits}/", f"/api/v1/ideas/{digits}",
                f"/api/v1/groups/partners/requests/{digits}"):
        url = url.rstrip("/")
        method = "post" if url.endswith(digits) and "requests" in url else "get"
        kwargs = {"params": '{"decision": "approve"}', "content_type": "application/json"} \
            if method == "post" else {}
        response = getattr(api_forum.app, method)(url, headers=member, status=404, **kwargs)
        assert response.content_type == PROBLEM, url
    mira = api_forum.browser("mira")
    for url in (f"/t/{digits}/x", f"/p/{digits}/edit", f"/notifications/{digits}",
                f"/ideas/i/{digits}/vote"):
        method = mira.app.post if url.endswith("/vote") else mira.app.get
        kwargs = {"params": {"csrf_token": mira.csrf_token()}} if url.endswith("/vote") else {}
        assert method(url, status=404, **kwargs).content_type == "text/html", url


def test_a_write_without_credentials_is_a_401_problem_before_any_lookup(api_forum):
    app = api_forum.app
    writes = [("post", "/api/v1/topics/1/posts", {"body": "Hello"}),
              ("delete", "/api/v1/posts/999999", None),  # no such post: still 401, not 404
              ("post", "/api/v1/groups/partners/membership", None),
              ("put", "/api/v1/ideas/1/vote", {"value": 1})]
    for method, url, body in writes:
        for cookie in (None, "not-a-session"):  # a stale cookie carries no authority either
            app.reset()
            if cookie:
                app.set_cookie("forum_session", cookie)
            call = getattr(app, f"{method}_json") if body else getattr(app, method)
            response = call(url, body, status=401) if body else call(url, status=401)
            assert response.content_type == PROBLEM, url
            assert response.json["title"] == "Sign-in required", url
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), url
    # a browser signed in without the CSRF header is still refused, as before
    browser = api_forum.browser("mira")
    refused = browser.app.post_json("/api/v1/topics/1/posts", {"body": "Hi"}, status=400)
    assert refused.json["title"] == "CSRF token missing"


@pytest.mark.parametrize("groups", [[" "], ["nope"], ["nope", "\u3000"]])
def test_an_announcement_refused_names_each_group_it_cannot_reach(api_forum, groups):
    refused = api_forum.app.post_json(
        "/api/v1/announcements", {"groups": groups, "title": "Release day", "body": "Hi"},
        headers=bearer(api_forum.token), status=403)
    detail = refused.json["detail"]
    assert detail.startswith("You cannot send announcements to ")
    assert detail == "You cannot send announcements to {}.".format(
        ", ".join(f'"{slug}"' for slug in groups))
    empty = api_forum.app.post_json(
        "/api/v1/announcements", {"groups": [""], "title": "Release day", "body": "Hi"},
        headers=bearer(api_forum.token), status=422)
    assert empty.json["errors"] == [{"field": "groups[0]",
                                     "message": "must have at least 1 characters"}]


def test_a_whole_number_written_with_a_fraction_is_an_integer(api_forum):
    link = api_forum.app.post_json("/api/v1/groups/partners/invitation-links", {"days": 7.0},
                                   headers=bearer(api_forum.token), status=201)
    assert "/groups/invite/" in link.json["url"]
    api_forum.app.post_json("/api/v1/groups/partners/invitation-links", {"days": 7.5},
                            headers=bearer(api_forum.token), status=422)
    for number in (b"1e400", b"-1e400"):
        api_forum.app.post("/api/v1/groups/partners/invitation-links",
                           b'{"days": ' + number + b"}", content_type="application/json",
                           headers=bearer(api_forum.token), status=400)


def test_the_document_declares_what_the_server_enforces(api_forum):
    document = api_forum.app.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    title = schemas["NewTopic"]["properties"]["title"]
    assert (title["minLength"], title["maxLength"]) == (3, 200)
    assert "\\u0000" in title["pattern"] and "\\u0000" in schemas["PostBody"][
        "properties"]["body"]["pattern"]
    users = document["paths"]["/api/v1/users"]["get"]["parameters"][0]["schema"]
    assert (users["minLength"], users["maxLength"]) == (1, 30)
    topics = document["paths"]["/api/v1/categories/{slug}/topics"]["get"]
    cursor = next(p for p in topics["parameters"] if p["name"] == "cursor")["schema"]
    assert cursor["pattern"] == "^[01]\\.[0-9]{1,17}\\.[0-9]{1,18}$"
    reply = document["paths"]["/api/v1/topics/{topic_id}/posts"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422", "429"} <= set(reply)
    assert "WWW-Authenticate" in reply["401"]["headers"]
