"""The page that says what was wrong with a request a member made (a form refused, an action
not allowed), in their language, with a way back."""

from __future__ import annotations

from typing import Any

from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response


def problem_page(request: Request, message: Any, status: int = 400,
                 back: str | None = None) -> Response:
    """A "That did not work" page with ``message`` (a translation string, translated for the
    reader) and ``status`` (400, 403, 404, 409...), linking ``back`` when given; a visitor
    refused with 403 is offered to sign in. Return it from a view instead of raising."""
    response = render_to_response("problem.html", {
        "error": request.translate(message), "back": back, "status": status}, request)
    response.status = status
    return response
