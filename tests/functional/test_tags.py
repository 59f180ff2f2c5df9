"""Tags through the real app on SQLite and PostgreSQL: staff define tags and groups in /admin,
members tag their topics on the forms (only existing tags, within the groups' rules), rows and
topic pages show them, tag pages, the tags index, the listing filter, the feed, search and the
JSON API; bad names are refused with a message and nothing lost; and a closed group's topics
never show through any of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.content.models import Post
from forum_core.content.tags import (
    TOPIC,
    ContentTag,
    DatabaseTagService,
    Tag,
    TagGroup,
    tag_slug,
)

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    forum = make_forum(postgres=request.param)
    forum.create_user("admin", role="admin")
    forum.create_user("mod", role="moderator")
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_category("General")
    with forum.session() as session:
        tags = DatabaseTagService(session)
        platform = tags.create_group("Platform", one_per_topic=True)
        status = tags.create_group("Status", staff_only=True)
        tags.create_tag("Linux", "Questions about Linux.", platform)
        tags.create_tag("Windows", group=platform)
        tags.create_tag("Python")
        tags.create_tag("Solved", group=status)
    return forum


def tag_names(forum, topic_id):
    with forum.session() as session:
        return sorted(session.scalars(
            select(Tag.name).join(ContentTag, ContentTag.tag_id == Tag.id)
            .where(ContentTag.content_type == TOPIC, ContentTag.content_key == topic_id)))


def tag_forum(forum, username, topic_id, names):
    from forum_core.accounts.models import User

    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        DatabaseTagService(session).set_tags(user, TOPIC, topic_id, names)


def pills(page):
    return [a.text for a in page.html.select(".tag-list .tag-pill")]


def new_topic(browser, title, tags, body="Some words about it."):
    form = browser.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"], form["tags"] = title, body, tags
    return form.submit(status="*")


# -- defining tags ----------------------------------------------------------------------------

def test_staff_define_rename_and_delete_tags_keeping_the_topics(board):
    admin = board.browser("admin")
    page = admin.app.get("/admin/tags")
    assert "Linux" in page.text and "Platform" in page.text
    form = page.forms["new-tag-form"]
    form["name"], form["description"] = "  Home   automation ", "Lights and heating."
    form.submit().follow()
    with board.session() as session:
        tag = session.scalar(select(Tag).where(Tag.slug == "home-automation"))
        assert (tag.name, tag.description) == ("Home automation", "Lights and heating.")
    topic = board.create_topic("mira", "general", "Smart bulbs")
    tag_forum(board, "mira", topic, ["home automation"])
    form = admin.app.get("/admin/tags/home-automation").forms["tag-form"]
    form["name"] = "Smart home"
    form.submit().follow()
    assert tag_names(board, topic) == ["Smart home"]
    assert pills(board.app.get(board.topic_path(topic))) == ["Smart home"]
    admin.app.get("/admin/tags/smart-home").forms["delete-tag-form"].submit(
        "delete").follow()
    assert tag_names(board, topic) == []
    assert board.app.get(board.topic_path(topic)).status_int == 200  # the topic stays
    # groups: created, changed, deleted with their tags kept
    form = admin.app.get("/admin/tags").forms["new-tag-group-form"]
    form["name"], form["staff_only"] = "Releases", True
    form.submit().follow()
    with board.session() as session:
        group = session.scalar(select(TagGroup).where(TagGroup.name == "Releases"))
        platform = session.scalar(select(TagGroup.id).where(TagGroup.name == "Platform"))
        assert group.staff_only and not group.one_per_topic
    admin.app.get(f"/admin/tag-groups/{platform}").forms["delete-tag-group-form"].submit(
        "delete").follow()
    with board.session() as session:
        assert session.scalar(select(Tag.group_id).where(Tag.slug == "linux")) is None
    # only administrators reach these pages
    board.browser("mira").app.get("/admin/tags", status=403)


@pytest.mark.parametrize("name, message", [
    ("<b>bold</b>", "cannot contain markup"),
    ("   ", "cannot be empty or only spaces"),
    ("x" * 31, "at most 30 characters"),
    ("a\x07b", "control characters"),
    ("LINUX", "exists already"),
])
def test_a_bad_tag_name_is_refused_with_the_form_shown_again(board, name, message):
    admin = board.browser("admin")
    form = admin.app.get("/admin/tags").forms["new-tag-form"]
    form["name"], form["description"] = name, "Kept as typed."
    page = form.submit(status=400)
    assert message in page.html.select_one(".form-error").text
    assert page.forms["new-tag-form"]["description"].value == "Kept as typed."
    with board.session() as session:
        assert session.scalar(select(Tag).where(Tag.description == "Kept as typed.")) is None


def test_a_tags_address_is_made_from_its_name():
    assert tag_slug("  Home   Automation ") == "home-automation"
    assert tag_slug("C++") == "c++" and tag_slug("Node.js") == "node.js"
    assert tag_slug("Ёлка") == "ёлка"
    assert tag_slug("***").startswith("tag-") and tag_slug("***") != tag_slug("+++")


# -- tagging topics -------------------------------------------------------------------------

def test_members_tag_their_topics_on_the_forms_within_the_rules(board):
    mira = board.browser("mira")
    form_page = mira.app.get("/c/general/new")
    assert "Solved" not in form_page.html.select_one("#tag-choices").text  # staff only
    created = new_topic(mira, "Which distribution?", "linux, Python").follow()
    assert pills(created) == ["Linux", "Python"]
    topic = int(created.request.path.split("/")[2])
    # refused, each with a message, the form kept and nothing made
    for tags, message in (("Haskell", "There is no tag Haskell"),
                          ("Solved", "Only staff may use the tag Solved"),
                          ("Linux, Windows", "Choose one tag of the group Platform"),
                          ("<script>", "The tag name <script> cannot contain markup")):
        page = new_topic(mira, f"Refused {len(tags)}", tags)
        assert page.status_int == 400, tags
        assert message in page.html.select_one(".form-error").text
        assert page.forms["post-form"]["tags"].value == tags
        assert page.forms["post-form"]["body"].value == "Some words about it."
    with board.session() as session:
        assert session.scalar(select(Tag).where(Tag.slug == "haskell")) is None
    assert "Refused" not in board.app.get("/latest").text
    # the opening post's edit form holds the tags; staff add theirs, which the member keeps
    tag_forum(board, "mod", topic, ["Linux", "Python", "Solved"])
    with board.session() as session:
        first_post = session.scalar(select(Post.id).where(Post.topic_id == topic,
                                                           Post.number == 1))
    form = mira.app.get(f"/p/{first_post}/edit").forms["post-form"]
    assert form["tags"].value == "Linux, Python, Solved"
    form["tags"] = "Windows"
    form.submit().follow()
    assert tag_names(board, topic) == ["Solved", "Windows"]
    # a reply's edit form has no tag field
    reply = board.reply("mira", topic)
    assert "tags" not in mira.app.get(f"/p/{reply}/edit").forms["post-form"].fields


def test_staff_name_new_tags_and_the_count_is_limited(make_forum):
    forum = make_forum(**{"forum.max_tags_per_topic": "2"})
    forum.create_user("mod", role="moderator")
    forum.create_user("mira")
    forum.create_category("General")
    mod = forum.browser("mod")
    created = new_topic(mod, "Release notes", "Announcements, Releases").follow()
    assert pills(created) == ["Announcements", "Releases"]
    page = new_topic(forum.browser("mira"), "Three tags", "Announcements, Releases, x")
    assert page.status_int == 400
    assert "at most 2 tags" in page.html.select_one(".form-error").text


@pytest.mark.parametrize("tagging, field_for_member, field_for_staff", [
    ("off", False, False), ("staff", False, True), ("members", True, True)])
def test_the_tagging_setting_decides_who_sees_the_field(make_forum, tagging, field_for_member,
                                                      field_for_staff):
    forum = make_forum(**{"forum.tagging": tagging})
    forum.create_user("mod", role="moderator")
    forum.create_user("mira")
    forum.create_category("General")
    for who, expected in (("mira", field_for_member), ("mod", field_for_staff)):
        form = forum.browser(who).app.get("/c/general/new").forms["post-form"]
        assert ("tags" in form.fields) == expected, who
    if not field_for_member:  # sent anyway: refused, and the topic is not made
        browser = forum.browser("mira")
        page = browser.post_form("/c/general/new", title="Sneaky tags", body="Body text",
                                 tags="anything")
        assert page.status_int == 400
        assert "Sneaky" not in forum.app.get("/latest").text


# -- listing, pages, feed and search ---------------------------------------------------------

def test_tags_show_on_rows_and_tag_pages_filter_and_feed(board):
    linux = board.create_topic("mira", "general", "Kernel panic")
    both = board.create_topic("nils", "general", "Python on Linux")
    other = board.create_topic("nils", "general", "Untagged chatter")
    tag_forum(board, "mira", linux, ["Linux"])
    tag_forum(board, "nils", both, ["Linux", "Python"])
    latest = board.app.get("/latest")
    row = latest.html.find("a", class_="listing-title", string="Python on Linux").find_parent("li")
    assert [a["href"] for a in row.select(".tag-pill")] == ["/tag/linux", "/tag/python"]
    page = board.app.get("/tag/linux")
    titles = [a.text for a in page.html.select(".topic-list .listing-title")]
    assert titles == ["Python on Linux", "Kernel panic"]
    assert "Questions about Linux." in page.text
    top = board.app.get("/tag/linux?order=top&period=year")
    assert sorted(a.text for a in top.html.select(".topic-list .listing-title")) == \
        ["Kernel panic", "Python on Linux"]
    board.app.get("/tag/linux?order=oldest", status=400)
    # the filter: all the tags given, on the lists and on category pages
    for path in ("/latest?tags=linux,python", "/c/general?tags=python,linux"):
        page = board.app.get(path)
        assert [a.text for a in page.html.select(".topic-list .listing-title")] == \
            ["Python on Linux"], path
        assert "Untagged" not in page.text
    top = board.app.get("/top?period=year&tags=python")
    assert [a.text for a in top.html.select(".topic-list .listing-title")] == ["Python on Linux"]
    assert "/top?tags=python&period=week" in [a["href"] for a in top.html.select(
        ".period-tabs a")]
    assert "There is no tag nope" in board.app.get("/latest?tags=nope", status=400).text
    assert board.app.get("/latest?tags=,").status_int == 200  # no tag: no filter
    # the index counts
    index = board.app.get("/tags")
    counts = {li.select_one(".tag-pill").text: li.select_one(".tag-count").text
              for li in index.html.select(".tag-index li")}
    assert counts["Linux"] == "2 topics" and counts["Python"] == "1 topic"
    assert counts["Solved"] == "0 topics"
    # the feed
    feed = board.app.get("/tag/python/feed.atom")
    assert feed.content_type == "application/atom+xml"
    assert "Python on Linux" in feed.text and "Kernel panic" not in feed.text
    board.app.get("/tag/nope", status=404)
    board.app.get("/tag/nope/feed.atom", status=404)
    assert other


def test_search_filters_by_tag(board):
    one = board.create_topic("mira", "general", "Printer drivers", "Drivers for printers")
    board.create_topic("nils", "general", "Printer paper", "Paper for printers")
    tag_forum(board, "mira", one, ["Linux"])

    def found(**params):
        page = board.app.get("/search", params=params, status="*")
        return [a.text for a in page.html.select(".search-results .listing-title")]

    assert sorted(found(q="printers")) == ["Printer drivers", "Printer paper"]
    assert found(q="printers tag:linux") == ["Printer drivers"]
    assert found(q="printers", tag="linux") == ["Printer drivers"]
    assert found(q="printers tag:python") == []
    page = board.app.get("/search", params={"q": "printers tag:nope"}, status="*")
    assert "There is no tag nope" in page.text
    # retagged: the index follows
    tag_forum(board, "mira", one, ["Python"])
    assert found(q="printers tag:linux") == []
    assert found(q="printers tag:python") == ["Printer drivers"]


def test_a_listing_costs_the_same_queries_with_tags_on_few_or_many_rows(make_forum):
    forum = make_forum(**{"forum.count_queries": "true"})
    forum.create_user("mira")
    forum.create_category("General")
    with forum.session() as session:
        service = DatabaseTagService(session)
        for name in ("alpha", "beta", "gamma"):
            service.create_tag(name)
    browser = forum.browser("mira")

    def add(count):
        for n in range(count):
            topic = forum.create_topic("mira", "general", f"Tagged topic {count} {n}")
            tag_forum(forum, "mira", topic, ["alpha", "beta", "gamma"][:1 + n % 3])

    def cost(path):
        browser.app.get(path)
        return int(browser.app.get(path).headers["X-Forum-Queries"])

    paths = ("/latest", "/c/general", "/tag/alpha", "/latest?tags=alpha,beta", "/tags",
             "/api/v1/lists/latest", "/api/v1/categories/general/topics")
    add(2)
    few = {path: cost(path) for path in paths}
    add(10)
    many = {path: cost(path) for path in paths}
    assert few == many
    assert len(browser.app.get("/latest").html.select(".tag-pill")) >= 12


# -- the JSON API -------------------------------------------------------------------------------

def test_tags_in_the_api(board):
    token = bearer(board.api_token("mira"))
    created = board.app.post_json("/api/v1/categories/general/topics",
                                  {"title": "API topic", "body": "From a script.",
                                   "tags": ["linux", "Python"]}, headers=token, status=201)
    assert [t["slug"] for t in created.json["tags"]] == ["linux", "python"]
    topic = created.json["id"]
    assert [t["name"] for t in board.app.get(f"/api/v1/topics/{topic}").json["tags"]] == \
        ["Linux", "Python"]
    listed = board.app.get("/api/v1/lists/latest?tags=python").json["items"]
    assert [item["id"] for item in listed] == [topic]
    assert board.app.get("/api/v1/categories/general/topics?tags=windows").json["items"] == []
    index = {t["slug"]: t for t in board.app.get("/api/v1/tags").json["items"]}
    assert index["linux"]["topic_count"] == 1 and index["linux"]["group"] == "Platform"
    assert board.app.get("/api/v1/tags/linux").json["description"] == "Questions about Linux."
    changed = board.app.put_json(f"/api/v1/topics/{topic}/tags", {"tags": ["Windows"]},
                                 headers=token)
    assert [t["name"] for t in changed.json["tags"]] == ["Windows"]
    # problems, each with a status that says why, nothing changed
    for body, status, words in (({"tags": ["Haskell"]}, 404, "There is no tag Haskell"),
                                ({"tags": ["Solved"]}, 403, "Only staff"),
                                ({"tags": ["Linux", "Windows"]}, 422, "Choose one tag"),
                                ({"tags": ["<i>x</i>"]}, 422, "markup"),
                                ({"tags": ["  "]}, 422, "only spaces"),
                                ({"tags": "Linux"}, 422, "must be of type array")):
        answer = board.app.put_json(f"/api/v1/topics/{topic}/tags", body, headers=token,
                                    status=status)
        assert answer.content_type == "application/problem+json"
        assert words in answer.text, body
    assert tag_names(board, topic) == ["Windows"]
    refused = board.app.post_json("/api/v1/categories/general/topics",
                                  {"title": "Never made", "body": "x", "tags": ["Nope"]},
                                  headers=token, status=404)
    assert refused.content_type == "application/problem+json"
    assert "Never made" not in board.app.get("/api/v1/lists/latest").text
    # someone else's topic: not theirs to retag
    board.app.put_json(f"/api/v1/topics/{topic}/tags", {"tags": []},
                       headers=bearer(board.api_token("nils")), status=403)
    board.app.get("/api/v1/lists/latest?tags=nope", status=404)


# -- closed groups ------------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def grouped(request, make_forum):
    forum = make_forum(plugins=["groups"], postgres=request.param)
    for name in ("owner", "insider", "outsider"):
        forum.create_user(name)
    forum.create_category("General")
    _, space = forum.create_group("Secret club", "owner", ["insider"], space="Club room")
    with forum.session() as session:
        DatabaseTagService(session).create_tag("Plans")
    secret = forum.create_topic("owner", space, "ZEBRA club plans", "ZEBRA words")
    public = forum.create_topic("owner", "general", "Public news", "Open words")
    tag_forum(forum, "owner", secret, ["Plans"])
    return forum, secret, public


def test_tags_never_show_a_closed_groups_topics_to_outsiders(grouped):
    forum, secret, public = grouped
    outsider, insider = forum.browser("outsider"), forum.browser("insider")
    for browser in (outsider, forum):
        for path in ("/tag/plans", "/tag/plans?order=top&period=year", "/tags",
                     "/latest?tags=plans", "/tag/plans/feed.atom",
                     "/search?q=words", "/search?q=words+tag:plans"):
            assert "ZEBRA" not in browser.app.get(path, status="*").text, path
        index = browser.app.get("/tags")
        assert index.html.select_one(".tag-count").text == "0 topics"
    assert "ZEBRA club plans" in insider.app.get("/tag/plans").text
    assert "ZEBRA club plans" in insider.app.get("/search?q=words+tag:plans").text
    assert "ZEBRA club plans" in insider.app.get("/tag/plans/feed.atom").text
    assert insider.app.get("/tags").html.select_one(".tag-count").text == "1 topic"
    token = bearer(forum.api_token("outsider"))
    for path in ("/api/v1/tags", "/api/v1/tags/plans", "/api/v1/lists/latest?tags=plans",
                 "/api/v1/search?q=words&tag=plans", "/api/v1/search?q=words"):
        assert "ZEBRA" not in forum.app.get(path, headers=token, status="*").text, path
    assert forum.app.get("/api/v1/tags/plans", headers=token).json["topic_count"] == 0
    forum.app.put_json(f"/api/v1/topics/{secret}/tags", {"tags": []}, headers=token,
                       status=404)
    assert public
