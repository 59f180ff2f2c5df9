"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..i18n import _
from .interfaces import IUserService

MAX_FIELD = 1024


def safe_next(request: Request, target: str | None) -> str:
    """Only follow ``next=`` to a path on this site, never to another host."""
    default = request.route_path("core.home")
    if not target or len(target) > 2000:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@view_config(route_name="accounts.login", request_method="GET", renderer="accounts/login.html")
def login_form(request: Request) -> dict[str, Any]:
    return {"login": "", "error": None, "next": safe_next(request, request.GET.get("next"))}


@view_config(route_name="accounts.login", request_method="POST", renderer="accounts/login.html")
def login(request: Request) -> Any:
    login_name = request.POST.get("login", "")[:MAX_FIELD]
    password = request.POST.get("password", "")[:MAX_FIELD]
    next_url = safe_next(request, request.POST.get("next"))
    user = request.find_service(IUserService).authenticate(login_name, password)
    if user is None:
        request.response.status = 400
        return {"login": login_name, "next": next_url,
                "error": _("Wrong username, e-mail address or password.")}
    return HTTPSeeOther(next_url, headers=remember(request, user))


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_path("core.home"), headers=forget(request))
