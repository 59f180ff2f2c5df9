"""Test plugin 'clash': views that break a unique key the way a careless plugin would, so
the tests can see what a member gets when an IntegrityError escapes a request.

``POST /clash/<how>`` inserts a second account with the signed-in member's username:
``flush`` through the ORM, flushed in the view (the session is broken from then on);
``commit`` added and left for the commit to flush; ``statement`` as one INSERT statement.
The JSON API endpoint ``POST /api/v1/clash`` does the ``flush`` kind.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import insert

from forum_core.api import ApiEndpoint, Plugin, User, hookimpl

plugin = Plugin(id="clash", description="Unique keys broken on purpose (test plugin).",
                api_version=2)


def _twin(request) -> dict:
    user = request.user
    return {"username": user.username, "email": "twin-" + user.email,
            "password_hash": user.password_hash}


def clash(request, how: str) -> None:
    values = _twin(request)
    if how == "flush":
        request.db.add(User(**values))
        request.db.flush()
    elif how == "commit":
        request.db.add(User(**values))
    elif how == "statement":
        request.db.execute(insert(User).values(**values))
    else:
        raise HTTPNotFound()


def clash_view(request):
    clash(request, request.matchdict["how"])
    return {"done": True}


def clash_endpoint(context, request):
    clash(request, "flush")
    return {"done": True}


@hookimpl
def forum_register_api_endpoints():
    return [ApiEndpoint("clash.create", "POST", "/clash", clash_endpoint,
                        "Break a unique key (test plugin)", signed_in=True, tag="clash",
                        response_schema={"type": "object"})]


def includeme(config):
    config.add_route("clash.page", "/{how}")
    config.add_view(clash_view, route_name="clash.page", request_method="POST",
                    renderer="json")
