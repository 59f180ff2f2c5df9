"""Test plugin: makes member profiles searchable, as a plugin's own document type with a
status (the member's role) members can filter by."""

from __future__ import annotations

from forum_core.api import (
    DocumentType,
    Plugin,
    SearchDocument,
    SearchResult,
    User,
    _,
    hookimpl,
)
from sqlalchemy import func, select

plugin = Plugin(id="finder", description="Searchable member profiles (test plugin).",
                api_version=1)


class MemberDocuments(DocumentType):
    name = "member"
    label = _("Members")
    statuses = (("member", _("Member")), ("moderator", _("Moderator")), ("admin", _("Admin")))
    models = (User,)

    def changed(self, session, obj):
        return (obj.id,)

    def documents(self, session, keys=None):
        query = select(User).order_by(User.id)
        if keys is not None:
            query = query.where(User.id.in_(keys))
        for user in session.scalars(query):
            yield SearchDocument("member", user.id, user.name, user.bio or "", user.created_at,
                                 status=user.role)

    def count(self, session):
        return session.scalar(select(func.count()).select_from(User))

    def results(self, request, keys):
        # profiles are public, except banned members'
        users = request.db.scalars(select(User).where(User.id.in_(keys),
                                                      User.status != "banned"))
        return {user.id: SearchResult("member", user.id, user.name,
                                      request.route_path("accounts.profile",
                                                         username=user.username),
                                      user.bio or "", user.created_at, status=user.role)
                for user in users}


@hookimpl
def forum_search_document_types():
    return [MemberDocuments()]
