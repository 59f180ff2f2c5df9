"""The knowledge base's pages through the real app (WebTest) on SQLite and PostgreSQL: who
sees which page, drafts, sorting, the feed, the table of contents, editing with history,
comparisons and restoring, edit conflicts between two browsers, bad input, the sections'
admin pages, and a closed group's section seen from outside."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree as ET

import pytest
from forum_kb.models import Article, Revision, Section
from kbhelpers import kb_as, make_kb
from sqlalchemy import select, update

from forum_core.api import Category, utcnow

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
ATOM = "{http://www.w3.org/2005/Atom}"
STEPS = "Intro words.\n\n## First steps\n\nOpen the page.\n\n## Next steps\n\nClick export."


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_kb(make_forum, postgres=request.param)


def guides(forum, **rights):
    """A public section "Guides" (members write drafts, moderators edit and publish) with a
    published article and a draft of wanda's; returns their ids."""
    with forum.session() as session:
        section = kb_as(forum, session, "ada").save_section(
            None, "Guides", "How to do things.",
            rights=rights or {"write": ["authenticated"], "edit": ["role:moderator"],
                              "publish": ["role:moderator"]})
        published = kb_as(forum, session, "mod").create_article(
            section, "Export data", STEPS, note="first", publish=True)
        writer = "wanda" if "authenticated" in rights.get("write", ["authenticated"]) else "mod"
        draft = kb_as(forum, session, writer).create_article(section, "Wandas secret tip",
                                                             "Try this.")
        return {"section": section.id, "published": published.id, "draft": draft.id}


def text_of(forum, article_id):
    with forum.session() as session:
        article = session.get(Article, article_id)
        latest = session.get(Revision, article.latest_revision_id)
        return latest.number, latest.title, latest.source


def main(page) -> str:
    """The page's main content (the navigation and footer left out)."""
    return str(page.html.find("main"))


# -- reading --------------------------------------------------------------------------------

def test_index_and_section_show_each_reader_what_they_may_see(forum):
    ids = guides(forum)
    visitor, rita, wanda, mod = (forum.browser(), forum.browser("rita"), forum.browser("wanda"),
                                 forum.browser("mod"))
    index = visitor.app.get("/kb/")
    assert "Guides" in main(index) and "How to do things." in main(index)
    assert "1 article" in main(index)
    search = index.html.find("form", class_="kb-search")
    assert search["action"] == "/kb/search" and search["method"] == "get"
    assert "/kb/stale" not in index.text and "/kb/stale" not in rita.app.get("/kb/").text
    assert "/kb/stale" in mod.app.get("/kb/").text, "editors are shown the review list"

    for who in (visitor, rita):
        page = who.app.get("/kb/s/guides")
        assert "Export data" in main(page) and "Wandas secret tip" not in page.text
        assert "Draft" not in main(page)
        assert page.html.find("link", type="application/atom+xml")["href"] == \
            "/kb/s/guides/feed.atom"
    assert "/kb/s/guides/new" not in visitor.app.get("/kb/s/guides").text
    assert "/kb/s/guides/new" in rita.app.get("/kb/s/guides").text, "members may write"
    for who in (wanda, mod):
        page = who.app.get("/kb/s/guides")
        draft = page.html.find("li", id=f"article-{ids['draft']}")
        assert draft is not None and "Draft" in draft.text
    assert "2 articles" in main(mod.app.get("/kb/"))
    for who in (visitor, rita):
        assert who.app.get(f"/kb/a/{ids['draft']}/wandas-secret-tip", status=404)
        assert who.app.get(f"/kb/a/{ids['draft']}", status=404)
    page = wanda.app.get(f"/kb/a/{ids['draft']}/wandas-secret-tip")
    assert "Draft" in page.html.find(class_="kb-draft-notice").text
    assert "/publish" not in page.text, "a writer does not publish"
    page = mod.app.get(f"/kb/a/{ids['draft']}/wandas-secret-tip")
    assert page.html.find("form", action=f"/kb/a/{ids['draft']}/publish") is not None
    assert mod.post_form(f"/kb/a/{ids['draft']}/publish").status_int == 303
    assert "Wandas secret tip" in visitor.app.get("/kb/s/guides").text


