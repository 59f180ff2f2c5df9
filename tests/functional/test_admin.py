"""The admin area: only administrators get in; settings, categories, roles and plugins work
through plain HTML forms, and every change is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Category
from forum_core.moderation.models import AuditEntry
from tests.functional.test_discussions import make_category

ADMIN_PAGES = ["/admin", "/admin/settings", "/admin/categories", "/admin/categories/general",
               "/admin/members", "/admin/plugins"]


@pytest.fixture
def site(forum):
    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    forum.login("boss")
    return forum


def audit_actions(forum):
    with forum.session() as session:
        return [entry.action for entry in session.scalars(select(AuditEntry))]


def test_only_administrators_get_in(site):
    for who in (None, "mira", "mod"):
        browser = site.another_browser()
        if who:
            browser.login(who)
        for url in ADMIN_PAGES:
            assert browser.app.get(url, status="*").status_int in (403, 404), (who, url)
        assert browser.app.get("/").html.select_one(".nav-admin") is None
    assert site.app.get("/").html.select_one(".nav-admin")["href"] == "/admin"
    for url in ADMIN_PAGES:
        assert site.app.get(url).status_int == 200, url


def test_site_settings_change_the_name_description_and_contact(site):
    form = site.app.get("/admin/settings").forms["settings-form"]
    assert form["site_name"].value == "Community forum"  # from forum.ini until changed
    form["site_name"] = "Acme Customers"
    form["site_description"] = "Questions and answers about Acme products."
    form["contact_email"] = "help@acme.example"
    saved = form.submit().follow()
    assert "The settings were saved." in saved.text
    home = site.another_browser().app.get("/")
    assert home.html.title.text == "Acme Customers"
    assert home.html.select_one(".lead").text == "Questions and answers about Acme products."
    assert home.html.select_one("meta[name=description]")["content"].startswith("Questions")
    missing = site.another_browser().app.get("/c/nothing", status=404)
    assert missing.html.select_one("a[href='mailto:help@acme.example']")
    assert "site_settings" in audit_actions(site)

    form = site.app.get("/admin/settings").forms["settings-form"]
    form["site_name"] = "   "
    form["contact_email"] = "not an address"
    refused = form.submit(status=400)
    assert "needs a name" in refused.html.select_one(".form-error").text
    assert refused.forms["settings-form"]["contact_email"].value == "not an address"


def test_categories_are_created_and_edited(site):
    form = site.app.get("/admin/categories").forms["new-category-form"]
    form["name"] = "Staff room"
    form["read_access"] = "moderators"
    form["topic_access"] = "moderators"
    form["reply_access"] = "moderators"
    edit = form.submit().follow()
    assert edit.html.h1.text == "Staff room"
    assert site.another_browser().app.get("/c/staff-room", status=404)

    form = edit.forms["category-form"]
    form["name"] = "Team room"
    form["slug"] = "team"
    form["read_access"] = "everyone"
    form["parent"] = "general"
    saved = form.submit().follow()
    assert "The category was saved." in saved.text
    assert site.another_browser().app.get("/c/team").html.h1.text == "Team room"
    with site.session() as session:
        team = session.scalar(select(Category).where(Category.slug == "team"))
        assert team.parent.slug == "general"

    # a category cannot go inside itself or take another's address
    form = site.app.get("/admin/categories/general").forms["category-form"]
    form["parent"] = "team"
    assert "inside itself" in form.submit(status=400).html.select_one(".form-error").text
    form = site.app.get("/admin/categories/team").forms["category-form"]
    form["slug"] = "general"
    assert "exists already" in form.submit(status=400).text
    form = site.app.get("/admin/categories").forms["new-category-form"]
    form["name"] = ""
    assert form.submit(status=400).html.select_one(".form-error").text


def test_roles_change_and_the_last_administrator_stays(site):
    page = site.app.get("/admin/members", params={"q": "mi"})
    assert [row["id"] for row in page.html.select("tr[id^=member-]")] == ["member-mira"]
    form = page.forms["role-form-mira"]
    form["role"] = "moderator"
    form.submit().follow()
    with site.session() as session:
        assert session.scalar(select(User.role).where(User.username == "mira")) == "moderator"
    assert "role" in audit_actions(site)
    form = site.app.get("/admin/members", params={"q": "boss"}).forms["role-form-boss"]
    form["role"] = "member"
    refused = form.submit(status=400)
    assert "only administrator" in refused.text


def test_plugins_are_listed_with_how_to_enable_one(plugin_forum):
    forum = plugin_forum(plugins=["alpha"])
    forum.create_user("boss", role="admin")
    forum.login("boss")
    page = forum.app.get("/admin/plugins")
    assert "Enabled" in page.html.select_one("#plugin-alpha").text
    assert "Installed, not enabled" in page.html.select_one("#plugin-beta").text
    assert "forum.plugins" in page.html.select_one("#enable-help").text


def test_the_category_address_help_shows_the_slug_placeholder(site):
    for url in ("/admin/categories", "/admin/categories/general"):
        page = site.app.get(url)
        assert "/c/&lt;slug&gt;" in page.text, url  # the browser shows "/c/<slug>"
        help_text = page.html.select_one("#category-slug-help").text
        assert "/c/<slug>" in help_text, url


def test_the_plugin_install_help_shows_the_id_placeholder(site):
    page = site.app.get("/admin/plugins")
    assert "pip install forum-&lt;id&gt;" in page.text
    assert "pip install forum-<id>" in page.html.select_one("#enable-help").text
