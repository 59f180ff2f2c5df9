"""Knowledge base articles on the forum's machine-readable surfaces, on SQLite and
PostgreSQL: the core's search (and ``forum reindex``), the Atom feeds, the sitemap, and the
plugin's JSON API; a closed group's article reaches none of them from outside the group."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from fbhelpers import BACKENDS, OUTSIDERS, SECRET, api_headers, make_world
from forum_kb.models import Article
from sqlalchemy import select

from forum_core.testing import check_api, whoosh_names_from_secrets

PROBLEM = "application/problem+json"


@pytest.fixture(params=BACKENDS)
def world(request, make_forum):
    return make_world(make_forum, request.param)


def found(browser, **params) -> list[str]:
    """The addresses of the results of the core's search page."""
    page = browser.app.get("/search", params=params)
    return [a["href"] for a in page.html.select(".search-results a.listing-title")]


def test_published_articles_are_found_by_the_core_search(world):
    forum = world.forum
    visitor = forum.browser()
    assert found(visitor, q="harbour") == [f"/kb/a/{world.public}/export-your-data"]
    assert found(visitor, q="harbour", type="kb_article") == \
        [f"/kb/a/{world.public}/export-your-data"]
    api = visitor.app.get("/api/v1/search", params={"q": "harbour"}).json
    assert api["total"] == 1
    # the group's article (it says "harbour" too) is found by the group's members only
    rita = forum.browser("rita")
    assert sorted(found(rita, q="harbour")) == sorted(
        [f"/kb/a/{world.public}/export-your-data", f"/kb/a/{world.hidden}/rebate-table-"
         f"{SECRET.lower()}"])
    for who in OUTSIDERS:
        browser = forum.browser(who)
        for params in ({"q": SECRET}, {"q": SECRET, "type": "kb_article"}, {"q": "harbour"},
                       {"q": "ten percent"}):
            page = browser.app.get("/search", params=params)
            results = page.html.select_one(".search-results")
            shown = results.text if results is not None else ""
            assert SECRET not in shown and "Rebate" not in shown, (who, params)
            assert "Rebate" not in page.text, (who, params)
            items = str(browser.app.get("/api/v1/search", params=params).json["items"])
            assert SECRET not in items and "Rebate" not in items, (who, params)
        assert found(browser, q=SECRET) == []
        assert browser.app.get("/api/v1/search", params={"q": SECRET}).json["total"] == 0


def test_drafts_are_never_searched_until_published(world):
    forum = world.forum
    with forum.session() as session:
        mod = world.kb(session, "mod")
        draft = mod.create_article(mod.section_by_id(world.guides), "Quokka care",
                                   "Feed the quokka twice a day.")
        draft_id = draft.id
    for who in (None, "mod", "ada"):  # not even those who may read the draft
        assert found(forum.browser(who), q="quokka") == [], who
    with forum.session() as session:
        mod = world.kb(session, "mod")
        mod.publish(mod.article(draft_id))
    assert found(forum.browser(), q="quokka") == [f"/kb/a/{draft_id}/quokka-care"]
    # a new draft revision of a published article changes nothing the search shows
    with forum.session() as session:
        mod = world.kb(session, "mod")
        article = mod.article(draft_id)
        mod.save(article, article.latest_revision_id, "Quokka care", "Wombat words only.")
    assert found(forum.browser(), q="wombat") == []
    assert found(forum.browser(), q="quokka") == [f"/kb/a/{draft_id}/quokka-care"]


def test_a_section_moved_into_a_groups_space_leaves_the_search(world):
    forum = world.forum
    with forum.session() as session:
        admin = world.kb(session, "ada")
        guides = admin.section_by_id(world.guides)
        space_id = admin.section_by_id(world.deals).space_id
        admin.save_section(guides, guides.name, space_id=space_id)
    assert found(forum.browser(), q="harbour") == []
    assert f"/kb/a/{world.public}/export-your-data" in found(forum.browser("rita"), q="harbour")