def test_sections_sort_by_title_update_and_helpfulness(forum):
    ids = guides(forum)
    with forum.session() as session:
        section = session.get(Section, ids["section"])
        mod = kb_as(forum, session, "mod")
        also = mod.create_article(section, "Account basics", "Words.", publish=True)
        session.execute(update(Article).where(Article.id == also.id).values(
            helpful_yes=5, updated_at=utcnow() - dt.timedelta(days=3)))
        session.execute(update(Article).where(Article.id == ids["published"]).values(
            helpful_yes=1, helpful_no=3, updated_at=utcnow() - dt.timedelta(days=1)))
    visitor = forum.browser()

    def titles(sort):
        page = visitor.app.get("/kb/s/guides", {"sort": sort} if sort else {})
        return [a.text for a in page.html.select(".kb-articles .listing-title")]

    assert titles(None) == titles("title") == ["Account basics", "Export data"]
    assert titles("updated") == ["Export data", "Account basics"]
    assert titles("helpful") == ["Account basics", "Export data"]
    page = visitor.app.get("/kb/s/guides?sort=updated")
    assert page.html.find("a", attrs={"aria-current": "true"}).text == "Recently updated"
    bad = visitor.app.get("/kb/s/guides?sort=random", status=400)
    assert "Unknown sort order" in bad.text and "Export data" not in main(bad)


def test_the_section_feed_lists_published_articles_only(forum):
    ids = guides(forum)
    with forum.session() as session:
        mod = kb_as(forum, session, "mod")
        article = session.get(Article, ids["published"])
        mod.save(article, article.latest_revision_id, "Export data", "Unpublished words.")
    for who in (forum.browser(), forum.browser("mod")):
        response = who.app.get("/kb/s/guides/feed.atom")
        assert response.content_type == "application/atom+xml"
        feed = ET.fromstring(response.body)
        assert feed.find(f"{ATOM}title").text == "New articles in Guides"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == ["Export data"]
        entry = entries[0]
        assert entry.find(f"{ATOM}link").get("href").endswith(
            f"/kb/a/{ids['published']}/export-data")
        assert "Click export." in entry.find(f"{ATOM}summary").text
        assert "Unpublished" not in response.text and "secret tip" not in response.text
    assert forum.browser().app.get("/kb/s/nowhere/feed.atom", status=404)
    aid = ids["published"]
    assert forum.browser().app.get(f"/kb/a/{aid}/v/2", status=404), "unpublished: hidden"
    assert "Unpublished words." not in forum.browser().app.get(f"/kb/a/{aid}/export-data")
    waiting = forum.browser("mod").app.get(f"/kb/a/{aid}/export-data")
    notice = waiting.html.find(class_="kb-pending-notice")
    assert "waiting to be published" in notice.text
    assert notice.find("form", action=f"/kb/a/{aid}/publish") is not None
    assert "not published yet" in forum.browser("mod").app.get(f"/kb/a/{aid}/v/2").text


