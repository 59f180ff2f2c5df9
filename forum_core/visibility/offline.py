"""A member's view outside their own requests: what a background job shows them (an e-mail)
goes through the same visibility choke point as the pages they would open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.request import Request, apply_request_extensions

from ..accounts.security import principals_for
from . import Viewer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..accounts.models import User


def member_request(session: Session, user: User, registry: Any, base_url: str) -> Request:
    """A request as ``user`` would make it, for a job that writes to them: ``request.db`` is
    ``session``, ``request.viewer`` sees what the member may see now (their role, groups and
    any plugin's principals), and links (``request.route_url``) start with ``base_url``
    (the ``forum.site_url`` setting). Content types' ``items``/``visible`` take it as they
    take a page's request.

    :param registry: the web application's Pyramid registry (its routes and languages).
    """
    request = Request.blank("/", base_url=base_url)
    request.registry = registry
    apply_request_extensions(request)
    # (the request's own properties are worked out from cookies: set them from the member)
    request.db = session
    request.user = user
    request.principals = principals_for(request, user)
    request.viewer = Viewer(user, frozenset(request.principals), registry.forum.hooks)
    return request


def request_as(session: Session, user: User) -> Request:
    """In a background job, a request as ``user`` would make it now (:func:`member_request`
    with the forum's web application and ``forum.site_url``): what the job shows or e-mails
    them goes through the visibility choke point as their own pages do
    (``content_type.visible(request_as(context.session, user), keys)``), and
    ``send_mail(request_as(...), user.email, ...)`` writes to them in their language.

    :raises RuntimeError: for a session that is not a job's or a forum command's.
    """
    from ..jobs.queue import QUEUE_KEY

    queue = session.info.get(QUEUE_KEY)
    if queue is None or queue.app_registry is None:
        raise RuntimeError("request_as works in the forum's jobs: this session has no web "
                           "application to take links and languages from")
    return member_request(session, user, queue.app_registry(),
                          queue.settings["forum.site_url"])


def member_viewer(request: Request, user: User) -> Viewer:
    """What member ``user`` may see now, asked during someone else's request (may the
    member an organiser invites see the event?): their role, groups and every plugin's
    principals, through the same choke point as their own pages."""
    return member_request(request.db, user, request.registry, request.application_url).viewer