def test_reindex_takes_the_articles_from_the_registry(world, tmp_path):
    """``forum reindex``, as an owner runs it, indexes the published articles (the forum
    has no topics: the two documents are the two articles)."""
    forum = world.forum
    assert found(forum.browser(), q="harbour")  # (the app, and its index, exist)
    ini = tmp_path / "forum.ini"
    lines = "\n".join(f"{key} = {str(value).replace('%', '%%')}"
                      for key, value in forum.settings.items())
    ini.write_text(f"[app:main]\nuse = egg:forum-core\n{lines}\n")
    result = subprocess.run([str(Path(sys.executable).with_name("forum")), "reindex",
                             "--config", str(ini)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Indexed 2 documents" in result.stdout + result.stderr
    assert found(forum.browser(), q="harbour") == [f"/kb/a/{world.public}/export-your-data"]
    assert found(forum.browser(), q=SECRET) == []


def test_feeds_and_the_sitemap_list_published_articles_a_reader_may_see(world):
    forum = world.forum
    with forum.session() as session:
        mod = world.kb(session, "mod")
        mod.create_article(mod.section_by_id(world.guides), "Unfinished draft", "Soon.")
    latest = forum.browser().app.get("/latest.atom")
    assert "Export your data" in latest.text
    assert f"/kb/a/{world.public}/export-your-data" in latest.text
    assert SECRET not in latest.text and "Unfinished draft" not in latest.text
    for who in OUTSIDERS[1:]:
        assert SECRET not in forum.browser(who).app.get("/latest.atom").text, who
        assert forum.browser(who).app.get(f"/c/{world.space}/feed.atom",
                                          status="*").status_int == 404
    rita = forum.browser("rita")
    assert SECRET in rita.app.get("/latest.atom").text
    space_feed = rita.app.get(f"/c/{world.space}/feed.atom").text
    assert SECRET in space_feed and "Export your data" not in space_feed
    sitemap = forum.browser("rita").app.get("/sitemap.xml").text  # always a visitor's
    assert f"http://localhost/kb/a/{world.public}/export-your-data" in sitemap
    assert f"/kb/a/{world.hidden}/" not in sitemap and "unfinished-draft" not in sitemap


def test_the_json_api_reads_and_writes_articles(world):
    forum = world.forum
    app = forum.app
    mod, wanda = api_headers(forum, "mod"), api_headers(forum, "wanda")
    sections = app.get("/api/v1/kb/sections").json["items"]
    assert [(s["name"], s["depth"], s["article_count"]) for s in sections] == \
        [("Guides", 0, 1)]
    rita = api_headers(forum, "rita")
    assert {s["name"] for s in app.get("/api/v1/kb/sections", headers=rita).json["items"]} \
        == {"Guides", "Deal desk"}
    page = app.get(f"/api/v1/kb/sections/{world.guides}").json
    assert [a["title"] for a in page["articles"]] == ["Export your data"]
    assert page["trail"] == [{"id": world.guides, "name": "Guides", "slug": "guides"}]
    read = app.get(f"/api/v1/kb/articles/{world.public}").json
    assert (read["status"], read["title"], read["owner"]) == ("published", "Export your data",
                                                             "mod")
    assert [(h["level"], h["anchor"]) for h in read["toc"]] == [(2, "h-steps"),
                                                               (2, "h-afterwards")]
    assert 'id="h-steps"' in read["html"]
    assert read["source"] is None and read["latest_revision_id"] is None
    assert read["helpful_yes"] is None and read["can_edit"] is False
    as_owner = app.get(f"/api/v1/kb/articles/{world.public}", headers=mod).json
    assert as_owner["source"].startswith("## Steps") and as_owner["helpful_yes"] == 0

    created = app.post_json("/api/v1/kb/articles", {
        "section_id": world.guides, "title": "Import data", "body": "## One\n\nFirst words.",
        "note": "start"}, headers=mod, status=201).json
    new = created["id"]
    assert created["status"] == "draft" and created["revision"]["number"] == 1
    assert app.get(f"/api/v1/kb/articles/{new}", status=404).content_type == PROBLEM
    first = created["latest_revision_id"]
    saved = app.put_json(f"/api/v1/kb/articles/{new}", {
        "base_revision_id": first, "title": "Import data", "body": "## One\n\nSecond words.",
        "publish": True}, headers=mod).json
    assert saved["status"] == "published" and saved["revision"]["number"] == 2
    # published without a review date: due after forum.kb.review_days (365 by default)
    review_by = dt.datetime.fromisoformat(saved["review_by"])
    assert dt.timedelta(days=364) < review_by - dt.datetime.now(dt.UTC) <= dt.timedelta(days=365)
    conflict = app.put_json(f"/api/v1/kb/articles/{new}", {
        "base_revision_id": first, "title": "Import data", "body": "Stale words."},
        headers=mod, status=409)
    assert conflict.content_type == PROBLEM
    latest = {e["field"]: e["message"] for e in conflict.json["errors"]}
    assert latest["latest.number"] == "2" and latest["latest.body"] == "## One\n\nSecond words."
    assert latest["latest.id"] == str(saved["latest_revision_id"])
    revisions = app.get(f"/api/v1/kb/articles/{new}/revisions").json["items"]
    assert [(r["number"], r["published"], r["author"]) for r in revisions] == \
        [(2, True, "mod"), (1, False, "mod")]
    changes = app.get(f"/api/v1/kb/articles/{new}/diff?from=1&to=2").json["changes"]
    assert {"kind": "removed", "text": "First"} in changes
    assert {"kind": "added", "text": "Second"} in changes
    assert app.get(f"/api/v1/kb/articles/{new}/diff?from=1&to=7", status=404
                   ).content_type == PROBLEM
    assert app.get(f"/api/v1/kb/articles/{new}/diff?from=one&to=2", status=400
                   ).content_type == PROBLEM
    assert app.get(f"/api/v1/kb/sections/{world.guides}?sort=best", status=400)

    answer = app.post_json(f"/api/v1/kb/articles/{new}/feedback",
                           {"helpful": True, "comment": "Clear."}, headers=wanda).json
    assert (answer["helpful"], answer["comment"]) == (True, "Clear.")
    assert app.get(f"/api/v1/kb/articles/{new}", headers=mod).json["helpful_yes"] == 1
    # refusals, each as a problem document of its kind
    assert app.post_json("/api/v1/kb/articles", {
        "section_id": world.guides, "title": "Mine", "body": "Text"}, headers=wanda,
        status=403).content_type == PROBLEM
    assert app.post_json("/api/v1/kb/articles", {
        "section_id": world.guides, "title": "   ", "body": "Text"}, headers=mod,
        status=422).content_type == PROBLEM
    assert app.post_json("/api/v1/kb/articles", {
        "section_id": world.guides, "title": "Publish it", "body": "Text", "publish": True},
        headers=api_headers(forum, "otto"), status=403)
    assert app.post_json("/api/v1/kb/articles", {
        "section_id": world.guides, "title": "Anonymous", "body": "Text"},
        status="*").status_int in (400, 401)
    assert app.post_json(f"/api/v1/kb/articles/{new}/feedback", {"helpful": "maybe"},
                         headers=wanda, status=422).content_type == PROBLEM
    doc = app.get("/api/v1/openapi.json").json
    assert {"/api/v1/kb/sections", "/api/v1/kb/sections/{section_id}", "/api/v1/kb/articles",
            "/api/v1/kb/articles/{article_id}", "/api/v1/kb/articles/{article_id}/revisions",
            "/api/v1/kb/articles/{article_id}/diff",
            "/api/v1/kb/articles/{article_id}/feedback"} <= set(doc["paths"])
    assert doc["paths"]["/api/v1/kb/articles/{article_id}"]["put"]["tags"] == ["kb"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_api_hides_a_closed_groups_articles(world, who):
    forum = world.forum
    app = forum.app
    headers = api_headers(forum, who) if who else {}
    listed = app.get("/api/v1/kb/sections", headers=headers)
    assert "Deal desk" not in listed.text
    for url in (f"/api/v1/kb/sections/{world.deals}", f"/api/v1/kb/articles/{world.hidden}",
                f"/api/v1/kb/articles/{world.hidden}/revisions",
                f"/api/v1/kb/articles/{world.hidden}/diff?from=1&to=1"):
        response = app.get(url, headers=headers, status=404)
        assert response.content_type == PROBLEM and SECRET not in response.text, url
    with forum.session() as session:
        base = session.scalar(select(Article.latest_revision_id)
                              .where(Article.id == world.hidden))
    if who:
        for method, url, body in (
                ("put", f"/api/v1/kb/articles/{world.hidden}",
                 {"base_revision_id": base, "title": "Taken over", "body": "Mine now"}),
                ("post", f"/api/v1/kb/articles/{world.hidden}/feedback", {"helpful": False}),
                ("post", "/api/v1/kb/articles", {"section_id": world.deals, "title": "Sneak",
                                                 "body": "In"})):
            response = getattr(app, f"{method}_json")(url, body, headers=headers, status=404)
            assert SECRET not in response.text, url
    with forum.session() as session:
        article = session.get(Article, world.hidden)
        assert article.latest_revision_id == base and article.helpful_no == 0
    # the group's members read it
    rita = api_headers(forum, "rita")
    assert SECRET in app.get(f"/api/v1/kb/articles/{world.hidden}", headers=rita).json["title"]


def test_the_kb_api_keeps_to_its_openapi_document(make_forum, monkeypatch):
    """schemathesis over the knowledge base's endpoints, every phase and check, as a
    moderator who may write, edit and publish in the open section."""
    whoosh_names_from_secrets(monkeypatch)
    world = make_world(make_forum, False)
    token = world.forum.api_token("mod")
    failures = check_api(world.forum, token, tags=("kb",), max_examples=15)
    assert not failures, "\n\n".join(failures)


def test_restoring_publishing_and_moving_sections_through_the_api(world):
    forum, app = world.forum, world.forum.app
    mod, wanda, ada = (api_headers(forum, name) for name in ("mod", "wanda", "ada"))
    article = app.get(f"/api/v1/kb/articles/{world.public}", headers=mod).json
    app.put_json(f"/api/v1/kb/articles/{world.public}", {
        "base_revision_id": article["latest_revision_id"], "title": "Export your data",
        "body": "## Steps\n\nNew words."}, headers=mod)
    draft = app.get(f"/api/v1/kb/articles/{world.public}", headers=mod).json
    assert draft["revision"]["number"] == 1, "readers still get the published revision"
    published = app.post_json(f"/api/v1/kb/articles/{world.public}/publish", {},
                              headers=mod).json
    assert published["revision"]["number"] == 2
    assert "New words" in app.get(f"/api/v1/kb/articles/{world.public}").json["html"]
    # restoring is for the section's editors: a member gets a problem document
    refused = app.post_json(f"/api/v1/kb/articles/{world.public}/restore", {"number": 1},
                            headers=wanda, status=403)
    assert refused.content_type == PROBLEM and "editors" in refused.json["detail"]
    restored = app.post_json(f"/api/v1/kb/articles/{world.public}/restore", {"number": 1},
                             headers=mod).json
    assert restored["revision"]["number"] == 3
    assert "New words" not in app.get(f"/api/v1/kb/articles/{world.public}").json["html"]
    assert app.post_json(f"/api/v1/kb/articles/{world.public}/restore", {"number": 9},
                         headers=mod, status=404).content_type == PROBLEM
    # sections: a circular move is refused with what to change, and only admins move them
    with forum.session() as session:
        below = world.kb(session, "ada").save_section(None, "Exports", parent_id=world.guides)
        below_id = below.id
    circular = app.put_json(f"/api/v1/kb/sections/{world.guides}",
                            {"name": "Guides", "parent_id": below_id}, headers=ada, status=422)
    assert circular.content_type == PROBLEM and "under itself" in circular.json["detail"]
    assert app.put_json(f"/api/v1/kb/sections/{below_id}", {"name": "Exports"},
                        headers=mod, status=403).content_type == PROBLEM
    moved = app.put_json(f"/api/v1/kb/sections/{below_id}",
                         {"name": "Data exports", "parent_id": None}, headers=ada).json
    assert (moved["name"], moved["parent_id"]) == ("Data exports", None)