def test_an_article_has_contents_review_dates_and_related_reading(forum):
    ids = guides(forum)
    forum.create_category("Help")
    forum.create_category("Staff room", read_access="moderators")
    public_topic = forum.create_topic("rita", "help", "How to export data to a file")
    staff_topic = forum.create_topic("mod", "staff-room", "Export data complaints")
    with forum.session() as session:
        section = session.get(Section, ids["section"])
        mod = kb_as(forum, session, "mod")
        other = mod.create_article(section, "Import data", "One heading only.\n\n## Only",
                                   publish=True, source_topic_id=staff_topic)
        article = session.get(Article, ids["published"])
        mod.set_review(article, article.owner_id, None, reviewed=True)
        session.execute(update(Article).where(Article.id == article.id).values(
            review_by=dt.datetime(2031, 5, 17, tzinfo=dt.UTC)))
    visitor = forum.browser()
    page = visitor.app.get(f"/kb/a/{ids['published']}/export-data")
    toc = page.html.find("nav", class_="kb-toc")
    assert [a["href"] for a in toc.find_all("a")] == ["#h-first-steps", "#h-next-steps"]
    body = page.html.find(class_="kb-body")
    assert body.find("h2", id="h-first-steps").text == "First steps"
    meta = page.html.find(class_="kb-meta").text
    assert "Review by: 2031-05-17" in " ".join(meta.split())
    assert "Last reviewed: not yet" not in " ".join(meta.split())
    assert "Owner: mod" in " ".join(meta.split())
    related = page.html.find("section", attrs={"aria-labelledby": "kb-related-heading"})
    assert [a.text for a in related.find_all("a")] == ["Import data"], "no draft, not itself"
    discussions = page.html.find("section", attrs={"aria-labelledby": "kb-discussions-heading"})
    links = [a.text for a in discussions.find_all("a")]
    assert "How to export data to a file" in links
    assert "Export data complaints" not in page.text, "a staff topic stays hidden"
    assert f"/t/{public_topic}/" in str(discussions)
    assert "/edit" not in main(page) and f"/kb/a/{ids['published']}/history" in page.text
    assert page.html.find("link", rel="canonical")["href"].endswith(
        f"/kb/a/{ids['published']}/export-data")

    one = visitor.app.get(f"/kb/a/{other.id}/import-data")
    assert one.html.find("nav", class_="kb-toc") is None, "one heading: no contents"
    assert "Made from the discussion" not in one.text
    staff = forum.browser("mod").app.get(f"/kb/a/{other.id}/import-data")
    source = staff.html.find(class_="kb-source")
    assert "Made from the discussion" in source.text and "Export data complaints" in source.text
    assert "/edit" in main(staff)

    moved = visitor.app.get(f"/kb/a/{ids['published']}/old-title", status=301)
    assert moved.location.endswith(f"/kb/a/{ids['published']}/export-data")
    short = visitor.app.get(f"/kb/a/{ids['published']}", status=301)
    assert short.location.endswith(f"/kb/a/{ids['published']}/export-data")
    for url in ("/kb/a/999999/x", "/kb/a/abc/x", "/kb/a/999999", "/kb/s/nowhere"):
        assert visitor.app.get(url, status=404)


def test_edit_history_compare_and_restore(forum):
    ids = guides(forum)
    aid = ids["published"]
    mod = forum.browser("mod")
    form = mod.app.get(f"/kb/a/{aid}/edit").forms["kb-form"]
    assert form["title"].value == "Export data" and form["body"].value == STEPS
    form["title"] = "Export your data"
    form["body"] = STEPS.replace("Click export.", "Click the export button.")
    form["note"] = "clearer"
    saved = form.submit("action", value="publish")
    assert saved.status_int == 303
    page = saved.follow()
    assert page.request.path == f"/kb/a/{aid}/export-your-data"
    assert "Click the export button." in page.text

    history = forum.browser().app.get(f"/kb/a/{aid}/history")
    rows = history.html.select("table.kb-history tbody tr")
    assert [r["id"] for r in rows] == ["version-2", "version-1"]
    assert "clearer" in rows[0].text and "Published" in rows[0].text
    assert "Restore" not in main(history), "visitors restore nothing"
    compare = history.html.find("form", class_="kb-compare")
    assert compare["action"] == f"/kb/a/{aid}/diff" and compare["method"] == "get"

    diff = forum.browser().app.get(f"/kb/a/{aid}/diff", {"from": "1", "to": "2"})
    text = diff.html.find("pre", class_="kb-diff")
    assert [d.text for d in text.find_all("del")] == ["export."]
    assert [i.text for i in text.find_all("ins")] == ["the export button."]
    title = diff.html.find(class_="kb-diff-title")
    assert "your" in title.find("ins").text

    old = forum.browser().app.get(f"/kb/a/{aid}/v/1")
    assert "This is an old version" in old.text and "Click export." in main(old)
    assert old.html.find("a", string="Read the current version")["href"] == \
        f"/kb/a/{aid}/export-your-data"

    history = mod.app.get(f"/kb/a/{aid}/history")
    restore = history.html.find("form", action=f"/kb/a/{aid}/restore")
    assert restore.find("input", attrs={"name": "number"})["value"] == "1"
    restored = mod.post_form(f"/kb/a/{aid}/restore", number="1")
    assert restored.status_int == 303
    assert text_of(forum, aid) == (3, "Export data", STEPS)
    history = forum.browser().app.get(f"/kb/a/{aid}/history")
    assert "restored from #1" in history.html.find("tr", id="version-3").text
    assert "Click export." in forum.browser().app.get(f"/kb/a/{aid}").follow().text


