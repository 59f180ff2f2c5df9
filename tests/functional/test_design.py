"""The look members get from the core: category colours and icons (admin form, pages, API),
members' titles and user cards (with their leak test), avatars beside posts, the header's
account and notifications menus."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.content.appearance import CATEGORY_COLOURS, CATEGORY_ICONS
from forum_core.content.models import Category

SECRET = "SECRET-GROUP-POST"


@pytest.fixture
def site(forum):
    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    forum.create_category("General")
    return forum


def new_category(admin, **fields):
    page = admin.app.get("/admin/categories")
    form = page.forms["new-category-form"]
    form["name"] = fields.pop("name", "Garden")
    for name, value in fields.items():
        form[name].force_value(value)  # also a value the form does not offer
    return form.submit(status="*")


def stored(forum, slug):
    with forum.session() as session:
        found = session.scalar(select(Category).where(Category.slug == slug))
        return found.colour, found.icon


def test_admin_gives_a_category_a_colour_and_an_icon_shown_on_its_pages(site):
    admin = site.browser("boss")
    form = admin.app.get("/admin/categories").forms["new-category-form"]
    assert {o[0] for o in form["colour"].options} == {"", *CATEGORY_COLOURS}
    assert {o[0] for o in form["icon"].options} == {"", *CATEGORY_ICONS}
    form["name"], form["colour"], form["icon"] = "Garden", "teal", "lightbulb"
    form.submit().follow()
    assert stored(site, "garden") == ("teal", "lightbulb")

    topic_id = site.create_topic("mira", "garden", "Tomatoes in shade")
    home = site.app.get("/")
    row = home.html.select_one("tr.cat-colour-teal")
    assert row is not None and "Garden" in row.text
    assert row.select_one(".cat-mark use")["href"].endswith("#icon-lightbulb")
    heading = site.app.get("/c/garden").html.select_one(".category-heading")
    assert "cat-colour-teal" in heading.select_one(".cat-mark")["class"]
    topic = site.app.get(f"/t/{topic_id}", status="*").maybe_follow()
    badge = topic.html.select_one(".breadcrumbs .cat-badge")
    assert badge.text.strip() == "Garden" and badge["href"] == "/c/garden"
    assert badge.select_one(".cat-mark.cat-colour-teal use")["href"].endswith("#icon-lightbulb")

    # changed on the category's page; "none" takes both away
    edit = admin.app.get("/admin/categories/garden").forms["category-form"]
    assert edit["colour"].value == "teal" and edit["icon"].value == "lightbulb"
    edit["colour"], edit["icon"] = "", ""
    edit.submit().follow()
    assert stored(site, "garden") == (None, None)
    assert site.app.get("/").html.select_one("tr.cat-colour-none") is not None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("colour", "#ff0000", "Choose the colour from the palette"),
    ("colour", "tea", "Choose the colour from the palette"),
    ("icon", "skull", "Choose the icon from the built-in ones"),
    ("icon", "../icons", "Choose the icon from the built-in ones"),
])
def test_a_colour_or_icon_outside_the_sets_is_refused_with_a_clear_error(site, field, value,
                                                                         message):
    admin = site.browser("boss")
    answer = new_category(admin, **{field: value})
    assert answer.status_int == 400
    assert message in answer.html.select_one(".form-error").text
    with site.session() as session:
        assert session.scalar(select(Category).where(Category.slug == "garden")) is None
    # editing is refused the same way, and the typed values stay in the form
    page = admin.app.get("/admin/categories/general")
    form = page.forms["category-form"]
    form["name"] = "General talk"
    form[field].force_value(value)
    refused = form.submit(status=400)
    assert message in refused.html.select_one(".form-error").text
    assert refused.html.select_one("#category-name")["value"] == "General talk"
    assert stored(site, "general") == (None, None)


def test_the_service_and_the_api_know_colour_and_icon(site):
    from forum_core.content import content_service
    from forum_core.errors import ValidationError

    with site.session() as session, pytest.raises(ValidationError):
        content_service(session).create_category("Bad", colour="chartreuse")
    site.create_category("Events", colour="Purple", icon=" calendar ")
    assert stored(site, "events") == ("purple", "calendar")
    token = site.api_token("mira")
    listed = site.app.get("/api/v1/categories",
                          headers={"Authorization": f"Bearer {token}"}).json["items"]
    by_slug = {item["slug"]: item for item in listed}
    assert (by_slug["events"]["colour"], by_slug["events"]["icon"]) == ("purple", "calendar")
    assert (by_slug["general"]["colour"], by_slug["general"]["icon"]) == (None, None)
    schema = site.app.get("/api/v1/openapi.json").json["components"]["schemas"]["Category"]
    assert set(schema["properties"]["colour"]["enum"]) == {*CATEGORY_COLOURS, None}
    assert set(schema["properties"]["icon"]["enum"]) == {*CATEGORY_ICONS, None}


def test_posts_show_their_authors_avatar_and_a_link_to_the_card(site):
    topic_id = site.create_topic("mira", "general", "Hello garden")
    page = site.app.get(f"/t/{topic_id}", status="*").maybe_follow()
    author = page.html.select_one("#post-1 .post-meta .post-author")
    assert author["href"] == "/u/mira" and author["data-user-card"] == "/u/mira/card"
    assert author.select_one(".avatar") is not None
    assert author.select_one(".post-author-name").text == "mira"


def test_a_member_sets_a_title_shown_on_their_card(site):
    mira = site.browser("mira")
    site.reply("boss", site.create_topic("mira", "general", "Seeds to swap"), "Count me in")
    page = mira.app.get("/account")
    form = page.forms["profile-form"]
    form["display_name"], form["title"] = "Mira Gardener", "Head of the seed library"
    form.submit()
    too_long = mira.post_form("/account", action="profile", display_name="Mira",
                              title="x" * 61, bio="")
    assert too_long.status_int == 400 and too_long.html.select_one(".form-error")

    card = site.app.get("/u/mira/card")
    assert card.content_type == "text/html"
    assert card.headers["Cache-Control"].startswith("private")
    assert card.headers["X-Robots-Tag"] == "noindex"
    assert card.html.select_one(".user-card-name").text == "Mira Gardener"
    assert card.html.select_one(".user-card-title").text == "Head of the seed library"
    assert "Joined" in card.text
    assert [a.text for a in card.html.select(".user-card-activity a")] == ["Seeds to swap"]
    site.app.get("/u/nobody-here/card", status=404)
    boss_card = site.app.get("/u/boss/card").html
    assert boss_card.select_one(".user-card-title") is None
    assert [a.text for a in boss_card.select(".user-card-activity a")] == ["Seeds to swap"]
    assert boss_card.select_one(".user-card-activity a")["href"].endswith("#post-2")


def test_a_card_never_shows_what_its_reader_may_not_see(make_forum):
    board = make_forum(plugins=["groups"])
    for name in ("owner", "insider", "outsider"):
        board.create_user(name)
    board.create_category("General")
    _, space = board.create_group("Partners", "owner", ["insider"], space="Partner room")
    board.create_topic("insider", space, SECRET + " title", SECRET + " body")
    board.create_topic("insider", "general", "Open question", "Anyone?")

    as_member = board.browser("insider").app.get("/u/insider/card").text
    assert SECRET in as_member and "Open question" in as_member
    for reader in (board.browser("outsider"), board.browser(None)):
        card = reader.app.get("/u/insider/card")
        assert SECRET not in card.text
        assert [a.text for a in card.html.select(".user-card-activity a")] == ["Open question"]
        assert "no-store" in card.headers["Cache-Control"] \
            or card.headers["Cache-Control"].startswith("private")


def test_the_header_menus(site):
    topic_id = site.create_topic("mira", "general", "Watering plans")
    site.reply("boss", topic_id, "Twice a week, @mira")
    mira = site.browser("mira")
    page = mira.app.get("/")
    # the account menu holds the profile, the settings and signing out
    menu = page.html.select_one("details.account-menu")
    assert menu.select_one(".nav-user").text == "mira"
    assert [a["href"] for a in menu.select("a")] == ["/u/mira", "/account"]
    assert menu.select_one("form[action='/logout'] button").text == "Sign out"
    # the notifications menu lists the latest, and links to all of them
    notifications = page.html.select_one("details.notifications-menu")
    assert notifications.select_one("summary .badge").text == "1"
    items = notifications.select(".menu-notifications li")
    assert len(items) == 1 and "Watering plans" in items[0].text
    assert "unread" in items[0]["class"]
    assert notifications.select_one(".menu-footer")["href"] == "/notifications"
    # the phone's plain link to the page keeps the count
    assert page.html.select_one("a.nav-notifications .badge").text == "1"
    # visitors get neither menu, and the sign-in link first
    visitor = site.app.get("/").html
    assert visitor.select_one("details.account-menu") is None
    assert visitor.select_one(".nav-account a").text == "Sign in"


def test_the_notifications_menu_leaves_out_what_the_member_may_not_see(site):
    topic_id = site.create_topic("mira", "general", "Compost")
    site.reply("boss", topic_id, "SECRET-LATER-CLOSED reply")
    with site.session() as session:
        general = session.scalar(select(Category).where(Category.slug == "general"))
        general.read_access = "admins"
    page = site.browser("mira").app.get("/")
    menu = page.html.select_one("details.notifications-menu")
    assert menu.select(".menu-notifications li") == []
    assert "Compost" not in menu.text and menu.select_one("summary .badge") is None
