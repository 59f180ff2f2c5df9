"""Two app processes on one PostgreSQL database, as behind a load balancer: what one saves the
other shows and finds, a sign-in made on one works on the other, rate limits hold across
both."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from tests.functional.test_discussions import make_category, make_topic
from tests.reliability.conftest import api_tokens, call

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_two_processes_share_posts_search_sessions_and_limits(make_forum, serve):
    forum = make_forum(postgres=True, **{"forum.search_backend": "postgresql"})
    token, = api_tokens(forum, "mira", 1)
    make_category(forum, "General")
    topic = make_topic(forum, "mira0", "general", "Shared", "Two servers, one database.")
    first = serve(forum, name="first", FORUM_RATE_POST="3/600")
    second = serve(forum, name="second", FORUM_RATE_POST="3/600")

    # a reply through the first is read and found through the second
    status, post = call(f"{first.url}/api/v1/topics/{topic}/posts", "POST",
                        {"body": "Wombat crossing"}, token)
    assert status == 201
    status, posts = call(f"{second.url}/api/v1/topics/{topic}/posts")
    assert "Wombat crossing" in [p["body"] for p in posts["items"]]
    status, found = call(f"{second.url}/api/v1/search?q=wombat")
    assert [item["id"] for item in found["items"]] == [post["id"]]
    page = urllib.request.urlopen(f"{second.url}/t/{topic}").read().decode()
    assert "Wombat crossing" in page  # also the second's anonymous page cache

    # a sign-in made on the first works on the second (cookies are per host, not per port)
    member = browser()
    login = member.open(f"{first.url}/login").read().decode()
    form = urllib.parse.urlencode({"login": "mira0", "password": "correct horse battery",
                                   "csrf_token": csrf_of(login)}).encode()
    member.open(f"{first.url}/login", form)
    account = member.open(f"{second.url}/account").read().decode()
    assert 'class="nav-user"' in account and "mira0" in account

    # the post rate limit (3 per 10 minutes) counts posts made through either process
    for url in (second.url, first.url):
        assert call(f"{url}/api/v1/topics/{topic}/posts", "POST", {"body": "more"},
                    token)[0] == 201
    for url in (first.url, second.url):
        status, problem = call(f"{url}/api/v1/topics/{topic}/posts", "POST",
                               {"body": "one too many"}, token)
        assert status == 429 and problem["status"] == 429