def test_an_edit_conflict_between_two_browsers_overwrites_nothing(forum):
    ids = guides(forum)
    aid = ids["published"]
    mod, ada = forum.browser("mod"), forum.browser("ada")
    first = mod.app.get(f"/kb/a/{aid}/edit").forms["kb-form"]
    second = ada.app.get(f"/kb/a/{aid}/edit").forms["kb-form"]
    assert first["base_revision"].value == second["base_revision"].value
    first["body"] = STEPS + "\n\nMods line."
    assert first.submit("action", value="save").status_int == 303
    second["body"] = STEPS + "\n\nAdas line."
    second["title"] = "Export it all"
    conflict = second.submit("action", value="save", status=409)
    assert "saved a newer version" in conflict.html.find(class_="form-error").text
    assert "mod" in conflict.html.find(class_="form-error").text
    theirs = conflict.html.find(class_="kb-conflict")
    assert "Mods line." in theirs.find("pre", class_="kb-their-text").text
    shown = theirs.find("pre", class_="kb-diff")
    assert (shown.find("del").text, shown.find("ins").text) == ("Mods", "Adas")
    assert conflict.html.find(class_="kb-diff-title").find("ins") is not None
    number, title, source = text_of(forum, aid)
    assert (number, title, source) == (2, "Export data", STEPS + "\n\nMods line."), \
        "nothing of the second save was written"
    with forum.session() as session:
        mods_revision = session.scalar(select(Revision.id).where(Revision.article_id == aid,
                                                                 Revision.number == 2))
    again = conflict.forms["kb-form"]
    assert again["body"].value == STEPS + "\n\nAdas line." and again["title"].value == \
        "Export it all"
    assert again["base_revision"].value == str(mods_revision)
    again["body"] = STEPS + "\n\nMods line.\n\nAdas line."
    assert again.submit("action", value="save").status_int == 303
    assert text_of(forum, aid) == (3, "Export it all", STEPS + "\n\nMods line.\n\nAdas line.")


def test_writing_a_new_article_as_writer_and_as_publisher(forum):
    guides(forum)
    wanda, mod = forum.browser("wanda"), forum.browser("mod")
    page = wanda.app.get("/kb/s/guides/new")
    form = page.forms["kb-form"]
    assert [b.get("value") for b in page.html.select("#kb-form button")] == ["save"], \
        "no Publish button for a writer"
    form["title"], form["body"], form["note"] = "Printing", "## How\n\nPress print.", "new"
    created = form.submit("action", value="save")
    assert created.status_int == 303
    draft_page = created.follow()
    assert "Draft" in draft_page.html.find(class_="kb-draft-notice").text
    assert forum.browser("rita").app.get(draft_page.request.path, status=404)
    publish = mod.post_form("/kb/s/guides/new", title="Scanning", body="Use the scanner.",
                            note="", action="publish")
    assert publish.status_int == 303
    assert "Scanning" in forum.browser().app.get("/kb/s/guides").text
    assert "Printing" not in forum.browser().app.get("/kb/s/guides").text
    refused = wanda.post_form("/kb/s/guides/new", title="Sneaky", body="Text", action="publish")
    assert refused.status_int == 403 and "publishers" in refused.html.find(class_="form-error").text
    assert refused.forms["kb-form"]["body"].value == "Text", "the typed text is kept"
    with forum.session() as session:
        assert session.scalar(select(Article.id).where(Article.title == "Sneaky")) is None


