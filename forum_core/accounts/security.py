"""Who is asking, and what may they do: Pyramid's security policy for the forum.

An API request may instead carry a personal API token (``Authorization: Bearer``), also
stored hashed. A signed-in browser carries a random token in the ``forum_session`` cookie (HttpOnly,
SameSite=Lax, Secure when configured). The token's hash is looked up in ``auth_sessions``, so
sign-ins work across several app processes and can be revoked. Principals are the member's id
and role plus whatever ``forum_extra_principals`` adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy
from zope.interface import implementer

from ..db import utcnow
from .interfaces import IUserService
from .services import user_for_api_token, user_for_feed_token, user_for_session_token

if TYPE_CHECKING:
    from pyramid.request import Request

    from .models import User

COOKIE_NAME = "forum_session"
#: Principal of a signed-in member who is suspended.
RESTRICTED = "status:restricted"


def principals_for(request: Request, user: User | None) -> list[str]:
    principals = [Everyone]
    if user is not None and user.is_restricted(utcnow()):
        # a suspended member reads like a visitor and may manage their own account only
        return [Everyone, RESTRICTED]
    if user is not None:
        principals += [Authenticated, f"user:{user.id}", f"role:{user.role}"]
    for extra in request.registry.forum.hooks.collect(
            "forum_extra_principals", request=request, user=user):
        principals.extend(extra)
    return principals


#: The JSON API's path prefix: only there does an ``Authorization: Bearer`` token count.
API_PREFIX = "/api/v1"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header on an API request, else None."""
    header = request.headers.get("Authorization", "")
    if not header[:7].lower() == "bearer " or not request.path.startswith(API_PREFIX + "/"):
        return None
    return header[7:].strip()


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def csrf_applies(request: Request) -> bool:
    """Whether a state-changing request must carry the CSRF token.

    CSRF forges what a browser's cookies authorise. Every form needs the token (signing in
    too: a forged sign-in would plant the attacker's account). An API request needs it only
    when a session cookie signs a member in: one with a Bearer token, or with no valid
    session, carries no authority a forger could borrow, and without a member it is refused
    with 401 like any unauthenticated API request.
    """
    if bearer_token(request) is not None:
        return False
    if not is_api_path(request.path):
        return True
    return bool(request.cookies.get(COOKIE_NAME)) and request.user is not None


#: the address of a member's personal feed, whose secret stands for them (feed readers
#: carry no cookie): ``/my/feed/<secret>.atom``
FEED_PREFIX = "/my/feed/"


def feed_token(request: Request) -> str | None:
    """The secret of a personal feed's address on a ``GET`` of one, else None."""
    path = request.path
    if request.method not in ("GET", "HEAD") or not path.startswith(FEED_PREFIX) \
            or not path.endswith(".atom"):
        return None
    return path[len(FEED_PREFIX):-len(".atom")]


def _request_user(request: Request) -> User | None:
    # (the lookups themselves, not through the request's service container: making the
    # container is a tenth of a millisecond that most pages need for nothing else)
    secret = feed_token(request)
    if secret is not None:  # the address stands for the member, for this feed alone
        return user_for_feed_token(request.db, secret)
    secret = bearer_token(request)
    if secret is not None:  # an API token stands for itself: the cookie is not looked at
        if not secret or len(secret) > 128:
            return None
        return user_for_api_token(request.db, secret)
    token = request.cookies.get(COOKIE_NAME)
    if not token or len(token) > 128:
        return None
    return user_for_session_token(request.db, token)


def _request_principals(request: Request) -> list[str]:
    return principals_for(request, request.user)


@implementer(ISecurityPolicy)
class ForumSecurityPolicy:
    def __init__(self, secure: bool, days: int) -> None:
        self.secure = secure
        self.max_age = days * 24 * 3600
        self.acl = ACLHelper()

    def identity(self, request: Request) -> User | None:
        return request.user

    def authenticated_userid(self, request: Request) -> int | None:
        user = request.user
        return None if user is None else user.id

    def permits(self, request: Request, context: Any, permission: str) -> Any:
        return self.acl.permits(context, request.principals, permission)

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        """Sign ``userid`` (a User) in; returns the Set-Cookie header."""
        token = request.find_service(IUserService).start_session(userid, self.max_age // 86400)
        return [("Set-Cookie", self._cookie(token, self.max_age))]

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        token = request.cookies.get(COOKIE_NAME)
        if token:
            request.find_service(IUserService).end_session(token)
        return [("Set-Cookie", self._cookie("", 0))]

    def _cookie(self, value: str, max_age: int) -> str:
        parts = [f"{COOKIE_NAME}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly",
                 "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
