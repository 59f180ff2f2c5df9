"""The ideas plugin against a real forum: boards, submitting, voting, budgets, statuses,
the roadmap, similar ideas, merging, exact counts under concurrency, the JSON API, search, and
closed groups (fixtures from forum_core.testing, helpers from the core's tests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from forum_ideas.models import Idea, IdeaBoard, Vote
from forum_ideas.services import IdeaService
from sqlalchemy import func, select

from forum_core.api import Category, Topic, User, content_service, utcnow
from forum_core.testing import check_api, whoosh_names_from_secrets

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def category_id(forum, slug):
    with forum.session() as session:
        return session.scalar(select(Category.id).where(Category.slug == slug))


def enable_board(forum, slug="ideas", budget=0, downvotes=False, admin="boss"):
    fields = {"category_id": category_id(forum, slug), "enabled": "on",
              "vote_budget": str(budget)}
    if downvotes:
        fields["downvotes"] = "on"
    page = forum.browser(admin).post_form("/ideas/boards", **fields)
    assert page.status_int == 200, page.text
    return page


def submit(browser, slug, title, body="Please add this."):
    """Submit an idea through the form, confirming when similar ideas are shown."""
    form = browser.app.get(f"/ideas/{slug}/new").forms["idea-form"]
    form["title"], form["body"] = title, body
    response = form.submit(status="*")
    if response.status_int == 200 and response.html.select_one("input[name=confirm]"):
        response = response.forms["idea-form"].submit(status="*")
    assert response.status_int == 303, response.text
    return int(response.location.split("/t/")[1].split("/")[0])


def vote(browser, topic_id, action="up"):
    return browser.post_form(f"/ideas/i/{topic_id}/vote", action=action)


def votes_of(forum, topic_id):
    with forum.session() as session:
        idea = session.get(Idea, topic_id)
        rows = session.scalar(select(func.coalesce(func.sum(Vote.value), 0))
                              .where(Vote.idea_id == topic_id))
        return idea.votes, rows


@pytest.fixture
def board(make_forum):
    forum = make_forum(plugins=["ideas"])
    for name in ("mira", "nils", "olga", "petra"):
        forum.create_user(name)
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_category("Ideas")
    forum.create_category("General")
    enable_board(forum)
    return forum


def test_only_admins_manage_boards_and_bad_settings_are_explained(board):
    for who, expected in ((None, 403), ("mira", 403), ("mod", 403), ("boss", 200)):
        status = board.browser(who).app.get("/ideas/boards", status="*").status_int
        assert status in ((403, 404) if expected == 403 else (200,)), who
    boss = board.browser("boss")
    refused = boss.post_form("/ideas/boards", category_id=category_id(board, "general"),
                        enabled="on", vote_budget="lots")
    assert refused.status_int == 400 and "vote budget is a number" in refused.text
    missing = boss.post_form("/ideas/boards", category_id="999999", enabled="on")
    assert missing.status_int == 400 and "Choose a category" in missing.text
    assert "General is an idea board" in enable_board(board, "general", budget=3).text
    with board.session() as session:
        assert session.get(IdeaBoard, category_id(board, "general")).vote_budget == 3
    off = boss.post_form("/ideas/boards", category_id=category_id(board, "general"))
    assert "no longer an idea board" in off.text
    with board.session() as session:
        assert session.get(IdeaBoard, category_id(board, "general")) is None


def test_a_board_category_links_to_the_plugin_and_refuses_plain_topics(board):
    mira = board.browser("mira")
    page = mira.app.get("/c/ideas")
    links = {a["href"] for a in page.html.select(".idea-board-links a")}
    assert links == {"/ideas/ideas/new", "/ideas/ideas", "/ideas/ideas/roadmap"}
    assert page.html.select_one("a[href='/c/ideas/new']") is None
    assert mira.app.get("/c/ideas/new", status="*").status_int in (403, 404)
    assert board.browser().app.get("/ideas/ideas/new", status="*").status_int == 403
    assert mira.app.get("/c/general").html.select_one(".idea-board-links") is None
    # which categories are boards is kept between requests: a change shows at once
    enable_board(board, "general")
    assert mira.app.get("/c/general").html.select_one(".idea-board-links") is not None
    assert mira.app.get("/c/general/new", status="*").status_int in (403, 404)
    board.browser("boss").post_form("/ideas/boards", category_id=category_id(board, "general"))
    assert mira.app.get("/c/general").html.select_one(".idea-board-links") is None
    assert mira.app.get("/c/general/new").status_int == 200


def test_submit_vote_take_back_and_comment(board):
    mira, nils = board.browser("mira"), board.browser("nils")
    idea = submit(mira, "ideas", "Dark mode for the dashboard", "It is too bright.")
    assert "Dark mode for the dashboard" in nils.app.get("/ideas/ideas").text
    assert vote(nils, idea).status_int == 303
    assert vote(nils, idea).status_int == 303  # a second vote changes nothing
    assert votes_of(board, idea) == (1, 1)
    page = nils.app.get(f"/t/{idea}").maybe_follow()
    assert page.html.select_one(".idea-score").text == "1"
    assert page.html.select_one("button[value=remove]") is not None
    down = vote(nils, idea, "down")
    assert down.status_int == 400 and "no votes against" in down.text
    assert vote(nils, idea, "remove").status_int == 303
    assert votes_of(board, idea) == (0, 0)
    assert vote(nils, idea, "sideways").status_int == 400
    assert board.browser().app.post(f"/ideas/i/{idea}/vote", {"action": "up"},
                                       status="*").status_int in (400, 403)
    assert vote(nils, 999999).status_int == 404
    topic = nils.app.get(f"/t/{idea}").maybe_follow()
    form = [f for f in topic.forms.values() if f.action.endswith("/reply")][0]
    form["body"] = "Yes please, my eyes hurt."
    assert form.submit().status_int == 303
    assert "my eyes hurt" in mira.app.get(f"/t/{idea}").maybe_follow().text


def test_an_ideas_page_shows_each_member_their_own_vote(board):
    idea = submit(board.browser("mira"), "ideas", "Dark mode for the dashboard")
    nils, olga = board.browser("nils"), board.browser("olga")
    assert vote(nils, idea).status_int == 303
    for _ in range(2):
        for browser, voted in ((olga, False), (nils, True)):
            page = browser.app.get(f"/t/{idea}").maybe_follow()
            assert (page.html.select_one("button[value=remove]") is not None) is voted


def test_forged_and_suspended_votes_are_refused(board):
    idea = submit(board.browser("mira"), "ideas", "Calendar sync")
    nils = board.browser("nils")
    forged = nils.app.post(f"/ideas/i/{idea}/vote", {"action": "up"}, status="*")
    assert forged.status_int == 400  # no CSRF token
    with board.session() as session:
        session.scalar(select(User).where(User.username == "nils")).status = "suspended"
    assert vote(nils, idea).status_int == 403
    assert votes_of(board, idea) == (0, 0)
    assert nils.app.get(f"/t/{idea}").maybe_follow().html.select_one("button[value=up]") is None


def test_down_votes_where_the_board_allows_them(board):
    enable_board(board, downvotes=True)
    idea = submit(board.browser("mira"), "ideas", "Remove the sidebar")
    for name in ("nils", "olga"):
        vote(board.browser(name), idea, "down")
    vote(board.browser("petra"), idea, "up")
    assert votes_of(board, idea) == (-1, -1)
    vote(board.browser("olga"), idea, "up")  # turns round: -1 becomes +1
    assert votes_of(board, idea) == (1, 1)


def test_the_vote_budget_returns_votes_of_closed_ideas(board):
    enable_board(board, budget=2)
    mira, nils = board.browser("mira"), board.browser("nils")
    ideas = [submit(mira, "ideas", title) for title in
             ("Export as PDF", "Keyboard shortcuts", "Calendar sync")]
    vote(nils, ideas[0])
    vote(nils, ideas[1])
    refused = vote(nils, ideas[2])
    assert refused.status_int == 400 and "used all 2 of your votes" in refused.text
    assert "You have used 2 of your 2 votes" in nils.app.get(f"/t/{ideas[2]}").maybe_follow().text
    board.browser("mod").post_form(f"/ideas/i/{ideas[0]}/status", status="done")
    assert vote(nils, ideas[2]).status_int == 303  # the done idea gave its vote back
    closed = vote(board.browser("olga"), ideas[0])
    assert closed.status_int == 400 and "closed" in closed.text
    assert votes_of(board, ideas[0]) == (1, 1)


def test_staff_set_a_status_with_a_note_and_voters_are_notified(board):
    mira = board.browser("mira")
    idea = submit(mira, "ideas", "Single sign-on")
    for name in ("nils", "olga"):
        vote(board.browser(name), idea)
    assert mira.post_form(f"/ideas/i/{idea}/status", status="planned").status_int == 403
    mod = board.browser("mod")
    bad = mod.post_form(f"/ideas/i/{idea}/status", status="someday")
    assert bad.status_int == 400 and "Choose one of the statuses" in bad.text
    done = mod.post_form(f"/ideas/i/{idea}/status", status="planned",
                     note="Coming in the spring release.")
    assert done.status_int == 303
    page = board.browser().app.get(f"/t/{idea}").maybe_follow()
    assert page.html.select_one(".idea-status .badge").text == "Planned"
    assert page.html.select_one(".idea-note").text == "Coming in the spring release."
    for name, told in (("nils", True), ("olga", True), ("petra", False)):
        inbox = board.browser(name).app.get("/notifications").text
        assert ("Single sign-on" in inbox) is told, name
    assert page.html.select_one("#status-form") is None  # staff only
    assert mod.app.get(f"/t/{idea}").maybe_follow().html.select_one("#status-form") is not None


def make_ideas(forum, count, slug="ideas", author="mira"):
    """``count`` ideas made through the service (quicker than the form for listings)."""
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == author))
        category = session.scalar(select(Category).where(Category.slug == slug))
        service = IdeaService(session, content_service(session))
        return [service.submit(user, category, f"Idea number {n}", "Text").id
                for n in range(count)]


def add_votes(forum, topic_id, count, days_ago=0):
    with forum.session() as session:
        for n in range(count):
            name = f"voter{topic_id}x{days_ago}x{n}"
            session.add(User(username=name, email=f"{name}@example.com", password_hash="x"))
        session.flush()
        users = session.scalars(select(User.id).where(User.username.like(
            f"voter{topic_id}x{days_ago}x%")))
        when = utcnow() - dt.timedelta(days=days_ago)
        for user_id in users:
            session.add(Vote(idea_id=topic_id, user_id=user_id, value=1, created_at=when))
        session.get(Idea, topic_id).votes += count


def titles(page):
    return [a.text for a in page.html.select(".idea-list .listing-title")]


def test_board_sorts_filters_and_pages(board):
    old, recent, fresh = make_ideas(board, 3)
    add_votes(board, old, 5, days_ago=30)   # trending score 5
    add_votes(board, recent, 3, days_ago=1)  # trending score 9
    visitor = board.browser()
    by_votes = titles(visitor.app.get("/ideas/ideas"))
    assert by_votes == ["Idea number 0", "Idea number 1", "Idea number 2"]
    assert titles(visitor.app.get("/ideas/ideas?sort=trending")) == [
        "Idea number 1", "Idea number 0", "Idea number 2"]
    assert titles(visitor.app.get("/ideas/ideas?sort=newest")) == [
        "Idea number 2", "Idea number 1", "Idea number 0"]
    board.browser("mod").post_form(f"/ideas/i/{recent}/status", status="planned")
    assert titles(visitor.app.get("/ideas/ideas?status=planned")) == ["Idea number 1"]
    for bad in ("sort=best", "status=maybe", "after=x", "after=1_2_3"):
        page = visitor.app.get(f"/ideas/ideas?{bad}", status="*")
        assert page.status_int == 400 and page.html.select_one(".form-error"), bad
    make_ideas(board, 22)
    seen, url = [], "/ideas/ideas?sort=newest"
    while url:
        page = visitor.app.get(url)
        seen += titles(page)
        found = page.html.select_one("a[rel=next]")
        url = found["href"] if found else None
    assert len(seen) == 25 and len(set(zip(seen, range(25), strict=True))) == 25
    assert visitor.app.get("/ideas/nothing-here", status=404)


def test_listing_query_counts_do_not_grow(board):
    from sqlalchemy import event, update

    make_ideas(board, 3)
    visitor = board.browser("nils")
    engine = visitor.app.app.registry["forum.db_engine"]
    urls = ("/ideas/ideas", "/ideas/ideas/roadmap", "/api/v1/ideas/boards/ideas/ideas",
            "/api/v1/ideas/boards/ideas/roadmap")
    counts = {url: [] for url in urls}
    current = []

    def count(*args):
        current[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for more in (0, 15):
            make_ideas(board, more, author="olga" if more else "mira")
            with board.session() as session:
                session.execute(update(Idea).values(status="planned"))
            for url in urls:
                current.append(0)
                assert visitor.app.get(url).status_int == 200
                counts[url].append(current[-1])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    for url, found in counts.items():
        assert found[0] == found[1], (url, found)


def test_roadmap_groups_ideas_by_status(board):
    ideas = make_ideas(board, 4)
    mod = board.browser("mod")
    for topic_id, status in zip(ideas, ("planned", "in_progress", "done", "declined"),
                                strict=True):
        mod.post_form(f"/ideas/i/{topic_id}/status", status=status)
    page = board.browser().app.get("/ideas/ideas/roadmap")
    column = {section["id"]: [a.text for a in section.select("li a")]
              for section in page.html.select(".roadmap-column")}
    assert column == {"roadmap-under_review": [], "roadmap-planned": ["Idea number 0"],
                      "roadmap-in_progress": ["Idea number 1"],
                      "roadmap-done": ["Idea number 2"]}


def test_similar_ideas_are_suggested_before_submitting(board):
    mira, nils = board.browser("mira"), board.browser("nils")
    existing = submit(mira, "ideas", "Dark mode for the dashboard")
    form = nils.app.get("/ideas/ideas/new").forms["idea-form"]
    form["title"], form["body"] = "A dark dashboard theme", "Night owls need it."
    shown = form.submit()
    assert shown.status_int == 200  # nothing created yet: suggestions and a confirmation
    assert [a["href"] for a in shown.html.select("#idea-suggestions a")] == [
        f"/t/{existing}/dark-mode-for-the-dashboard"]
    created = shown.forms["idea-form"].submit()
    assert created.status_int == 303
    # the script's JSON suggestions, from the API
    found = nils.app.get("/api/v1/ideas/boards/ideas/similar",
                         params={"title": "dashboard dark"}).json["items"]
    assert {item["id"] for item in found} >= {existing}
    assert all(item["status"] == "new" for item in found)
    # an invalid title is explained, not a crash
    form = nils.app.get("/ideas/ideas/new").forms["idea-form"]
    form["title"], form["body"] = "x", "too short"
    refused = form.submit(status="*")
    assert refused.status_int == 400 and "A title has" in refused.text


def test_the_page_loads_the_plugin_script_without_inline_code(board):
    page = board.browser("mira").app.get("/ideas/ideas/new")
    scripts = page.html.select("script")
    assert all(script.get("src") for script in scripts)
    src = [s["src"] for s in scripts if "ideas.js" in s["src"]]
    assert src and "ideas/boards/ideas/similar" in page.html.select_one(
        "#idea-form")["data-similar-url"]
    assert "fetch(" in board.browser().app.get(src[0]).text


def test_merging_moves_votes_without_counting_anyone_twice(board):
    mira = board.browser("mira")
    duplicate, target = make_ideas(board, 2)
    for name, ideas in (("nils", (duplicate, target)), ("olga", (duplicate,)),
                        ("petra", (target,))):
        for topic_id in ideas:
            vote(board.browser(name), topic_id)
    assert mira.post_form(f"/ideas/i/{duplicate}/merge", into=str(target)).status_int == 403
    mod = board.browser("mod")
    bad = mod.post_form(f"/ideas/i/{duplicate}/merge", into="nonsense")
    assert bad.status_int == 400 and "no idea with that number" in bad.text
    itself = mod.post_form(f"/ideas/i/{duplicate}/merge", into=str(duplicate))
    assert itself.status_int == 400 and "into itself" in itself.text
    merged = mod.post_form(f"/ideas/i/{duplicate}/merge", into=f"http://x/t/{target}/slug",
                       note="Same request.")
    assert merged.status_int == 303
    assert votes_of(board, target) == (3, 3)
    assert votes_of(board, duplicate) == (0, 0)
    page = board.browser().app.get(f"/t/{duplicate}").maybe_follow()
    assert page.html.select_one(".merged-into")["href"].startswith(f"/t/{target}/")
    assert page.html.select_one(".idea-status .badge").text == "Merged"
    closed = vote(board.browser("petra"), duplicate)
    assert closed.status_int == 400 and "closed" in closed.text
    assert "Idea number 0" in board.browser("olga").app.get("/notifications").text


@pytest.mark.parametrize("postgres", BACKENDS)
def test_concurrent_votes_keep_counts_exact(make_forum, postgres):
    from forum_core.testing import run_together

    forum = make_forum(plugins=["ideas"], postgres=postgres)
    threads, rounds = 8, 6
    for n in range(threads):
        forum.create_user(f"voter{n}")
    with forum.session() as session:
        content = content_service(session)
        category = content.create_category("Ideas")
        service = IdeaService(session, content)
        service.configure_board(category, True)
        author = session.scalar(select(User).where(User.username == "voter0"))
        ideas = [service.submit(author, category, f"Busy idea {n}", "Go").id for n in range(3)]
    def worker(index):
        for n in range(rounds):
            for topic_id in ideas:
                with forum.session(search=False) as session:
                    service = IdeaService(session)
                    user = session.scalar(select(User).where(
                        User.username == f"voter{index}"))
                    idea = session.get(Idea, topic_id)
                    board = session.get(IdeaBoard, session.get(Topic, topic_id)
                                        .category_id)
                    # everyone votes each round; odd threads take it back on odd rounds
                    if index % 2 and n % 2:
                        service.unvote(idea, user)
                    else:
                        service.vote(idea, board, user, 1)

    errors = run_together(threads, worker, timeout=120)
    assert not errors, errors[:3]
    for topic_id in ideas:
        counted, rows = votes_of(forum, topic_id)
        assert counted == rows, topic_id
        # even threads end with a vote; odd threads' last round (n=5) took it back
        assert counted == threads // 2, topic_id


def api_token(forum, username):
    browser = forum.browser(username)
    form = browser.app.get("/account").forms["create-token-form"]
    form["token_name"] = "script"
    token = form.submit().html.select_one("#new-token")["value"]
    return {"Authorization": f"Bearer {token}"}


def test_the_json_api_reads_votes_and_sets_statuses(board):
    ideas = make_ideas(board, 3)
    nils, mod, mira = api_token(board, "nils"), api_token(board, "mod"), api_token(board, "mira")
    app = board.app
    idea = app.put_json(f"/api/v1/ideas/{ideas[1]}/vote", {"value": 1}, headers=nils).json
    assert (idea["votes"], idea["my_vote"], idea["status"]) == (1, 1, "new")
    listed = app.get("/api/v1/ideas/boards/ideas/ideas", headers=nils).json
    assert [i["id"] for i in listed["items"]][0] == ideas[1]
    assert listed["items"][0]["my_vote"] == 1 and listed["links"]["next"] is None
    refused = app.put_json(f"/api/v1/ideas/{ideas[1]}/vote", {"value": -1}, headers=nils,
                           status=403)
    assert "no votes against" in refused.json["detail"]
    assert app.put_json(f"/api/v1/ideas/{ideas[1]}/vote", {"value": 5}, headers=nils,
                        status=422).content_type == "application/problem+json"
    forbidden = app.put_json(f"/api/v1/ideas/{ideas[1]}/status", {"status": "planned"},
                             headers=mira, status=403)
    assert forbidden.content_type == "application/problem+json"
    planned = app.put_json(f"/api/v1/ideas/{ideas[1]}/status",
                           {"status": "planned", "note": "Soon."}, headers=mod).json
    assert (planned["status"], planned["status_note"]) == ("planned", "Soon.")
    only = app.get("/api/v1/ideas/boards/ideas/ideas?status=planned").json["items"]
    assert [i["id"] for i in only] == [ideas[1]]
    roadmap = app.get("/api/v1/ideas/boards/ideas/roadmap").json["columns"]
    assert {c["status"]: [i["id"] for i in c["items"]] for c in roadmap}["planned"] == [ideas[1]]
    back = app.delete(f"/api/v1/ideas/{ideas[1]}/vote", headers=nils).json
    assert (back["votes"], back["my_vote"]) == (0, 0)
    merged = app.post_json(f"/api/v1/ideas/{ideas[0]}/merge", {"into": ideas[2]},
                           headers=mod).json
    assert merged["id"] == ideas[2]
    assert app.get(f"/api/v1/ideas/{ideas[0]}").json["merged_into"] == ideas[2]
    assert app.get("/api/v1/ideas/999999", status=404).content_type == \
        "application/problem+json"
    assert app.get("/api/v1/ideas/boards/ideas/ideas?sort=best", status=400)
    assert app.get("/api/v1/ideas/boards/ideas/ideas?cursor=zz", status=400)
    assert app.put_json(f"/api/v1/ideas/{ideas[2]}/vote", {"value": 1}, status="*"
                        ).status_int in (400, 401)
    doc = app.get("/api/v1/openapi.json").json
    assert {"/api/v1/ideas/boards/{slug}/ideas", "/api/v1/ideas/boards/{slug}/roadmap",
            "/api/v1/ideas/{idea_id}", "/api/v1/ideas/{idea_id}/vote",
            "/api/v1/ideas/{idea_id}/status"} <= set(doc["paths"])
    assert doc["paths"]["/api/v1/ideas/{idea_id}/vote"]["put"]["tags"] == ["ideas"]


def test_ideas_are_searchable_by_status(board):
    first, second = make_ideas(board, 2)
    board.browser("mod").post_form(f"/ideas/i/{second}/status", status="planned")
    page = board.browser().app.get("/search", params={"q": "idea", "type": "idea",
                                                         "status": "planned"})
    found = [a["href"] for a in page.html.select("a") if a.get("href", "").startswith("/t/")]
    assert any(href.startswith(f"/t/{second}/") for href in found)
    assert not any(href.startswith(f"/t/{first}/") for href in found)
    api = board.browser().app.get("/api/v1/search", params={
        "q": "idea", "type": "idea", "status": "new"}).json
    assert api["total"] == 1


@pytest.fixture
def group_board(make_forum):
    """An idea board inside a closed group's space, with one idea by a member."""
    forum = make_forum(plugins=["ideas", "groups"])
    for name in ("owner", "mira", "outsider"):
        forum.create_user(name)
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_category("General")
    _group, space = forum.create_group("Inner circle", "owner", space="Inner circle space")
    enable_board(forum, space)
    idea = submit(forum.browser("owner"), space, "SECRET-IDEA-TITLE",
                  "SECRET-IDEA-BODY")
    with forum.session() as session:
        session.add(Vote(idea_id=idea, user_id=session.scalar(
            select(User.id).where(User.username == "owner"))))
        session.get(Idea, idea).votes = 1
    return forum, space, idea


