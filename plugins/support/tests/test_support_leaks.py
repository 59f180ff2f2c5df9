"""Nothing of a support category inside a closed group's space, nor of a private
conversation taken from a question, reaches anyone who may not see it: pages, lists, the
queue, the dashboard and its CSV, search, feeds, notifications and the JSON API, on SQLite
and PostgreSQL. The outsiders are a visitor, a member, a member of another group and a
moderator outside the group (who is staff, and still sees nothing of the group)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from suphelpers import BACKENDS, ask, make_support, make_support_category

GROUP_SECRETS = ("SECRET-GROUP-QUESTION", "SECRET-GROUP-DETAILS", "SECRET-GROUP-ANSWER")
PRIVATE_SECRETS = ("SECRET-PRIVATE-MESSAGE", "SECRET-PRIVATE-REPLY")


@pytest.fixture(params=BACKENDS)
def world(request, make_forum):
    forum = make_support(make_forum, postgres=request.param)
    for name in ("owner", "insider", "gus"):
        forum.create_user(name)
    _group, space = forum.create_group("Partners", "owner", ["insider"], space="Partner help")
    forum.create_group("Neighbours", "gus", [], space="Neighbour room")
    make_support_category(forum, space)
    secret = ask(forum, "insider", "SECRET-GROUP-QUESTION about prices",
                 "SECRET-GROUP-DETAILS for @other and @mod", slug=space)
    answer = forum.reply("owner", secret, "SECRET-GROUP-ANSWER is the price list")
    insider = forum.browser("insider")
    assert insider.post_form(f"/support/q/{secret}/accept", post_id=str(answer)) \
        .status_int == 303
    public = ask(forum, "asker", "My invoice is wrong", "Please check my account.")
    moved = forum.browser("ada").post_form(f"/support/q/{public}/escalate",
                                           message="SECRET-PRIVATE-MESSAGE: your number?")
    assert moved.status_int == 303, moved.text
    private = int(moved.headers["Location"].split("/t/")[1].split("/")[0])
    forum.reply("asker", private, "SECRET-PRIVATE-REPLY: it is 12345")
    forum.run_jobs()
    return {"forum": forum, "space": space, "secret": secret, "answer": answer,
            "public": public, "private": private}


def surfaces(world):
    space, secret, private = world["space"], world["secret"], world["private"]
    urls = ["/", "/latest", "/latest.atom", "/sitemap.xml", "/notifications",
            "/api/v1/notifications", "/u/asker", "/u/insider", "/support/",
            "/support/c/help", f"/support/c/{space}", f"/support/c/{space}?filter=solved",
            f"/support/c/{space}/ask", f"/c/{space}", f"/c/{space}/feed.atom", "/c/help",
            "/c/help/feed.atom", "/support/queue", "/support/queue?show=escalated",
            "/support/dashboard", "/support/dashboard.csv",
            "/support/dashboard.csv?rows=questions", f"/support/dashboard?category={space}",
            "/api/v1/support/categories", f"/api/v1/support/categories/{space}/questions",
            "/api/v1/support/categories/help/questions", "/api/v1/support/queue",
            "/api/v1/support/stats", f"/api/v1/support/questions/{world['public']}"]
    for topic in (secret, private):
        urls += [f"/t/{topic}", f"/t/{topic}/feed.atom", f"/api/v1/topics/{topic}",
                 f"/api/v1/topics/{topic}/posts", f"/api/v1/support/questions/{topic}"]
    for query in ("secret", "secret*", "price", "12345"):
        urls += [f"/search?{urlencode({'q': query})}",
                 f"/search?{urlencode({'q': query, 'type': 'question'})}",
                 f"/api/v1/search?{urlencode({'q': query})}",
                 f"/api/v1/similar?{urlencode({'text': query})}",
                 f"/api/v1/support/similar?{urlencode({'title': query + ' prices'})}"]
    return urls


def leaks(browser, urls, secrets, headers=None):
    found = []
    for url in urls:
        response = browser.app.get(url, headers=headers or {}, status="*")
        if response.status_int in (301, 302, 303):
            response = response.follow(status="*")
        assert response.status_int < 500, (url, response.status_int)
        found += [(url, secret) for secret in secrets if secret in response.text]
    return found


@pytest.mark.parametrize("who", [None, "other", "gus", "mod"])
def test_a_groups_support_category_is_closed_to_outsiders(world, who):
    forum = world["forum"]
    browser = forum.browser(who)
    headers = {"Authorization": f"Bearer {forum.api_token(who)}"} if who else None
    urls = surfaces(world)
    assert leaks(browser, urls, GROUP_SECRETS) == []
    assert leaks(browser, urls, GROUP_SECRETS, headers) == []
    assert browser.app.get(f"/support/c/{world['space']}", status="*").status_int == 404
    for action, fields in (("accept", {"post_id": str(world["answer"])}),
                           ("claim", {"action": "claim"}), ("helpful", {"helpful": "yes"}),
                           ("escalate", {"message": "Hello"})):
        status = browser.post_form(f"/support/q/{world['secret']}/{action}",
                                   **fields).status_int
        assert status in (403, 404), (action, status)
    assert not any(secret in text for text in browser.crawl(limit=80).values()
                   for secret in GROUP_SECRETS)


@pytest.mark.parametrize("who", [None, "other", "gus"])
def test_a_private_conversation_is_closed_to_all_but_its_asker_and_staff(world, who):
    forum = world["forum"]
    browser = forum.browser(who)
    headers = {"Authorization": f"Bearer {forum.api_token(who)}"} if who else None
    urls = surfaces(world)
    assert leaks(browser, urls, PRIVATE_SECRETS) == []
    assert leaks(browser, urls, PRIVATE_SECRETS, headers) == []
    assert browser.app.get(f"/t/{world['private']}", status="*").status_int in (403, 404)
    public = browser.app.get(f"/t/{world['public']}").maybe_follow()
    assert "private conversation" in public.text, "the public question keeps a note"
    assert not any(secret in text for text in browser.crawl(limit=80).values()
                   for secret in PRIVATE_SECRETS)


def test_the_insiders_see_what_the_outsiders_do_not(world):
    """The checks above can fail: the secrets are there for those who may see them."""
    forum = world["forum"]
    insider, asker, mod = (forum.browser(name) for name in ("insider", "asker", "mod"))
    assert "SECRET-GROUP-ANSWER" in insider.app.get(f"/t/{world['secret']}").maybe_follow()\
        .html.select_one(".support-answer").text
    assert "SECRET-GROUP-QUESTION" in insider.app.get(
        "/search", params={"q": "secret", "type": "question"}).text
    private = asker.app.get(f"/t/{world['private']}").maybe_follow().text
    assert "SECRET-PRIVATE-MESSAGE" in private and "SECRET-PRIVATE-REPLY" in private
    assert "SECRET-PRIVATE-MESSAGE" in mod.app.get(f"/t/{world['private']}").maybe_follow().text
    found = asker.app.get("/api/v1/search", params={"q": "secret"}).json["items"]
    assert world["private"] in {item["id"] for item in found}, "the asker finds it"
    notes = asker.app.get("/notifications").text
    assert "Private: My invoice is wrong" in notes
    admin_csv = forum.browser("ada").app.get("/support/dashboard.csv?rows=questions").text
    assert "SECRET-GROUP-QUESTION" in admin_csv, "administrators see every category"
    mod_page = mod.app.get("/support/dashboard").text
    assert "Partner help" not in mod_page and "Help" in mod_page