def test_writing_is_refused_to_those_without_rights(forum):
    ids = guides(forum, write=[], edit=["role:moderator"], publish=["role:moderator"])
    rita, visitor = forum.browser("rita"), forum.browser()
    assert "/new" not in rita.app.get("/kb/s/guides").text
    refused = rita.app.get("/kb/s/guides/new", status=403)
    assert "You may not write articles in this section." in refused.text
    assert rita.post_form("/kb/s/guides/new", title="Mine", body="Text").status_int == 403
    assert visitor.app.get("/kb/s/guides/new", status=403)
    aid = ids["published"]
    assert rita.app.get(f"/kb/a/{aid}/edit", status=403)
    assert rita.post_form(f"/kb/a/{aid}/edit", base_revision="1", title="Mine",
                          body="Gone").status_int == 403
    assert rita.post_form(f"/kb/a/{aid}/restore", number="1").status_int == 403
    assert rita.post_form(f"/kb/a/{aid}/publish").status_int == 403
    assert rita.post_form(f"/kb/a/{aid}/review", owner="rita").status_int == 403
    assert visitor.post_form(f"/kb/a/{aid}/restore", number="1").status_int == 403
    assert text_of(forum, aid) == (1, "Export data", STEPS)


def test_bad_input_is_refused_with_a_message_and_the_text_kept(forum):
    ids = guides(forum)
    aid = ids["published"]
    mod = forum.browser("mod")
    spaces = mod.post_form("/kb/s/guides/new", title="     ", body="My careful words",
                           action="save")
    assert spaces.status_int == 400
    assert "not only spaces" in spaces.html.find(class_="form-error").text
    assert spaces.forms["kb-form"]["body"].value == "My careful words"
    long_text = "word " * 6401
    assert len(long_text) > 32_000
    too_long = mod.post_form("/kb/s/guides/new", title="Long", body=long_text, action="save")
    assert too_long.status_int == 400 and too_long.html.find(class_="form-error").text
    assert too_long.forms["kb-form"]["title"].value == "Long"
    edit = mod.post_form(f"/kb/a/{aid}/edit", base_revision="", title="Export data", body="x")
    assert edit.status_int == 400
    with forum.session() as session:
        assert session.scalar(select(Article.id).where(Article.title == "Long")) is None
    assert text_of(forum, aid)[0] == 1

    visitor = forum.browser()
    for query, status in (({}, 400), ({"from": "1"}, 400), ({"from": "a", "to": "1"}, 400),
                          ({"from": "-1", "to": "1"}, 400), ({"from": "1", "to": "99"}, 404),
                          ({"from": "1", "to": "1"}, 200)):
        page = visitor.app.get(f"/kb/a/{aid}/diff", query, status=status)
        if status != 200:
            assert page.html.find(class_="form-error").text.strip()
    # the draft's revision number 1 belongs to another article: not a version of this one
    with forum.session() as session:
        kb_as(forum, session, "mod").save(session.get(Article, ids["draft"]), session.scalar(
            select(Article.latest_revision_id).where(Article.id == ids["draft"])), "Tip 2",
            "More words.")
    assert visitor.app.get(f"/kb/a/{aid}/diff?from=1&to=2", status=404)
    assert visitor.app.get(f"/kb/a/{aid}/v/2", status=404)
    assert visitor.app.get(f"/kb/a/{aid}/v/x", status=404)
    assert visitor.app.get(f"/kb/a/{ids['draft']}/v/1", status=404)
    assert mod.post_form(f"/kb/a/{aid}/restore", number="x").status_int == 400
    assert mod.post_form(f"/kb/a/{aid}/restore", number="7").status_int == 404
    assert mod.post_form(f"/kb/a/{aid}/review", review_by="31.12.2030").status_int == 400
    assert mod.post_form(f"/kb/a/{aid}/review", review_by="2030-02-30").status_int == 400
    assert mod.post_form(f"/kb/a/{aid}/review", review_by="2001-01-01").status_int == 400
    unknown = mod.post_form(f"/kb/a/{aid}/review", owner="nobody-here")
    assert unknown.status_int == 400 and "nobody-here" in unknown.text


