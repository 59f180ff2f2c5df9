"""Security headers on every response: pages, errors, static files and the API.

The Content-Security-Policy allows scripts and styles only from the forum's own files (no
inline code anywhere, so nothing injected into a page can run), images from anywhere (posts
may show pictures from other sites; an image cannot run code), and no framing by other sites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.events import NewResponse

if TYPE_CHECKING:
    from pyramid.config import Configurator

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src * data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(event: NewResponse) -> None:
    headers = event.response.headers
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if event.request.registry.settings["forum.cookie_secure"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def includeme(config: Configurator) -> None:
    config.add_subscriber(add_security_headers, NewResponse)
