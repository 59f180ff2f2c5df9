"""Test plugin: makes member profiles searchable, as a plugin's own document type with a
status (the member's role) members can filter by."""

from __future__ import annotations

from sqlalchemy import func, select

from forum_core.api import (
    ApiEndpoint,
    ApiProblem,
    ContentItem,
    ContentType,
    NotificationKind,
    Plugin,
    SearchDocument,
    User,
    _,
    hookimpl,
)

plugin = Plugin(id="finder", description="Searchable member profiles (test plugin).",
                api_version=2)


class MemberType(ContentType):
    name = "member"
    label = _("Members")
    model = User
    searchable = True
    statuses = (("member", _("Member")), ("moderator", _("Moderator")), ("admin", _("Admin")))

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

    def items(self, request, keys):
        # profiles are public, except banned members'
        users = request.db.scalars(select(User).where(User.id.in_(keys),
                                                      User.status != "banned"))
        return {user.id: ContentItem("member", user.id, user.name,
                                     request.route_path("accounts.profile",
                                                        username=user.username),
                                     user.created_at, text=user.bio or "", status=user.role)
                for user in users}


@hookimpl
def forum_register_content_types():
    return [MemberType()]


@hookimpl
def forum_register_notification_kinds():
    return [NotificationKind("finder.seen", _("${actor} looked at ${title}"),
                             _("Visits of my profile"))]


def list_roles(context, request):
    """Members of one role (a plugin's own API endpoint)."""
    role = request.GET.get("role", "member")
    if role not in ("member", "moderator", "admin"):
        raise ApiProblem(400, _("Invalid role"), _("Ask for member, moderator or admin."))
    users = request.db.scalars(select(User).where(User.role == role, User.status != "banned")
                               .order_by(User.username))
    return {"role": role, "usernames": [user.username for user in users]}


@hookimpl
def forum_register_api_endpoints():
    return [ApiEndpoint(
        "finder.roles", "GET", "/finder/roles", list_roles, "Members by role",
        parameters=({"name": "role", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["member", "moderator", "admin"]}},),
        response_schema={"type": "object", "required": ["role", "usernames"],
                         "properties": {"role": {"type": "string"},
                                        "usernames": {"type": "array",
                                                      "items": {"type": "string"}}}},
        tag="finder")]