def test_review_dates_and_the_list_of_stale_articles(forum):
    ids = guides(forum)
    aid = ids["published"]
    mod = forum.browser("mod")
    set_ = mod.post_form(f"/kb/a/{aid}/review", owner="wanda", review_by="2031-01-02")
    assert set_.status_int == 303
    with forum.session() as session:
        article = session.get(Article, aid)
        assert article.owner.username == "wanda"
        assert article.review_by.date() == dt.date(2031, 1, 2)
        session.execute(update(Article).where(Article.id == aid).values(
            review_by=utcnow() - dt.timedelta(days=2)))
    visitor = forum.browser()
    refused = visitor.app.get("/kb/stale", status=403)
    assert "Export data" not in refused.text
    for who in ("wanda", "mod", "ada"):
        page = forum.browser(who).app.get("/kb/stale")
        row = page.html.select("table.kb-stale tbody tr")
        assert len(row) == 1 and "Export data" in row[0].text and "Guides" in row[0].text
        assert "wanda" in row[0].text
    assert "Export data" not in forum.browser("rita").app.get("/kb/stale").text
    assert "/kb/stale" in forum.browser("wanda").app.get("/kb/").text, "she owns one"
    reviewed = mod.post_form(f"/kb/a/{aid}/review", owner="wanda", review_by="",
                             reviewed="on")
    assert reviewed.status_int == 303
    with forum.session() as session:
        article = session.get(Article, aid)
        assert article.reviewed_at is not None
    assert "Export data" not in forum.browser("wanda").app.get("/kb/stale").text


def test_search_box_goes_to_the_forums_search_of_articles(forum):
    guides(forum)
    forum.create_category("General")
    forum.create_topic("rita", "general", "How to export data to a spreadsheet")
    visitor = forum.browser()
    found = visitor.app.get("/kb/search", {"q": " export data "}, status=303)
    assert found.location.endswith("/search?q=export+data&type=kb_article")
    results = [a["href"] for a in found.follow().html.select(".search-results a.listing-title")]
    assert results and all(href.startswith("/kb/a/") for href in results), results
    empty = visitor.app.get("/kb/search", status=303)
    assert empty.location.endswith("/search?type=kb_article")


# -- the sections' admin pages ---------------------------------------------------------------

def test_administrators_arrange_sections_and_their_rights(forum):
    ada, mod = forum.browser("ada"), forum.browser("mod")
    assert mod.app.get("/kb/admin/sections", status=403)
    assert mod.post_form("/kb/admin/sections", name="Mine").status_int == 403
    made = ada.post_form("/kb/admin/sections", name="Manuals", description="All manuals.",
                         parent_id="", read_access="members", space_id="", position="2",
                         right_write="authenticated", right_edit="role:moderator group:3",
                         right_publish="role:moderator")
    assert made.status_int == 303
    with forum.session() as session:
        manuals = session.scalar(select(Section).where(Section.slug == "manuals"))
        assert (manuals.read_access, manuals.position) == ("members", 2)
        rights = kb_as(forum, session, "ada").rights_table(manuals)
        assert rights["edit"] == ["group:3", "role:moderator"]
        manuals_id = manuals.id
    child = ada.post_form("/kb/admin/sections", name="Printers", parent_id=str(manuals_id),
                          read_access="everyone")
    assert child.status_int == 303
    with forum.session() as session:
        printers = session.scalar(select(Section).where(Section.slug == "printers"))
        assert printers.read_access == "members", "never more open than its parent"
        assert kb_as(forum, session, "ada").rights_table(printers)["write"] == ["authenticated"]
        printers_id = printers.id
    listing = ada.app.get("/kb/admin/sections")
    assert "Manuals" in listing.text and "Printers" in listing.text
    bad = ada.post_form("/kb/admin/sections", name="Odd", read_access="everyone",
                        right_write="everybody")
    assert bad.status_int == 400 and "everybody" in bad.html.find(class_="form-error").text
    assert bad.forms["kb-new-section"]["name"].value == "Odd"
    taken = ada.post_form("/kb/admin/sections", name="manuals", read_access="everyone")
    assert taken.status_int == 409

    form = ada.app.get(f"/kb/admin/sections/{manuals_id}").forms["kb-section-form"]
    options = [value for value, _selected, _text in form["parent_id"].options]
    assert str(printers_id) not in options and str(manuals_id) not in options
    loop = ada.post_form(f"/kb/admin/sections/{manuals_id}", action="save", name="Manuals",
                         parent_id=str(printers_id), read_access="members")
    assert loop.status_int == 400
    assert "under itself" in loop.html.find(class_="form-error").text
    with forum.session() as session:
        assert session.get(Section, manuals_id).parent_id is None
    busy = ada.post_form(f"/kb/admin/sections/{manuals_id}", action="delete")
    assert busy.status_int == 409 and "empty" in busy.text
    gone = ada.post_form(f"/kb/admin/sections/{printers_id}", action="delete")
    assert gone.status_int == 303
    renamed = ada.post_form(f"/kb/admin/sections/{manuals_id}", action="save",
                            name="Handbooks", read_access="everyone", right_write="",
                            right_edit="", right_publish="role:admin")
    assert renamed.status_int == 303
    with forum.session() as session:
        assert session.get(Section, printers_id) is None
        handbooks = session.get(Section, manuals_id)
        assert (handbooks.name, handbooks.read_access) == ("Handbooks", "everyone")
    assert ada.app.get("/kb/admin/sections/999999", status=404)


