"""The knowledge base's reading pages."""

from __future__ import annotations

from pyramid.view import view_config

from .services import KnowledgeBase


@view_config(route_name="kb.index", renderer="kb/index.html")
def index(request):
    """The top sections the viewer may read, with their subsections."""
    return {"tree": KnowledgeBase(request.db, request.viewer).tree()}
