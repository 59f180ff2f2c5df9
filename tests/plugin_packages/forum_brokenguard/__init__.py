"""Test plugin 'brokenguard': narrows access with each of the three hooks that do, and raises
in whichever of them ``BROKEN`` names (a bug, or a directory service that is down).

Categories whose slug starts with "guarded" are visible only to members with the principal
"guard:in" (members whose username starts with "insider") and to administrators; topics whose
title starts with "Guarded" are denied to everyone else by an ACL entry as well. Its footer
counts the topics the viewer may see (a slot that asks the visibility filter).
"""

from sqlalchemy import func, not_

from forum_core.api import Category, Markup, Plugin, hookimpl, visible_topics

plugin = Plugin(id="brokenguard", description="Narrows access, and breaks on demand.",
                api_version=2)

#: the hooks that raise: "principals", "acl", "filter"
BROKEN: set[str] = set()


class GuardDown(RuntimeError):
    pass


def _check(hook: str) -> None:
    if hook in BROKEN:
        raise GuardDown(f"{hook} is broken")


@hookimpl
def forum_extra_principals(request, user):
    _check("principals")
    return ["guard:in"] if user is not None and user.username.startswith("insider") else []


@hookimpl
def forum_extra_acl(request, resource):
    _check("acl")
    topic = getattr(resource, "topic", None)
    if topic is not None and topic.title.startswith("Guarded"):
        return [("Allow", "role:admin", "view"), ("Allow", "guard:in", "view"),
                ("Deny", "system.Everyone", "view")]
    return []


@hookimpl
def forum_visibility_filter(viewer, model):
    _check("filter")
    if model is Category and "guard:in" not in viewer.principals and not viewer.is_staff:
        return not_(Category.slug.startswith("guarded"))
    return None


@hookimpl
def forum_tpl_footer(request):
    query = visible_topics(request.viewer).with_only_columns(func.count())
    return Markup('<p class="guard-count">{}</p>').format(request.db.scalar(query))

