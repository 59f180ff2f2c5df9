"""Drafts through the real app: the JSON API (/api/v1/drafts), the forms without JavaScript
("Save draft", "Discard draft", pre-filled on return), discarded with the post in the same
transaction whichever way it was posted, never shown for a place the member cannot see; and
the member's keyboard shortcuts preference."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.content.models import Category, Post, Topic
from forum_core.drafts.models import Draft
from forum_core.drafts.services import DRAFTS_MAX
from forum_core.limits import BODY_MAX
from tests.functional.test_discussions import make_category, make_topic, topic_path
from tests.functional.test_moderation import reply_as

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def problem(response, status):
    assert response.status_int == status
    assert response.content_type == "application/problem+json"
    return response.json


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    forum = make_forum(postgres=request.param)
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    forum.topic_id = make_topic(forum, "nils", "general", "Exporting data", "How?")
    forum.token = forum.api_token("mira")
    return forum


def drafts_of(forum, username):
    from forum_core.accounts.models import User

    with forum.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        return {d.key: (d.title, d.body) for d in session.scalars(
            select(Draft).where(Draft.user_id == user_id))}


def category_id(forum, slug):
    with forum.session() as session:
        return session.scalar(select(Category.id).where(Category.slug == slug))


def test_a_draft_is_saved_read_listed_replaced_and_discarded_through_the_api(board):
    api, headers = board.app, bearer(board.token)
    key = f"topic-{board.topic_id}"
    problem(api.get(f"/api/v1/drafts/{key}", headers=headers, status=404), 404)
    saved = api.put_json(f"/api/v1/drafts/{key}", {"body": "Half a *reply*"},
                         headers=headers).json
    assert (saved["key"], saved["body"], saved["title"]) == (key, "Half a *reply*", "")
    assert saved["updated_at"].endswith("Z")
    # saving again replaces it: one draft per place
    api.put_json(f"/api/v1/drafts/{key}", {"body": "The whole reply"}, headers=headers)
    assert api.get(f"/api/v1/drafts/{key}", headers=headers).json["body"] == "The whole reply"
    new_key = f"new-topic-{category_id(board, 'general')}"
    api.put_json(f"/api/v1/drafts/{new_key}", {"title": "An idea", "body": ""},
                 headers=headers)
    listed = api.get("/api/v1/drafts", headers=headers).json
    assert [(d["key"], d["title"]) for d in listed["items"]] == [(new_key, "An idea"),
                                                                 (key, "")]
    assert listed["links"]["next"] is None
    # the title is kept for a new topic only
    assert api.put_json(f"/api/v1/drafts/{key}", {"title": "No", "body": "x"},
                        headers=headers).json["title"] == ""
    # another member sees none of them
    assert api.get("/api/v1/drafts", headers=bearer(board.api_token("nils"))).json[
        "items"] == []
    api.delete(f"/api/v1/drafts/{key}", headers=headers, status=204)
    api.delete(f"/api/v1/drafts/{key}", headers=headers, status=204)  # gone: still done
    problem(api.get(f"/api/v1/drafts/{key}", headers=headers, status=404), 404)
    assert set(drafts_of(board, "mira")) == {new_key}


def test_bad_keys_limits_and_hidden_places_are_refused_with_problems(board):
    api, headers = board.app, bearer(board.token)
    for bad in ("topic", "topic-0", "topic-x", "reply-1", "topic-1-2", "new-topic-",
                "topic-" + "9" * 19):
        body = problem(api.put_json(f"/api/v1/drafts/{bad}", {"body": "x"}, headers=headers,
                                    status=400), 400)
        assert "topic-<topic id>" in body["detail"]
        problem(api.get(f"/api/v1/drafts/{bad}", headers=headers, status=400), 400)
    key = f"topic-{board.topic_id}"
    too_long = problem(api.put_json(f"/api/v1/drafts/{key}", {"body": "x" * (BODY_MAX + 1)},
                                    headers=headers, status=422), 422)
    assert too_long["errors"][0]["field"] == "body"
    controls = problem(api.put_json(f"/api/v1/drafts/{key}", {"body": "a\x00b"},
                                    headers=headers, status=422), 422)
    assert "control characters" in controls["detail"]
    problem(api.put_json(f"/api/v1/drafts/{key}", {"text": "x"}, headers=headers,
                         status=422), 422)
    title = problem(api.put_json(f"/api/v1/drafts/{key}", {"body": "", "title": "a\u0084"},
                                 headers=headers, status=422), 422)
    assert "control characters" in title["detail"]
    # places that do not exist or that the member may not see: not found, alike
    staff_topic = make_topic(board, "mod", "staff", "Staff matters", "Secret")
    for hidden in (f"topic-{staff_topic}", "topic-999999",
                   f"new-topic-{category_id(board, 'staff')}", "post-999999"):
        problem(api.put_json(f"/api/v1/drafts/{hidden}", {"body": "x"}, headers=headers,
                             status=404), 404)
    assert drafts_of(board, "mira") == {}
    # only members have drafts
    problem(api.get("/api/v1/drafts", status=401), 401)
    problem(api.put_json(f"/api/v1/drafts/{key}", {"body": "x"}, status=401), 401)


def test_a_member_keeps_at_most_so_many_drafts(board):
    headers = bearer(board.token)
    with board.session() as session:
        from forum_core.accounts.models import User

        mira = session.scalar(select(User.id).where(User.username == "mira"))
        session.add_all([Draft(user_id=mira, key=f"topic-{1000 + n}", body="old")
                         for n in range(DRAFTS_MAX)])
    body = problem(board.app.put_json(f"/api/v1/drafts/topic-{board.topic_id}",
                                      {"body": "one more"}, headers=headers, status=409), 409)
    assert str(DRAFTS_MAX) in body["detail"]


def test_the_reply_box_is_filled_from_the_draft_and_posting_discards_it(board):
    board.login("mira")
    path = topic_path(board, board.topic_id)
    box = board.app.get(path).forms["reply-form"]
    assert box["body"].value == ""
    assert "hidden" in box.html.find("button", class_="draft-discard").attrs  # no draft yet
    # without JavaScript: "Save draft" posts the form and comes back to it
    box["body"] = "Export with **CSV**"
    saved = box.submit("draft", index=0)
    assert saved.status_int == 303
    page = saved.follow()
    assert "Your draft is saved" in page.text
    assert page.forms["post-form"]["body"].value == "Export with **CSV**"
    # the topic page's reply box has it too, with the button to discard it
    box = board.app.get(path).forms["reply-form"]
    assert box["body"].value == "Export with **CSV**"
    assert "hidden" not in box.html.find("button", class_="draft-discard").attrs
    # posting the reply discards the draft with it
    box.submit().follow()
    assert drafts_of(board, "mira") == {}
    assert board.app.get(path).forms["reply-form"]["body"].value == ""


def test_a_quote_asked_for_is_added_to_the_draft(board):
    board.login("mira")
    reply_id = reply_as(board, "nils", board.topic_id, "Use the **export** page.")
    board.app.put_json(f"/api/v1/drafts/topic-{board.topic_id}", {"body": "My draft"},
                       headers={"X-CSRF-Token": board.csrf_token()})
    page = board.app.get(topic_path(board, board.topic_id) + f"/reply?quote={reply_id}")
    assert page.forms["post-form"]["body"].value == (
        f"My draft\n\n[quote post={reply_id} user=nils]\nUse the **export** page.\n[/quote]\n\n")


def test_discard_draft_without_javascript(board):
    board.login("mira")
    reply_page = topic_path(board, board.topic_id) + "/reply"
    form = board.app.get(reply_page).forms["post-form"]
    form["body"] = "Never mind"
    form.submit("draft", index=0).follow()
    form = board.app.get(reply_page).forms["post-form"]
    page = form.submit("draft", index=1).follow()
    assert "The draft was discarded." in page.text
    assert page.forms["post-form"]["body"].value == ""
    assert drafts_of(board, "mira") == {}


def test_the_inline_reply_through_the_api_discards_the_draft(board):
    board.login("mira")
    csrf = {"X-CSRF-Token": board.csrf_token()}
    key = f"topic-{board.topic_id}"
    board.app.put_json(f"/api/v1/drafts/{key}", {"body": "Inline"}, headers=csrf)
    other = make_topic(board, "nils", "general", "Another topic", "Hi")
    board.app.put_json(f"/api/v1/drafts/topic-{other}", {"body": "Kept"}, headers=csrf)
    board.app.post_json(f"/api/v1/topics/{board.topic_id}/posts", {"body": "Inline"},
                        headers=csrf, status=201)
    assert drafts_of(board, "mira") == {f"topic-{other}": ("", "Kept")}


def test_a_refused_reply_keeps_the_draft(board):
    board.login("mira")
    csrf = {"X-CSRF-Token": board.csrf_token()}
    key = f"topic-{board.topic_id}"
    board.app.put_json(f"/api/v1/drafts/{key}", {"body": "Draft"}, headers=csrf)
    board.app.post_json(f"/api/v1/topics/{board.topic_id}/posts", {"body": "x" * 40_000},
                        headers=csrf, status=422)
    assert key in drafts_of(board, "mira")


def test_a_new_topic_form_keeps_its_draft_per_category_until_the_topic_is_made(board):
    board.login("mira")
    form = board.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "Dark mode please", ""
    form.submit("draft", index=0).follow()
    general = f"new-topic-{category_id(board, 'general')}"
    assert drafts_of(board, "mira") == {general: ("Dark mode please", "")}
    form = board.app.get("/c/general/new").forms["post-form"]
    assert (form["title"].value, form["body"].value) == ("Dark mode please", "")
    form["body"] = "It is easier on the eyes."
    topic_page = form.submit().follow()
    assert topic_page.html.find("h1").text == "Dark mode please"
    assert drafts_of(board, "mira") == {}
    # a draft that is over the limits is refused like a post, and the text is kept
    form = board.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "Long", "y" * (BODY_MAX + 1)
    refused = form.submit("draft", index=0, status=400)
    assert refused.html.find(class_="form-error").text == (
        f"A post has at most {BODY_MAX} characters.")
    assert refused.forms["post-form"]["title"].value == "Long"


def test_a_change_of_a_post_has_its_draft(board):
    board.login("nils")
    with board.session() as session:
        post_id = session.scalar(select(Post.id).where(Post.topic_id == board.topic_id))
    form = board.app.get(f"/p/{post_id}/edit").forms["post-form"]
    assert form["body"].value == "How?"
    form["body"] = "How do I export?"
    form.submit("draft", index=0).follow()
    form = board.app.get(f"/p/{post_id}/edit").forms["post-form"]
    assert form["body"].value == "How do I export?"
    form.submit().follow()
    assert drafts_of(board, "nils") == {}


def test_a_draft_of_a_topic_the_member_can_no_longer_see_is_never_shown(board):
    board.login("mira")
    csrf = {"X-CSRF-Token": board.csrf_token()}
    key = f"topic-{board.topic_id}"
    board.app.put_json(f"/api/v1/drafts/{key}", {"body": "About the secret plan"},
                       headers=csrf)
    with board.session() as session:  # the topic moves where mira cannot read
        topic = session.get(Topic, board.topic_id)
        topic.category_id = session.scalar(select(Category.id).where(Category.slug == "staff"))
    problem(board.app.get(f"/api/v1/drafts/{key}", headers=csrf, status=404), 404)
    assert board.app.get("/api/v1/drafts").json["items"] == []
    board.app.get(topic_path(board, board.topic_id), status=404)
    assert "secret plan" not in board.app.get("/c/general").text
    assert key in drafts_of(board, "mira")  # kept: shown again if the topic comes back


def test_keyboard_shortcuts_can_be_switched_off_on_the_account_page(board):
    board.login("mira")
    page = board.app.get("/")
    assert page.html.find(id="shortcuts")["data-enabled"] == "true"
    form = board.app.get("/account").forms["shortcuts-form"]
    assert form["keyboard_shortcuts"].checked
    form["keyboard_shortcuts"] = False
    saved = form.submit()
    assert "Your keyboard shortcuts were saved." in saved.text
    assert not saved.forms["shortcuts-form"]["keyboard_shortcuts"].checked
    assert board.app.get("/").html.find(id="shortcuts")["data-enabled"] == "false"
    form = board.app.get("/account").forms["shortcuts-form"]
    form["keyboard_shortcuts"] = True
    form.submit()
    assert board.app.get("/").html.find(id="shortcuts")["data-enabled"] == "true"
    # visitors have them (and switch them off in their browser)
    visitor = board.browser().app.get("/").html.find(id="shortcuts")
    assert (visitor["data-enabled"], visitor["data-member"]) == ("true", "false")
    # the dialog is drawn once per language and kind of reader: each gets their own
    dutch = board.browser().app.get("/", headers={"Accept-Language": "nl"}).html
    assert dutch.find(id="shortcuts-title").text == "Sneltoetsen"
    assert visitor.find(id="shortcuts-title").text == "Keyboard shortcuts"
    assert "account" not in visitor.find(id="shortcuts-dialog").text


def test_saving_the_same_draft_from_many_tabs_at_once_leaves_one_draft(board):
    """Two tabs of one member saving the same place at once: one row, the text of one of
    them, and no failed save (the insert and the update are one statement)."""
    from forum_core.accounts.models import User
    from forum_core.db import make_session_factory, open_session
    from forum_core.drafts.services import DatabaseDraftService
    from forum_core.testing import run_together
    from forum_core.visibility import Viewer

    sessions = make_session_factory(board.engine, write=True)
    key = f"topic-{board.topic_id}"

    def save(index: int) -> None:
        for n in range(5):
            session = open_session(sessions, board.env.registries)
            try:
                user = session.scalar(select(User).where(User.username == "mira"))
                DatabaseDraftService(session).save(
                    user, Viewer(user, frozenset({"system.Authenticated"})), key,
                    f"tab {index} text {n}")
                session.commit()
            finally:
                session.close()

    assert run_together(6, save, timeout=120) == []
    kept = drafts_of(board, "mira")
    assert list(kept) == [key]
    assert kept[key][1].endswith("text 4")


def test_a_member_who_leaves_a_closed_group_no_longer_sees_drafts_of_its_space(make_forum):
    """The groups plugin's visibility filter decides too: after leaving the group, the draft
    of a reply in its members-only space is neither listed, read nor written, and the new
    topic draft of the space is hidden as well."""
    forum = make_forum(plugins=["groups"])
    for name in ("owner", "mira"):
        forum.create_user(name)
    _group, space = forum.create_group("Partners", "owner", members=["mira"],
                                       space="Partners space")
    topic = make_topic(forum, "owner", space, "ZEBRA-PARTNER-PLAN", "Between partners")
    mira = forum.browser("mira")
    csrf = {"X-CSRF-Token": mira.csrf_token()}
    mira.app.put_json(f"/api/v1/drafts/topic-{topic}", {"body": "ZEBRA-DRAFT reply"},
                      headers=csrf)
    space_key = f"new-topic-{category_id(forum, space)}"
    mira.app.put_json(f"/api/v1/drafts/{space_key}", {"title": "ZEBRA-DRAFT topic",
                                                      "body": ""}, headers=csrf)
    assert len(mira.app.get("/api/v1/drafts").json["items"]) == 2
    mira.app.delete("/api/v1/groups/partners/membership", headers=csrf, status=204)
    assert mira.app.get("/api/v1/drafts").json["items"] == []
    for key in (f"topic-{topic}", space_key):
        problem(mira.app.get(f"/api/v1/drafts/{key}", status=404), 404)
        problem(mira.app.put_json(f"/api/v1/drafts/{key}", {"body": "more"}, headers=csrf,
                                  status=404), 404)
    for page in mira.crawl().values():
        assert "ZEBRA" not in page
