"""The search page: a form whose filters live in the URL, so a search can be bookmarked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.request import Request
from pyramid.view import view_config

from ..errors import ValidationError
from ..i18n import _
from ..search.backends import SearchUnavailable
from ..search.service import (
    INDEX_KEY,
    SORTS,
    SearchPage,
    category_scope,
    clean_params,
    run_search,
)

if TYPE_CHECKING:
    from pyramid.config import Configurator

SEARCH_UNAVAILABLE = _("Search is not available right now. Please try again later; the rest of "
                       "the forum works as usual.")
SEARCH_UNAVAILABLE_HEADERS = {"Retry-After": "300", "Cache-Control": "no-store"}


def includeme(config: Configurator) -> None:
    config.add_route("search", "/search")
    config.scan(__name__)


@view_config(route_name="search", renderer="search/search.html")
def search(request: Request) -> dict[str, Any]:
    params = clean_params(request.GET)
    scope = category_scope(request)
    error = None
    try:
        page = run_search(request, params, scope=scope)
    except ValidationError as exc:
        request.response.status = 400
        error = request.translate(exc.message)
        page = SearchPage(params=params)
    except SearchUnavailable:  # logged; the form stays, to try again later
        request.response.status = 503
        request.response.headers.update(SEARCH_UNAVAILABLE_HEADERS)
        error = request.translate(SEARCH_UNAVAILABLE)
        page = SearchPage(params=params)
    index = request.registry[INDEX_KEY]
    statuses = [status for type_ in index.types.values() for status in type_.statuses]
    return {"page": page, "error": error, "types": list(index.types.values()),
            "categories": scope.readable, "statuses": statuses, "sorts": SORTS,
            "types_by_name": index.types, "query": params.get("q", "")}
