"""schemathesis against the real forum over HTTP: every operation of /api/v1/openapi.json, the
core's and the bundled plugins' (groups, ideas), as a member with a personal API token, in
every phase (examples, coverage, fuzzing, stateful) and with every check (server errors,
status codes, content types, headers and bodies as documented, schema-valid requests
accepted and schema-violating ones refused, 401 without credentials, 405 for other methods,
deleted resources gone...). Deterministic and bounded: a fixed seed, no example database, a
set number of examples per operation.

The regression tests below pin the defects this run found, one by one."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from forum_core.testing import check_api, whoosh_names_from_secrets
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

BUNDLED = ("groups", "ideas")
#: The query language of a search (phrases, exclusions, at most 12 words...) and its filters
#: that name a category or a member the caller may see are more than a JSON Schema can say:
#: a schema-valid search may still be refused with a 400 saying what to change. Every other
#: check runs on the search too, and tests/functional/test_search.py tests the language.
SEARCH_IS_A_LANGUAGE = {"search": {"checks": {"positive_data_acceptance": {"enabled": False}}}}


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
    failures = check_api(api_forum, api_forum.token, operations=SEARCH_IS_A_LANGUAGE)
    assert not failures, "\n\n".join(failures)
