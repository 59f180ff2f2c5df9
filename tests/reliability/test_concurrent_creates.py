"""Repeated and concurrent "create if absent" requests (issue 19): the same member's join,
vote, read marker or token sent 8 times at once, and one username registered 8 times at
once, through two ``forum serve`` processes on one database (SQLite and PostgreSQL).

Every answer is what the first request got, or a refusal a person can read (a 409 problem,
a form's error); never a 500. Exactly one row is written, and counters equal what SQL
counts."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from forum_groups.models import Group, Invitation, JoinRequest, Membership
from forum_groups.services import GroupService
from forum_ideas.models import Idea, Vote
from forum_ideas.services import IdeaService
from sqlalchemy import func, select

from forum_core.accounts.models import ApiToken, User
from forum_core.content import content_service
from forum_core.content.models import Category, Post, TopicRead
from forum_core.moderation.models import Flag
from forum_core.testing import PASSWORD, run_together
from tests.reliability.conftest import DATABASES, api_tokens, call

pytestmark = pytest.mark.slow

#: requests sent at the same moment, alternately to each of the two servers
AT_ONCE = 8
#: generous: rate limits must not be what answers these requests
RATES = {"FORUM_RATE_REGISTER": "1000/60", "FORUM_RATE_LOGIN": "1000/60",
         "FORUM_RATE_POST": "1000/60"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 303 is the answer to look at


class Browser:
    """A browser over real HTTP: cookies (shared by its parallel requests, like tabs) and
    the CSRF token of its forms."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()

    def open(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """GET, or POST ``form`` with the CSRF token; the status, page and Location."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                             NoRedirect)
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf_token": self.csrf()}).encode()
        try:
            with opener.open(url, data, timeout=60) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "forum_csrf")

    def login(self, url: str, username: str) -> Browser:
        self.open(url + "/login")
        status, _page, _to = self.open(url + "/login", {"login": username,
                                                       "password": PASSWORD})
        assert status == 303
        return self


def at_once(urls: list[str], send) -> list[tuple[int, Any]]:
    """``send(base_url)`` AT_ONCE times at the same moment, alternating between the
    servers; the answers."""
    answers: list[tuple[int, Any]] = []
    errors = run_together(AT_ONCE, lambda i: answers.append(send(urls[i % len(urls)])))
    assert not errors, errors[:2]
    assert len(answers) == AT_ONCE
    assert all(status < 500 for status, *_rest in answers), answers
    return answers


def is_problem_409(status: int, body: Any) -> bool:
    return status == 409 and isinstance(body, dict) and body.get("status") == 409


def count(forum, model, *where) -> int:
    with forum.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture(params=DATABASES)
def servers(request, make_forum, serve):
    """A forum with groups and ideas on SQLite or PostgreSQL, members 'load0'..'load2' with
    API tokens, and the base URLs of two ``forum serve`` processes on its database; started
    by calling it once the test's data is written."""
    forum = make_forum(plugins=["groups", "ideas"], postgres=request.param)
    forum.tokens = api_tokens(forum, "load", 3)

    def start() -> list[str]:
        names = ("first", "second")
        urls: dict[int, str] = {}
        # both start at once: half the wait
        errors = run_together(2, lambda i: urls.update({i: serve(forum, name=names[i],
                                                                 **RATES).url}))
        assert not errors, errors
        return [urls[0], urls[1]]

    return forum, start


def test_joining_a_group_at_once_makes_one_membership(servers):
    forum, start = servers
    owner, member, asker = forum.tokens
    open_id, _space = forum.create_group("Open house", "load0", kind="open")
    request_id, _space = forum.create_group("Beta testers", "load0", kind="request")
    form_id, _space = forum.create_group("Form friends", "load0", kind="open")
    invite_id, _space = forum.create_group("Partners", "load0", kind="invite")
    with forum.session() as session:
        slugs = dict(session.execute(select(Group.id, Group.slug)).all())
        link = GroupService(session).invitation_link(session.get(Group, invite_id),
                                                     session.get(User, 1))
        users = dict(session.execute(select(User.username, User.id)).all())
    urls = start()

    # the JSON API, one member's token: every answer says "joined"
    answers = at_once(urls, lambda url: call(
        f"{url}/api/v1/groups/{slugs[open_id]}/membership", "POST", token=member))
    assert answers == [(200, {"state": "joined"})] * AT_ONCE
    assert count(forum, Membership, Membership.group_id == open_id,
                 Membership.user_id == users["load1"]) == 1
    status, listed = call(f"{urls[0]}/api/v1/groups/{slugs[open_id]}/members", token=owner)
    assert len(listed["items"]) == count(forum, Membership, Membership.group_id == open_id) == 2

    # asking to join a group on request: one request, kept with its first message
    answers = at_once(urls, lambda url: call(
        f"{url}/api/v1/groups/{slugs[request_id]}/membership", "POST", token=asker))
    assert answers == [(200, {"state": "requested"})] * AT_ONCE
    assert count(forum, JoinRequest, JoinRequest.group_id == request_id) == 1

    # the owner inviting one member, sent at once: one pending invitation
    answers = at_once(urls, lambda url: call(
        f"{url}/api/v1/groups/{slugs[invite_id]}/invitations", "POST", {"to": "load2"},
        owner))
    assert {status for status, _body in answers} == {201}
    assert count(forum, Invitation, Invitation.group_id == invite_id,
                 Invitation.user_id == users["load2"]) == 1

    # the join form, one member's browser (tabs): the page answers each, or a 409 page
    browser = Browser().login(urls[0], "load1")
    answers = at_once(urls, lambda url: browser.open(f"{url}/groups/{slugs[form_id]}",
                                                     {"action": "join"})[:2])
    for status, page in answers:
        assert (status == 200 and "You joined the group." in page) or status == 409, page
    assert count(forum, Membership, Membership.group_id == form_id,
                 Membership.user_id == users["load1"]) == 1

    # an invitation link opened in several tabs at once
    answers = at_once(urls, lambda url: browser.open(f"{url}/groups/invite/{link}", {}))
    assert {status for status, _page, _to in answers} == {303}
    assert count(forum, Membership, Membership.group_id == invite_id,
                 Membership.user_id == users["load1"]) == 1


def test_votes_accounts_tokens_and_read_markers_made_at_once_are_made_once(servers):
    forum, start = servers
    _owner, member, _asker = forum.tokens
    forum.create_category("Ideas")
    with forum.session() as session:
        service = IdeaService(session, content_service(session))
        ideas = session.scalar(select(Category).where(Category.slug == "ideas"))
        service.configure_board(ideas, True)
        author = session.scalar(select(User).where(User.username == "load0"))
        idea_id = service.submit(author, ideas, "Dark mode", "Please.").id
        member_id = session.scalar(select(User.id).where(User.username == "load1"))
    forum.create_category("General")
    topic_id = forum.create_topic("load0", "general", "Busy topic", "First")
    for n in range(3):
        forum.reply("load0", topic_id, f"Reply {n}")
    urls = start()

    # one member's vote sent at once: every answer shows one vote, the count is exact
    answers = at_once(urls, lambda url: call(f"{url}/api/v1/ideas/{idea_id}/vote", "PUT",
                                             {"value": 1}, member))
    assert {status for status, _body in answers} == {200}
    assert {body["votes"] for _status, body in answers} == {1}
    assert count(forum, Vote, Vote.idea_id == idea_id) == 1
    with forum.session() as session:
        assert session.get(Idea, idea_id).votes == 1
        assert session.scalar(select(func.sum(Vote.value)).where(Vote.idea_id == idea_id)) == 1

    # one username registered at once: one account, the others told the name is taken
    def register(url: str) -> tuple[int, str]:
        visitor = Browser()
        visitor.open(url + "/register")
        status, page, _to = visitor.open(url + "/register", {
            "username": "twin", "email": "twin@example.com", "password": PASSWORD,
            "password_again": PASSWORD})
        return status, page

    answers = at_once(urls, register)
    assert sorted(status for status, _page in answers) == [303] + [400] * (AT_ONCE - 1)
    for status, page in answers:
        assert status == 303 or "The username twin is taken." in page
    assert count(forum, User, func.lower(User.username) == "twin") == 1

    # a token of one name, the form sent at once from several tabs
    browser = Browser().login(urls[0], "load1")
    answers = at_once(urls, lambda url: browser.open(
        f"{url}/account", {"action": "create_token", "token_name": "backup"})[:2])
    made = [page for status, page in answers if status == 200]
    assert len(made) == 1 and 'id="new-token"' in made[0]
    for status, page in answers:
        assert status == 200 or (status == 400 and "You have a token named backup already"
                                 in page), page
    assert count(forum, ApiToken, ApiToken.user_id == member_id,
                 ApiToken.name == "backup") == 1

    # the topic opened for the first time in several tabs: one read marker, at the end
    answers = at_once(urls, lambda url: browser.open(f"{url}/t/{topic_id}/busy-topic")[:2])
    assert {status for status, _page in answers} == {200}
    with forum.session() as session:
        rows = session.scalars(select(TopicRead.last_read_number).where(
            TopicRead.user_id == member_id, TopicRead.topic_id == topic_id)).all()
        post_id = session.scalar(select(Post.id).where(Post.topic_id == topic_id,
                                                       Post.number == 2))
    assert rows == [4]

    # a post flagged from several tabs at once: one open flag, the others told so
    answers = at_once(urls, lambda url: browser.open(f"{url}/p/{post_id}/flag",
                                                     {"reason": "Spam, plainly."})[:2])
    assert sorted(status for status, _page in answers) == [303] + [400] * (AT_ONCE - 1)
    for status, page in answers:
        assert status == 303 or "You have flagged this post already" in page
    assert count(forum, Flag, Flag.post_id == post_id, Flag.resolved_at.is_(None)) == 1
