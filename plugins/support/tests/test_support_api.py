"""The support plugin's JSON API: reading, asking, accepting, claiming, marks, escalation,
the queue and the figures, every refusal as a problem document, and schemathesis over the
endpoints as a moderator."""

from __future__ import annotations

import pytest
from suphelpers import BACKENDS, ask, make_support, question_of

from forum_core.testing import check_api, whoosh_names_from_secrets

PROBLEM = "application/problem+json"


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_support(make_forum, postgres=request.param)


def bearer(forum, username):
    return {"Authorization": f"Bearer {forum.api_token(username)}"}


def test_ask_read_accept_and_take_back_through_the_api(forum):
    app = forum.app
    asker, helper, other = (bearer(forum, name) for name in ("asker", "helper", "other"))
    made = app.post_json("/api/v1/support/categories/help/questions",
                         {"title": "API question here", "body": "Asked by a script."},
                         headers=asker, status=201).json
    topic = made["id"]
    assert made["state"] == "open" and made["helpful"] is None
    assert app.post_json("/api/v1/topics", {"category": "help", "title": "Plain topic",
                                            "body": "Not through the plugin"},
                         headers=asker, status="*").status_int in (403, 404)
    reply = app.post_json(f"/api/v1/topics/{topic}/posts", {"body": "The answer."},
                          headers=helper, status=201).json["id"]
    assert app.get(f"/api/v1/support/questions/{topic}").json["state"] == "answered"
    refused = app.put_json(f"/api/v1/support/questions/{topic}/answer", {"post_id": reply},
                           headers=other, status=403)
    assert refused.content_type == PROBLEM and "Only the person who asked" in \
        refused.json["detail"]
    first = app.get(f"/api/v1/topics/{topic}/posts").json["items"][0]["id"]
    wrong = app.put_json(f"/api/v1/support/questions/{topic}/answer", {"post_id": first},
                         headers=asker, status=409)
    assert "question itself" in wrong.json["detail"]
    solved = app.put_json(f"/api/v1/support/questions/{topic}/answer", {"post_id": reply},
                          headers=asker).json
    assert solved["state"] == "solved" and solved["accepted_post_id"] == reply
    assert solved["answer_url"].endswith("#post-2")
    helped = app.put_json(f"/api/v1/support/questions/{topic}/helpful", {"helpful": True},
                          headers=asker).json
    assert helped["helpful"] is True
    assert "helpful" not in app.get(f"/api/v1/support/questions/{topic}",
                                    headers=other).json, "the asker's own answer"
    back = app.delete(f"/api/v1/support/questions/{topic}/answer", headers=asker).json
    assert back["state"] == "answered" and back["accepted_post_id"] is None
    listed = app.get("/api/v1/support/categories/help/questions?filter=unsolved").json
    assert [item["id"] for item in listed["items"]] == [topic]
    assert app.get("/api/v1/support/categories/help/questions?filter=x", status=400)
    assert app.get("/api/v1/support/categories/help/questions?cursor=x", status=400)
    assert app.get("/api/v1/support/categories/general/questions", status=404)
    assert app.get("/api/v1/support/questions/999999", status=404).content_type == PROBLEM
    assert [c["slug"] for c in app.get("/api/v1/support/categories").json["items"]] == \
        ["help"]


def test_staff_claim_mark_escalate_and_read_the_figures(forum):
    app = forum.app
    mod, mona, asker = (bearer(forum, name) for name in ("mod", "mona", "asker"))
    topic = ask(forum)
    for url in ("/api/v1/support/queue", "/api/v1/support/stats"):
        assert app.get(url, headers=asker, status=403).content_type == PROBLEM
        assert app.get(url, status=401).status_int == 401
    assert app.put_json(f"/api/v1/support/questions/{topic}/claim", {}, headers=asker,
                        status=403)
    claimed = app.put_json(f"/api/v1/support/questions/{topic}/claim", {}, headers=mod).json
    assert claimed["claimed_by"] == "mod"
    taken = app.put_json(f"/api/v1/support/questions/{topic}/claim", {}, headers=mona,
                         status=409)
    assert "mod is handling" in taken.json["detail"]
    queue = app.get("/api/v1/support/queue?show=mine", headers=mod).json["items"]
    assert [item["id"] for item in queue] == [topic]
    assert app.get("/api/v1/support/queue?show=x", headers=mod, status=400)
    marked = app.put_json(f"/api/v1/support/questions/{topic}/state",
                          {"state": "needs_info"}, headers=mod).json
    assert marked["state"] == "needs_info"
    assert app.put_json(f"/api/v1/support/questions/{topic}/state", {"state": "solved"},
                        headers=mod, status=422)
    moved = app.post_json(f"/api/v1/support/questions/{topic}/escalation",
                          {"message": "Send the invoice number, please."}, headers=mod,
                          status=201).json
    assert moved["escalated"] is True and moved["private_url"]
    assert app.post_json(f"/api/v1/support/questions/{topic}/escalation",
                         {"message": "Again"}, headers=mod, status=409)
    seen = app.get(f"/api/v1/support/questions/{topic}", headers=bearer(forum, "other")).json
    assert seen["escalated"] is True and seen["private_url"] is None
    assert app.get(f"/api/v1/support/questions/{topic}", headers=asker).json["private_url"]
    stats = app.get("/api/v1/support/stats?weeks=3", headers=mod).json
    (help_,) = stats["categories"]
    assert help_["slug"] == "help" and len(help_["weeks"]) == 3
    assert help_["weeks"][-1]["asked"] == 1
    assert app.get("/api/v1/support/stats?weeks=0", headers=mod, status=400)
    assert app.get("/api/v1/support/stats?category=general", headers=mod, status=404)
    assert question_of(forum, topic).state == "escalated"


def test_the_support_api_keeps_to_its_openapi_document(make_forum, monkeypatch):
    """schemathesis over the support endpoints, every phase and check, as a moderator (the
    staff's operations succeed; the core's test_api_schema runs them all as a member)."""
    whoosh_names_from_secrets(monkeypatch)
    forum = make_support(make_forum)
    topic = ask(forum)
    forum.reply("helper", topic, "An answer")
    failures = check_api(forum, forum.api_token("mod"), tags=("support",), max_examples=15)
    assert not failures, "\n\n".join(failures)
