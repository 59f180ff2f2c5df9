"""Test plugin 'gatekeeper': uses the permission and visibility hooks.

Members whose username starts with "vip" get the principal "club:vip"; categories whose slug
starts with "vip-" are visible only to them, and in them VIPs may start topics even where the
core says only moderators may; nobody may reply in a category called "read-only". Members
whose username starts with "quiet" do not see the posts of members whose username starts with
"loud" (a filter by who the viewer is, not by their principals). A member whose username
starts with "shunned" is denied "view" on topics whose title starts with "Closed:" by an ACL
entry naming them alone
(``("Deny", "user:<id>", "view")``).
"""

from sqlalchemy import not_, select

from forum_core.api import Category, Plugin, Post, User, hookimpl

plugin = Plugin(id="gatekeeper", description="Test of permission hooks.", api_version=2)

#: tests switch the deny of "shunned" members on and off
SHUNNING = {"on": True}


@hookimpl
def forum_extra_principals(request, user):
    return ["club:vip"] if user is not None and user.username.startswith("vip") else []


@hookimpl
def forum_visibility_filter(viewer, model):
    if model is Category and "club:vip" not in viewer.principals and not viewer.is_staff:
        return not_(Category.slug.startswith("vip-"))
    if model is Post and viewer.user is not None and viewer.user.username.startswith("quiet"):
        return Post.user_id.not_in(select(User.id).where(User.username.startswith("loud")))
    return None


@hookimpl
def forum_extra_acl(request, resource):
    category = getattr(resource, "category", None) or resource.topic.category
    entries = []
    if category.slug.startswith("vip-"):
        entries.append(("Allow", "club:vip", "start_topic"))
    if category.slug == "read-only":
        entries.append(("Deny", "system.Everyone", "reply"))
    user = request.user
    topic = getattr(resource, "topic", None)
    if SHUNNING["on"] and topic is not None and topic.title.startswith("Closed:") \
            and user is not None \
            and user.username.startswith("shunned"):
        entries.append(("Deny", f"user:{user.id}", "view"))
    return entries