@pytest.mark.parametrize("who", [None, "outsider", "mod"])
def test_a_group_board_is_invisible_to_non_members(group_board, who):
    forum, space, idea = group_board
    browser = forum.browser(who)
    urls = ["/ideas/", f"/ideas/{space}", f"/ideas/{space}/roadmap", f"/ideas/{space}/new",
            f"/t/{idea}", f"/api/v1/ideas/{idea}", f"/api/v1/ideas/boards/{space}/ideas",
            f"/api/v1/ideas/boards/{space}/roadmap",
            f"/api/v1/ideas/boards/{space}/similar?title=secret+idea+title",
            "/search?q=secret&type=idea", "/api/v1/search?q=secret&type=idea",
            "/search?q=secret"]
    for url in urls:
        response = browser.app.get(url, status="*")
        assert response.status_int in (200, 403, 404), url
        assert "SECRET-IDEA" not in response.text, url
    for url in urls[1:6]:
        assert browser.app.get(url, status="*").status_int in (403, 404), url
    if who:
        assert vote(browser, idea).status_int == 404
        assert browser.post_form(f"/ideas/i/{idea}/status",
                         status="planned").status_int in (403, 404)


@pytest.mark.parametrize("who", ["owner", "boss"])
def test_group_members_see_their_board(group_board, who):
    forum, space, idea = group_board
    browser = forum.browser(who)
    assert "SECRET-IDEA-TITLE" in browser.app.get(f"/ideas/{space}").text
    assert browser.app.get(f"/api/v1/ideas/{idea}").json["votes"] == 1
    assert "SECRET-IDEA-TITLE" in browser.app.get(
        "/search", params={"q": "secret", "type": "idea"}).text


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_idea_pages_are_translated(board, language):
    from babel.messages.pofile import read_po
    from forum_ideas import __file__ as package_file

    idea = submit(board.browser("mira"), "ideas", "Vraagje")
    locale = Path(package_file).parent / "locale"
    with open(locale / language / "LC_MESSAGES" / "forum.po", "rb") as handle:
        english = {m.id for m in read_po(handle) if m.id and not m.pluralizable
                   and "%(" not in m.id and "${" not in m.id and m.string != m.id}
    with board.session() as session:
        session.scalar(select(User).where(User.username == "mod")).locale = language
        # the category's name is the members' text, not the plugin's
        session.scalar(select(Category).where(Category.slug == "ideas")).name = "Wensen"
    mod = board.browser("mod")
    seen = set()
    for url in ("/ideas/", "/ideas/ideas", "/ideas/ideas/roadmap", "/ideas/ideas/new",
                f"/t/{idea}", "/c/ideas"):
        page = mod.app.get(url).maybe_follow()
        texts = {" ".join(t.split()) for t in page.html.find_all(string=True)}
        assert not texts & english, (url, texts & english)
        seen |= texts
    assert seen & {"Ideeën", "Идеи"}


