"""Addresses of discussions, for pages, e-mail, feeds, notifications and search results."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.request import Request

    from .models import Topic


def topic_url(request: Request, topic: Topic, number: int | None = None) -> str:
    """The path of ``topic``'s page, at post ``number`` when given."""
    url = request.route_path("content.topic", topic_id=topic.id, slug=topic.slug)
    return f"{url}#post-{number}" if number else url
