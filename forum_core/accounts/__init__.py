"""Member accounts: sign-in, roles and the security policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .interfaces import IUserService
from .security import ForumSecurityPolicy, _request_principals, _request_user
from .services import PROFILE_ROUTE, DatabaseUserService

if TYPE_CHECKING:
    from pyramid.config import Configurator


def _user_service(context: object, request: object) -> DatabaseUserService:
    return DatabaseUserService(request.db)  # type: ignore[attr-defined]


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.register_service_factory(_user_service, IUserService)
    config.add_request_method(_request_user, "user", reify=True)
    config.add_request_method(_request_principals, "principals", reify=True)
    config.set_security_policy(ForumSecurityPolicy(
        secure=settings["forum.cookie_secure"], days=settings["forum.session_days"]))
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.register", "/register")
    config.add_route("accounts.forgot", "/password/forgot")
    config.add_route("accounts.reset", "/password/reset/{token}")
    config.add_route("accounts.settings", "/account")
    config.add_route("accounts.profile", PROFILE_ROUTE)
    config.add_route("accounts.avatar", "/avatars/{name}")
    config.scan(".views")
