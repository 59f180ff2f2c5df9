"""Closed groups: members-only spaces inside the forum.

A group has members (owners manage them) and spaces: categories of its own whose topics only
its members (and administrators) see. It shows how a plugin protects content with nothing but
the core's public hooks: members get a ``group:<id>`` principal, and the visibility filter
hides the spaces of every other group from every listing, page, search, feed and API answer.
Each space is marked as governed by the plugin (``govern``), so while the plugin is disabled
the core keeps the spaces closed to everyone but administrators.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, select

from forum_core.api import Category, Markup, Plugin, _, escape, hookimpl, read_rows

from . import models  # noqa: F401  (registers the plugin's tables)
from .models import Membership, Space

plugin = Plugin(
    id="groups",
    description="Closed groups: members-only spaces, invitations and join requests.",
    api_version=2,
)

PRINCIPAL = "group:"


def group_ids(principals) -> list[int]:
    return [int(p[len(PRINCIPAL):]) for p in principals if p.startswith(PRINCIPAL)]


#: a member's groups (every signed-in request asks: built once)
_GROUPS_OF = select(Membership.group_id).where(Membership.user_id == bindparam("user_id"))


@hookimpl
def forum_extra_principals(request, user):
    """Every group a member belongs to, as ``group:<id>``: read on each request, so a removed
    member loses access at once."""
    if user is None:
        return []
    return [f"{PRINCIPAL}{group_id}"
            for group_id in read_rows(request.db, _GROUPS_OF, {"user_id": user.id}).scalars()]


@hookimpl
def forum_follow_audiences(session):
    """Each group is an audience for default follow levels ("Partners watch Partner
    news"); a member who joins gets them (``AudienceJoined`` from ``add_member``)."""
    return [(f"{PRINCIPAL}{group_id}", _("Group ${name}", mapping={"name": name}))
            for group_id, name in session.execute(
                select(models.Group.id, models.Group.name).order_by(models.Group.name))]


@hookimpl
def forum_visibility_filter(viewer, model):
    """Hide the spaces of groups the viewer is not in (administrators see everything).

    Topics and posts are visible only in readable categories, so filtering categories hides
    everything inside them too.
    """
    if model is not Category or "role:admin" in viewer.principals:
        return None
    return _outside_spaces(tuple(sorted(group_ids(viewer.principals))))


@lru_cache(maxsize=1024)
def _outside_spaces(mine):
    """The clause for a member of the groups ``mine``: one object per set of groups, so the
    core recognises it without examining it again (a clause holds no rows, only SQL)."""
    others = select(Space.category_id)
    if mine:
        others = others.where(Space.group_id.not_in(mine))
    return Category.id.not_in(others)


@hookimpl
def forum_demo_data(session, admin):
    """A partners' group (by invitation) with a members-only space, owned by the admin, with
    the demo member bob in it."""
    from forum_core.api import User

    from .services import GroupService, attach_space

    service = GroupService(session)
    group = service.create_group(admin, "Product partners",
                                 "Resellers and integrators: early news and price lists.",
                                 "invite")
    lounge = Category(slug="partner-lounge", name="Partner lounge",
                      description="Only members of Product partners read this.",
                      read_access="members", topic_access="members", reply_access="members",
                      position=90)
    session.add(lounge)
    session.flush()
    attach_space(session, lounge, group.id)
    bob = session.scalar(select(User).where(User.username == "bob"))
    if bob is not None:
        service.add_member(group, bob)
    service.create_group(admin, "Beta testers", "Try new versions before everyone else.",
                         "request")


@hookimpl
def forum_register_notification_kinds():
    from .services import ANNOUNCEMENT

    return [ANNOUNCEMENT]


@hookimpl
def forum_register_capabilities():
    from .services import GroupsCapability

    return {"groups": GroupsCapability()}


@hookimpl
def forum_register_api_endpoints():
    from .api import ENDPOINTS

    return ENDPOINTS


@hookimpl
def forum_tpl_nav(request):
    label = escape(request.translate(_("Groups")))
    # (concatenated: Markup.format's escaping formatter costs more than the rest of the link)
    return Markup(f'<li><a class="nav-groups" href="{escape(request.route_path("groups.index"))}">'
                  f'{label}</a></li>')


@hookimpl
def forum_tpl_error_help(request):
    """The same advice on every "not available" page: naming the group would tell outsiders
    what a hidden group's space holds."""
    text = request.translate(_(
        "If the link leads into a group's space, ask the group's owner to invite you, or "
        "join the group if it is open."))
    label = request.translate(_("See the groups"))
    return Markup('<p class="groups-help">{} <a href="{}">{}</a></p>').format(
        escape(text), request.route_path("groups.index"), escape(label))


def includeme(config):
    """Pages under /groups."""
    config.add_route("groups.index", "/")
    config.add_route("groups.new", "/new")
    config.add_route("groups.invite", "/invite/{token}")
    config.add_route("groups.announce", "/announce")
    config.add_route("groups.group", "/{slug}")
    config.add_route("groups.manage", "/{slug}/manage")
    config.scan(".views")
