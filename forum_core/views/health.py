"""``/healthz``: whether this process can serve pages, for process supervisors, container
health checks and load balancers.

It answers ``200 ok`` when the database answers ``SELECT 1`` on a connection of the forum's
own pool, and ``503`` when it does not. The answer is the same for everyone and says nothing
else: no member is looked up (no permission check, so a session cookie or a token costs
nothing and reveals nothing), no cookie is set, nothing is rendered, and no shared cache or
browser keeps it (``no-store``), so a check never sees an old answer. Why the database failed
goes to the log, never into the answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def database_answers(request: Request) -> bool:
    """Whether the forum's database answers a trivial query on a connection of its pool."""
    engine = request.registry["forum.db_engine"]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as exc:
        log.warning("health check: the database does not answer: %s",
                    " ".join(str(exc).split())[:500])
        return False
    return True


def health(request: Request) -> Response:
    healthy = database_answers(request)
    response = Response("ok\n" if healthy else "unavailable\n",
                        status=200 if healthy else 503,
                        content_type="text/plain", charset="utf-8")
    response.cache_control.no_store = True
    if not healthy:
        response.headers["Retry-After"] = "5"
    return response


def includeme(config: Configurator) -> None:
    config.add_route("core.health", HEALTH_PATH)
    # anyone may ask, and asking looks nobody up: no CSRF either, GET and HEAD change nothing
    config.add_view(health, route_name="core.health", request_method=("GET", "HEAD"),
                    permission=NO_PERMISSION_REQUIRED, require_csrf=False)