# -- a closed group's section, from outside ---------------------------------------------------

SECRETS = ("Deal desk", "Rebate table", "Rebate draft", "Partner rebates thread")


def test_a_closed_groups_section_shows_nothing_outside_the_group(forum):
    partners, space = forum.create_group("Partners", owner="otto", members=["rita"],
                                         space="Partner room")
    forum.create_group("Others", owner="ada", members=["wanda"], space="Other room")
    forum.create_category("Help")
    forum.create_topic("rita", space, "Partner rebates thread", "Rebate table talk")
    with forum.session() as session:
        space_id = session.scalar(select(Category.id).where(Category.slug == space))
        admin = kb_as(forum, session, "ada")
        secret = admin.save_section(None, "Deal desk", space_id=space_id)
        public = admin.save_section(None, "Public help")
        article = admin.create_article(secret, "Rebate table", "## One\n\nA\n\n## Two\n\nB",
                                       publish=True)
        admin.save(article, article.latest_revision_id, "Rebate table", "Newer words")
        draft = admin.create_article(secret, "Rebate draft", "Soon")
        basics = admin.create_article(public, "Rebate basics", "Rebates in general.",
                                      publish=True)
        session.execute(update(Article).where(Article.id.in_([article.id, draft.id])).values(
            review_by=utcnow() - dt.timedelta(days=1)))
        aid, slug, draft_id, basics_id = article.id, article.slug, draft.id, basics.id
        desk = secret.slug
    hidden = [f"/kb/s/{desk}", f"/kb/s/{desk}?sort=helpful", f"/kb/s/{desk}/feed.atom",
              f"/kb/s/{desk}/new", f"/kb/a/{aid}/{slug}", f"/kb/a/{aid}",
              f"/kb/a/{aid}/history", f"/kb/a/{aid}/diff?from=1&to=2", f"/kb/a/{aid}/v/1",
              f"/kb/a/{aid}/edit", f"/kb/a/{draft_id}/rebate-draft"]
    shown = ["/kb/", "/kb/s/public-help", "/kb/stale", f"/kb/a/{basics_id}/rebate-basics"]
    member = forum.browser("rita")
    assert member.app.get(f"/kb/a/{aid}/{slug}").status_int == 200
    assert "Deal desk" in member.app.get("/kb/").text
    assert member.app.get(f"/kb/a/{aid}/diff?from=1&to=1").status_int == 200
    assert member.app.get(f"/kb/a/{aid}/diff?from=1&to=2", status=404), "not published"
    for who in (forum.browser(), forum.browser("mod"), forum.browser("wanda")):
        for url in hidden:
            page = who.app.get(url, status="*")
            assert page.status_int == 404, (url, page.status)
            assert not any(secret_ in page.text for secret_ in SECRETS), url
        for url in shown:
            page = who.app.get(url, status="*")
            assert page.status_int in (200, 403), (url, page.status)
            assert not any(secret_ in page.text for secret_ in SECRETS), url
        for action, fields in (("publish", {}), ("restore", {"number": "1"}),
                               ("review", {"owner": "otto"}), ("edit", {"title": "Mine",
                                                                       "body": "x"})):
            assert who.post_form(f"/kb/a/{aid}/{action}", **fields).status_int == 404
        crawled = who.crawl(limit=60, start="/kb/")
        for url, html in crawled.items():
            assert not any(secret_ in html for secret_ in SECRETS), url
    with forum.session() as session:
        assert session.scalar(select(Article.title).where(Article.id == aid)) == "Rebate table"
    assert re.search(r"Rebate basics", forum.browser().app.get("/kb/s/public-help").text)
