"""Member accounts: sign-in, roles, the security policy and CSRF protection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.events import NewResponse

from .csrf import MaskedCookieCSRFStoragePolicy
from .interfaces import IUserService
from .security import ForumSecurityPolicy, _request_principals, _request_user, csrf_applies
from .services import DatabaseUserService
from .visits import last_visit, note_request

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request


def _user_service(context: object, request: Request) -> DatabaseUserService:
    return DatabaseUserService(request.db)


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.register_service_factory(_user_service, IUserService)
    config.add_request_method(_request_user, "user", reify=True)
    config.add_request_method(_request_principals, "principals", reify=True)
    config.add_request_method(last_visit, "last_visit", reify=True)
    config.add_subscriber(lambda event: note_request(event.request), NewResponse)
    config.set_security_policy(ForumSecurityPolicy(
        secure=settings["forum.cookie_secure"], days=settings["forum.session_days"]))
    # every view needs at least "view"; content resources decide who has it
    config.set_default_permission("view")
    # every state-changing request needs the CSRF token (double-submit cookie, no session),
    # except API requests that carry a Bearer token instead of the browser's cookies
    config.set_csrf_storage_policy(MaskedCookieCSRFStoragePolicy(
        cookie_name="forum_csrf", secure=settings["forum.cookie_secure"], httponly=True))
    config.set_default_csrf_options(require_csrf=True, callback=csrf_applies)