@pytest.mark.parametrize("postgres", BACKENDS)
def test_models_match_the_migration(make_forum, postgres):
    """Autogenerate finds nothing to do for the plugin's tables."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from forum_core.api import Base

    forum = make_forum(plugins=["ideas"], postgres=postgres)

    def ours(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is not None and table.name.startswith("ideas_")

    with forum.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(conn, opts={"include_object": ours,
                                                         "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_demo_data_makes_an_ideas_board(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    result = subprocess.run([str(Path(sys.executable).with_name("forum")),
                             "init", "--demo", "--no-input", "--config", "forum.ini",
                             "--plugins", "ideas"], cwd=tmp_path, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(tmp_path / "var" / "forum.sqlite")
    statuses = dict(db.execute("SELECT t.title, i.status FROM ideas_ideas i "
                               "JOIN topics t ON t.id = i.topic_id").fetchall())
    exact = db.execute("SELECT count(*) FROM ideas_ideas i WHERE i.votes != (SELECT "
                       "count(*) FROM ideas_votes v WHERE v.idea_id = i.topic_id)").fetchone()
    boards = db.execute("SELECT count(*) FROM ideas_boards").fetchone()[0]
    # the home page's "Latest" column names the board's latest idea (it said "—")
    latest = db.execute("SELECT t.title FROM categories c JOIN topics t "
                        "ON t.id = c.last_topic_id WHERE c.slug = 'ideas'").fetchone()
    db.close()
    assert boards == 1 and exact == (0,)
    assert latest is not None and latest[0] in statuses
    assert statuses["Dark mode for the dashboard"] == "planned"
    assert {"new", "under_review", "planned", "in_progress", "done"} <= set(statuses.values())


def test_the_ideas_api_keeps_to_its_openapi_document(board, monkeypatch):
    """schemathesis over the ideas endpoints, every phase and check, as a moderator: the
    staff's operations (statuses, merging) succeed here, which a member's run cannot reach
    (the core's tests/functional/test_api_schema.py runs every operation as a member)."""
    whoosh_names_from_secrets(monkeypatch)
    ideas = make_ideas(board, 3)
    vote(board.browser("nils"), ideas[0])
    token = api_token(board, "mod")["Authorization"].removeprefix("Bearer ")
    failures = check_api(board, token, tags=("ideas",), max_examples=15)
    assert not failures, "\n\n".join(failures)


def test_search_lists_an_idea_once_as_an_idea(board):
    (idea,) = make_ideas(board, 1)
    board.create_topic("mira", "general", "Idea discussion elsewhere", "An idea number talk")
    page = board.browser().app.get("/search", params={"q": "idea number"})
    results = page.html.select(".search-results > li")
    links = [li.select_one("a.listing-title")["href"] for li in results]
    assert sum(href.startswith(f"/t/{idea}/") for href in links) == 1, links
    (shown,) = [li for li in results
                if li.select_one("a.listing-title")["href"].startswith(f"/t/{idea}/")]
    assert shown.select_one(".badge").text == "Idea"
    assert len(results) == 2 and "2 results" in page.html.select_one(".search-count").text
    api = board.browser().app.get("/api/v1/search", params={"q": "idea number"}).json
    assert api["total"] == 2
    assert sorted(r["type"] for r in api["items"]) == ["idea", "topic"], api
    # asked for topics, the idea's topic is still found as a topic
    only_topics = board.browser().app.get("/api/v1/search", params={
        "q": "idea number", "type": "topic"}).json
    assert only_topics["total"] == 2
