"""HTTP validators and cache headers, so browsers and a reverse proxy share the work.

The forum keeps no pages of its own: every request is rendered through the security policy and
its view. What this module adds is HTTP's own caching, which never answers around that path:

* Every successful ``GET`` or ``HEAD`` answer with a body (pages, feeds, the JSON API) carries
  a strong ``ETag``, a hash of the body as rendered (the CSRF token unmasked) and the name of
  its encoding, and answers ``If-None-Match`` with ``304 Not Modified`` (WebOb's conditional
  responses) without masking or compressing anything. The hash is of what the request would get now,
  so a new reply, an edit, a hidden post or a changed permission is a new ETag at once, with
  nothing to invalidate and no counter that writers share.
* ``Cache-Control`` says who may keep a copy. An answer to a request that carries a member's
  credentials (the session cookie or an ``Authorization`` header) is ``private, no-cache``: the
  browser revalidates it, no shared cache keeps it. An answer to a visitor is ``public`` only
  when its view declared it the same for every visitor (:func:`same_for_every_visitor`) and
  nothing made it personal (:func:`keep_private`; printing the CSRF token does so); a reverse
  proxy may then keep it for ``forum.http_cache_seconds`` (``s-maxage``), browsers revalidate
  it each time (``max-age=0``). Every other page, plugin pages included, is ``private``.
* ``Vary`` names what the answer depends on besides its address: the language comes from the
  ``forum_locale`` cookie or ``Accept-Language``, the reader from the session cookie, and in
  the JSON API from ``Authorization``.
* An answer that sets a cookie, an error, a redirect, the answer to a form and anything its
  view marked ``no-store`` (the "not available" page of a failing access hook) get no
  validator and ``Cache-Control: no-store``: nothing personal, failed or changing is kept.

Then (:func:`finish_response`) the CSRF token's placeholders are masked
(:mod:`forum_core.accounts.csrf`) and the answer is compressed (:mod:`.compression`).
Files (static views, avatars) keep the headers their views give them and are only compressed.

``Last-Modified`` is left out on purpose: no page has an exact and cheap date, since hiding a
post, deleting a topic or closing a category changes what a page shows without moving any
timestamp the page could be dated by.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pyramid.events import NewResponse

from ..accounts.csrf import mask_placeholders, token_in_body, with_token
from ..accounts.security import API_PREFIX, COOKIE_NAME
from .compression import compress, planned_encoding

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

#: environ keys: the view declared the answer shareable; something made it personal
_SHARED = "forum.same_for_every_visitor"
_PERSONAL = "forum.personal_answer"
_SAFE_METHODS = ("GET", "HEAD")
_VARY = ("Cookie", "Accept-Language")
PRIVATE = "private, no-cache"
NO_STORE = "no-store"


def same_for_every_visitor(request: Request) -> None:
    """Declare that this ``GET`` answer is the same for every visitor who is not signed in
    (in their language), so a reverse proxy may keep it and give it to other visitors.

    Call it from a view whose answer depends only on its address, the language and what
    anonymous visitors may see. It changes nothing for signed-in members (their answers stay
    ``private``) and is overruled by :func:`keep_private`, by a cookie the answer sets and by
    an error. Pages that do not call it are never shared; browsers still revalidate them.
    """
    request.environ[_SHARED] = True


def keep_private(request: Request) -> None:
    """Declare that this answer holds something of the one who asked (a token, a form they
    filled in, a choice remembered for this browser): no shared cache may keep it, whatever
    else declared it shareable. A template slot whose HTML differs between visitors calls it;
    printing the CSRF token in a template already does."""
    request.environ[_PERSONAL] = True


def carries_credentials(request: Request) -> bool:
    """Whether the request carries a member's credentials, valid or not: decided without the
    database, so an expired sign-in errs on the private side."""
    return COOKIE_NAME in request.cookies or "Authorization" in request.headers


def _shareable(request: Request) -> bool:
    environ = request.environ
    return bool(environ.get(_SHARED)) and not environ.get(_PERSONAL) \
        and not carries_credentials(request)


def _validated(request: Request, response: Response) -> bool:
    """Whether the answer may have a validator: a 200 to GET or HEAD that sets no cookie and
    was not marked ``no-store``."""
    return (request.method in _SAFE_METHODS and response.status_code == 200
            and "Set-Cookie" not in response.headers
            and not response.cache_control.no_store)


def body_etag(body: bytes) -> str:
    """A strong entity tag for ``body``: equal bodies, equal tags."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def cache_control(request: Request) -> str:
    """The ``Cache-Control`` of a validated answer to ``request``."""
    if not _shareable(request):
        return PRIVATE
    seconds = request.registry.settings["forum.http_cache_seconds"]
    return f"public, max-age=0, s-maxage={seconds}" if seconds else "public, max-age=0"


def add_cache_headers(request: Request, response: Response, body: bytes,
                      encoding: str | None) -> None:
    """Validator and caching headers of an answer with a body (not a file); ``body`` is the
    body as rendered, the CSRF token in place."""
    if not _validated(request, response):
        response.headers["Cache-Control"] = NO_STORE
        return
    response.etag = body_etag(body) + (f"-{encoding}" if encoding else "")
    response.conditional_response = True
    response.headers["Cache-Control"] = cache_control(request)
    vary = list(response.vary or ())
    needed = _VARY + (("Authorization",) if request.path.startswith(API_PREFIX + "/") else ())
    vary += [name for name in needed if name not in vary]
    response.vary = tuple(vary)


def finish_response(event: NewResponse) -> None:
    """Validators and caching headers, then masked CSRF tokens, then compression."""
    request, response = event.request, event.response
    encoding = planned_encoding(request, response)
    if isinstance(response.app_iter, list | tuple):
        printed = token_in_body(request)
        body = response.body
        add_cache_headers(request, response, body if printed is None
                          else with_token(body, *printed), encoding)
        if response.etag and request.method in _SAFE_METHODS \
                and response.etag in request.if_none_match:
            return  # WebOb answers 304: nothing to mask or compress
        if printed is not None:
            response.body = mask_placeholders(body, *printed)
    compress(response, encoding)


def includeme(config: Configurator) -> None:
    # after the response callbacks, so the CSRF cookie a template asked for is already set
    config.add_subscriber(finish_response, NewResponse)
