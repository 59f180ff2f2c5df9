"""Members' pages kept in memory: one page for every member who would see the same.

A signed-in member's topic page is mostly what every member of the same role, groups and
language sees. What is theirs alone: their name and CSRF token in the header and forms, the
controls on their own posts, their own held posts, how far they have read, their unread
notifications, and whatever a plugin shows of them (their votes).

So such a page is rendered once for a *stand-in*: a member of that role, groups and language
who owns nothing, has read nothing and has no notifications. It can hold nothing of any real
member, since none was asked about. That page is kept (key: the address, the principals, the
language and what the plugins' visibility filters make of the member; valid for one
generation, as the anonymous page cache's entries are) and served before Pyramid runs to each
member it is right for:

* whose sign-in session is still valid (checked on each request, with its expiry);
* who is not on the page's list of members it differs for (the authors of its posts and of the
  topic's held posts, and any member a plugin named with :func:`shown_per_member`);
* whose read marker is already at the page's last post (otherwise the page is rendered for
  them, which moves the marker);
* who has no unread notification (otherwise the header would show a count).

A page is not kept at all where the plugins' visibility filters narrow what the stand-in sees
differently from what they narrow for the member (a filter that asks who the member is, not
only their principals): those members get their pages rendered, as everyone did before.

The member's own name and CSRF token are swapped in. Everyone else, and every other page, gets
the forum's page rendered for them, as before.

A view opts in with :func:`share_with_members`; only the topic page does. What a view or
plugin shows on such a page must come from the database's models that change the generation,
or be declared per member: writes of the models marked ``page_cache_neutral`` do not make kept
pages stale (read markers and notifications are checked on each request instead).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from sqlalchemy import bindparam, exists, select

from .accounts.models import AuthSession, User
from .accounts.security import COOKIE_NAME, RESTRICTED, STAND_IN
from .accounts.services import hash_token
from .content.models import TopicRead
from .db import SAFE_METHODS, utcnow
from .i18n import LOCALE_COOKIE, choose_locale
from .notifications.models import Notification
from .pagecache import (
    GENERATION,
    UNCACHEABLE,
    Entry,
    PageCache,
    SharedReads,
    _keepable,
    without_token,
)
from .visibility import plugin_filters

if TYPE_CHECKING:
    from pyramid.request import Request

    from .pagecache import CachedPages

log = logging.getLogger(__name__)
#: environ: what the page rendered for this request declared (a :class:`Sharing`)
SHARING = "forum.member_pages.sharing"
NAME = "\x00forum-member-name\x00"
USERNAME = "\x00forum-member-username\x00"
#: X-Forum-Cache of a member's page served from memory
MEMBER_HIT = "member"


@dataclass
class Sharing:
    """What a page rendered for a member declared about sharing it (kept in the environ)."""

    shared: bool = False
    #: members the page differs for; None: every member (nothing is shared)
    differs_for: set[int] | None = field(default_factory=set)
    #: (topic id, post number): the member's read marker must be at least there
    read_up_to: tuple[int, int] | None = None
    #: who asked, when it was a member: what the page cache needs to know of them
    member: Member | None = None
    #: what the plugins' visibility filters made of the viewer (``plugin_filters``)
    filters: str | None = None


@dataclass(frozen=True)
class Member:
    """What decides which kept pages are a member's: read when their page was rendered,
    valid until the generation changes (role, groups, language and name are such writes)."""

    user_id: int
    role: str
    principals: frozenset[str]
    #: the plugins' visibility filters for them: a page is kept only where the stand-in's match
    filters: str
    locale: str | None
    name: str
    username: str


@dataclass(frozen=True)
class StandIn:
    """Who a page is rendered for when it is to be kept: a user with no id, the members'
    role and language, and their principals."""

    principals: frozenset[str]
    user: User = field(compare=False)


def _sharing(request: Request) -> Sharing:
    return request.environ.setdefault(SHARING, Sharing())


def is_stand_in(request: Request) -> bool:
    """Whether this request renders a page to be kept for members (its ``request.user`` is
    the stand-in: no id, nothing of their own; write nothing for them)."""
    return STAND_IN in request.environ


def share_with_members(request: Request, differs_for: Callable[[], Iterable[int]],
                       read_up_to: tuple[int, int] | None = None) -> None:
    """Let this GET page be rendered once for the members who see the same, and kept.
    ``differs_for()``: the members whose page is not that one (authors of the posts on it,
    with their own controls; authors of held posts, who see them), asked only when the page
    is rendered to be kept. ``read_up_to``: (topic id, number) the page moves a member's read
    marker to."""
    if request.method not in SAFE_METHODS:
        return
    sharing = _sharing(request)
    sharing.shared = True
    sharing.read_up_to = read_up_to
    if is_stand_in(request):
        sharing.filters = plugin_filters(request.viewer)
        if sharing.differs_for is not None:
            sharing.differs_for.update(differs_for())
        return
    user = request.user
    if user is not None and user.id is not None and RESTRICTED not in request.principals:
        mine = f"user:{user.id}"
        sharing.member = Member(user.id, user.role,
                                frozenset(p for p in request.principals if p != mine),
                                plugin_filters(request.viewer), user.locale, user.name,
                                user.username)


def shown_per_member(request: Request, user_ids: Iterable[int] | None = None) -> None:
    """This page shows something of these members' own (their vote, their draft): they get a
    page rendered for them. With no ids, every member does: the page is not shared."""
    sharing = _sharing(request)
    if user_ids is None or sharing.differs_for is None:
        sharing.differs_for = None
    else:
        sharing.differs_for.update(user_ids)


@dataclass(frozen=True)
class Kept(Entry):
    """A member page kept for one generation, or (``shared`` false) the note that the page
    at this key is not shared in this generation."""

    shared: bool = True
    differs_for: frozenset[int] = frozenset()
    read_up_to: tuple[int, int] | None = None


class MemberPages:
    """The signed-in half of :class:`~forum_core.pagecache.CachedPages`: requests with a
    sign-in cookie come here, and a kept page is served when it is right for the member."""

    def __init__(self, pages: CachedPages) -> None:
        self.pages, self.app, self.settings = pages, pages.app, pages.settings
        self.current_generation = pages.current_generation
        self.csrf_cookie = pages.csrf_cookie
        self.cache = PageCache(self.settings["forum.page_cache_entries"],
                               self.settings["forum.page_cache_seconds"])
        self.members = SharedReads()  # token hash -> Member, per generation
        self.engine = pages.registry["forum.db_engine"]
        # one round trip: the session (still valid?), the read marker, any unread notification
        self.check = select(
            AuthSession.user_id,
            select(TopicRead.last_read_number)
            .where(TopicRead.user_id == AuthSession.user_id,
                   TopicRead.topic_id == bindparam("topic")).scalar_subquery(),
            exists().where(Notification.user_id == AuthSession.user_id,
                           Notification.read_at.is_(None)),
        ).where(AuthSession.token_hash == bindparam("token_hash"),
                AuthSession.expires_at > bindparam("now"))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any],
                 cookies: Any, token: str | None) -> Any:
        session_token = cookies[COOKIE_NAME]
        if not session_token or len(session_token) > 128:
            return self.app(environ, start_response)
        token_hash = hash_token(session_token)
        generation = environ[GENERATION] = self.current_generation()
        member = self.members.peek(token_hash, generation)
        if member is None:
            return self._learn(token_hash, generation, environ, cookies, start_response)
        key, locale = self._key(environ, cookies, member)
        kept = self.cache.get(key, generation)
        if kept is None:
            return self._learn(token_hash, generation, environ, cookies, start_response)
        if not kept.shared or member.user_id in kept.differs_for:
            return self.app(environ, start_response)
        topic, number = kept.read_up_to or (0, 0)
        with self.engine.connect() as connection:
            found = connection.execute(self.check, {"token_hash": token_hash, "now": utcnow(),
                                                    "topic": topic}).first()
        if found is None or found[0] != member.user_id or found[2] or \
                (kept.read_up_to is not None and (found[1] or 0) < number):
            # signed out, a marker to move or notifications to show: the forum renders it
            return self.app(environ, start_response)
        return self._serve(kept, member, environ, token, start_response)

    def _key(self, environ: dict[str, Any], cookies: Any, member: Member
             ) -> tuple[tuple[Any, ...], str]:
        locale = choose_locale(self.settings, member.locale, cookies.get(LOCALE_COOKIE),
                               environ.get("HTTP_ACCEPT_LANGUAGE"))
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return (environ["wsgi.url_scheme"], host,
                environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""), locale, member.principals,
                member.filters), locale

    def _serve(self, kept: Kept, member: Member, environ: dict[str, Any], token: str | None,
               start_response: Callable[..., Any]) -> list[bytes]:
        body = kept.body.replace(NAME.encode(), str(escape(member.name)).encode()) \
            .replace(USERNAME.encode(), str(escape(member.username)).encode())
        return self.pages.serve_kept(kept, environ, token, start_response, body, MEMBER_HIT, 1)

    def _learn(self, token_hash: str, generation: int, environ: dict[str, Any], cookies: Any,
               start_response: Callable[..., Any]) -> Any:
        """The forum renders the page for the member. If it is a page members may share,
        remember who they are, and (once per key and generation) render and keep the
        stand-in's page."""
        plain = {name: value for name, value in environ.items()
                 if "." not in name or name.startswith("wsgi.")}
        answer = self.app(environ, start_response)
        sharing: Sharing | None = environ.get(SHARING)
        if sharing is None or not sharing.shared or sharing.member is None:
            return answer
        member = sharing.member
        self.members.put(token_hash, generation, member)
        key, locale = self._key(environ, cookies, member)
        if environ["REQUEST_METHOD"] == "GET" and self.cache.get(key, generation) is None:
            try:
                self._keep(key, generation, plain, cookies, member, locale)
            except Exception:  # the member's own page is rendered: keeping one is extra
                log.exception("the members' page of %s was not kept", environ.get("PATH_INFO"))
        return answer

    def _keep(self, key: tuple[Any, ...], generation: int, plain: dict[str, Any],
              cookies: Any, member: Member, locale: str) -> None:
        stand_in = User(id=None, username=USERNAME, display_name=NAME, role=member.role,
                        locale=locale, status="active")
        csrf = self.csrf_cookie.cookie_name
        environ = {**plain, "wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0",
                   GENERATION: generation,
                   STAND_IN: StandIn(member.principals, stand_in),
                   # the member's CSRF token (it is taken out of the kept page), not their
                   # sign-in: nothing in the forum can find out who they are
                   "HTTP_COOKIE": f"{csrf}={cookies[csrf]}" if csrf in cookies else ""}
        captured: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return written.append

        chunks = self.app(environ, capture)
        try:
            body = b"".join([*written, *chunks])
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        sharing: Sharing | None = environ.get(SHARING)
        kept = _keepable(captured["status"], captured["headers"], self.csrf_cookie.cookie_name)
        if kept is None or environ.get(UNCACHEABLE) or sharing is None or not sharing.shared \
                or sharing.differs_for is None or sharing.filters != member.filters:
            # (a plugin filters what these members see by who they are: no stand-in for them)
            self.cache.put(key, Kept(generation, time.monotonic(), "", (), b"", False,
                                     shared=False))
            return
        headers, new_token = kept
        self.cache.put(key, Kept(generation, time.monotonic(), captured["status"], headers,
                                 *without_token(body, new_token or cookies.get(csrf)),
                                 differs_for=frozenset(sharing.differs_for),
                                 read_up_to=sharing.read_up_to))
