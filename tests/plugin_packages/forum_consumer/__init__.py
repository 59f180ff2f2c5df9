"""Test plugin 'consumer': uses the registries through forum_core.api only.

It shows each post's vote score (the ``votes`` capability, whichever plugin provides it) in
the post_author slot, fills every per-post, profile, card and account slot with a marker
naming the object it was given, adds an admin page, declares a notification kind and writes
a notification inside the transaction of every reply that says "ping", and refuses (raises
inside the transaction) a reply that says "EXPLODE".
"""

from pyramid.view import view_config

from forum_core.api import (
    AdminPage,
    Markup,
    NotificationKind,
    Plugin,
    PostCreated,
    _,
    capability,
    hookimpl,
    notify,
    once_per_request,
)

plugin = Plugin(id="consumer", description="Uses the registries.", api_version=2)

PINGED = NotificationKind("consumer.pinged", _("${actor} pinged you in ${title}"),
                          _("Pings"))


class Refused(RuntimeError):
    pass


@hookimpl
def forum_register_notification_kinds():
    return [PINGED]


@hookimpl
def forum_register_admin_pages():
    return [AdminPage("consumer.admin", _("Consumer settings"), _("Nothing to set."))]


@hookimpl
def forum_on_event_in_transaction(session, event):
    if not isinstance(event, PostCreated):
        return
    from forum_core.api import Post, Topic

    post = session.get(Post, event.post_id)
    if "EXPLODE" in post.source:
        raise Refused("this reply is refused")
    if "ping" in post.source:
        topic = session.get(Topic, event.topic_id)
        notify(session, [topic.user_id], PINGED.name, post, actor=post.author)


def _scores(request, posts):
    votes = capability(request, "votes")
    if votes is None:
        return {}
    return once_per_request(request, ("consumer", "scores"), lambda: votes.scores(
        request.db, "topic", sorted({post.topic_id for post in posts})))


@hookimpl
def forum_tpl_post_author(request, post, posts):
    score = _scores(request, posts).get(post.topic_id)
    marker = Markup('<span class="consumer-author" data-post="{}">').format(post.id)
    return marker + (Markup("score {}</span>").format(score) if score is not None
                     else Markup("</span>"))


@hookimpl
def forum_tpl_post_body(request, post, posts):
    return Markup('<p class="consumer-body" data-post="{}" data-count="{}"></p>').format(
        post.id, len(posts))


@hookimpl
def forum_tpl_post_actions(request, post, posts):
    return Markup('<a class="consumer-action" href="#post-{}">x</a>').format(post.number)


@hookimpl
def forum_tpl_user_card(request, member):
    return Markup('<span class="consumer-card">{}</span>').format(member.username)


@hookimpl
def forum_tpl_profile(request, member):
    return Markup('<section class="consumer-profile"><h2>{}</h2></section>').format(
        member.username)


@hookimpl
def forum_tpl_account(request, user):
    return Markup('<section class="consumer-account"><h2>{}</h2></section>').format(
        user.username)


@view_config(route_name="consumer.admin", permission="administer",
             renderer="string")
def admin_page(request):
    return "consumer admin page"


def includeme(config):
    config.add_route("consumer.admin", "/admin")
    config.scan()
