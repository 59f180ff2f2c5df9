"""Pages of discussions: home, category, topic, new topic, reply, quote, edit, history."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPMovedPermanently, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy.exc import OperationalError

from ..accounts.interfaces import IUserService
from ..content.interfaces import IContentService, ITagService
from ..content.models import Post
from ..content.services import read_marker
from ..content.tags import TOPIC, split_names, tags_of, usable_tags
from ..content.urls import topic_url
from ..content.viewcount import view_counter
from ..drafts.interfaces import IDraftService
from ..drafts.services import new_topic_key, post_key, topic_key
from ..errors import ValidationError
from ..i18n import _
from ..limits import FORM_FIELD_MAX, parse_id
from ..pagination import BadCursor
from ..ratelimit import count_post
from ..rendering import plain_text
from ..visibility import lists, queries
from ..visibility.resources import CategoryResource, PostResource, TopicResource
from ..web.httpcache import same_for_every_visitor
from .lists import filter_query, list_rows, tag_filter

if TYPE_CHECKING:
    from pyramid.config import Configurator

log = logging.getLogger(__name__)


def _form(request: Request, name: str) -> str:
    """A form field as the view reads it: at most FORM_FIELD_MAX characters, far above every
    limit, so the service refuses a longer text with the same message as one just over its
    limit, and the form shows it again."""
    return request.POST.get(name, "")[:FORM_FIELD_MAX]


def excerpt(html: str, length: int = 160) -> str:
    """The start of a post as plain text, cut at a word, for meta descriptions."""
    text = plain_text(html)
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"


def _draft(request: Request, key: str) -> Any:
    """The signed-in member's draft for ``key`` (only of a place they may see), or None."""
    if request.user is None:
        return None
    return request.find_service(IDraftService).get(request.user, request.viewer, key)


def _draft_notice(request: Request) -> str | None:
    """What the page says after the form's "Save draft" or "Discard draft" (without
    JavaScript: the form posts and the page comes back with ``?draft=saved``)."""
    done = request.GET.get("draft")
    if done == "saved":
        return request.translate(_("Your draft is saved: it waits here when you come back."))
    if done == "discarded":
        return request.translate(_("The draft was discarded."))
    return None


def _draft_action(request: Request, key: str, body: str, title: str = "") -> Any:
    """The form's "Save draft" or "Discard draft" button (``draft=save|discard``): does it
    and sends the browser back to the form; None when the form was sent to post. A draft
    that cannot be kept raises ValidationError like a post."""
    action = request.POST.get("draft")
    if action not in ("save", "discard"):
        return None
    drafts = request.find_service(IDraftService)
    if action == "save":
        drafts.save(request.user, request.viewer, key, body, title)
        return HTTPSeeOther(request.path_url + "?draft=saved")
    drafts.discard(request.user.id, key)
    return HTTPSeeOther(request.path_url + "?draft=discarded")


def _editor(request: Request, key: str, draft: Any) -> dict[str, Any]:
    """What the post form shows about drafts: the key its JavaScript saves to, whether
    there is a draft to discard, and the notice after a draft button."""
    return {"draft_key": key, "has_draft": draft is not None,
            "draft_notice": _draft_notice(request)}


def _tag_field(request: Request, text: str, shown: bool = True) -> dict[str, Any]:
    """What the post form's tag field needs: whether to show it (the member may tag), the
    text it holds (names separated by commas) and the tags to choose from."""
    may = shown and request.find_service(ITagService).may_tag(request.user)
    return {"tag_field": may, "tags_text": text,
            "tag_choices": usable_tags(request.db, request.user) if may else [],
            "max_tags": request.registry.settings["forum.max_tags_per_topic"]}


def _topic_tags_text(request: Request, topic_id: int) -> str:
    return ", ".join(tag.name for tag in tags_of(request.db, TOPIC, [topic_id]).get(topic_id, ()))


#: the cookie reading.js sets: the browser reports which posts were seen (see topic())
JS_READS_COOKIE = "forum_reads"


def _remember_reading(request: Request, topic: Any, number: int,
                      only_new: bool = False) -> int | None:
    """Move the read marker when the page shows posts past it, and return where it is now
    (None: never opened), so the page a member revalidates is the page they got; a page view
    must not fail because of it. On SQLite a reading
    transaction that starts to write can meet a concurrent writer and get "database is
    locked" at once; the marker then simply moves on the next view (the write is a savepoint
    of its own: the page's transaction is intact). Two tabs opening a topic for the first
    time at once make one marker (mark_read). ``only_new``: make a first marker, never move
    one."""
    current = read_marker(request.db, request.user.id, topic.id)
    if current is not None and (number <= current or only_new):
        return current  # most views: read before, nothing to write
    try:
        request.find_service(IContentService).mark_read(request.user, topic, number)
    except OperationalError:
        log.info("read marker of topic %s not moved: the database was busy", topic.id)
        return current
    return max(current or 0, min(number, topic.post_number_seq))


def includeme(config: Configurator) -> None:
    config.add_route("core.home", "/")
    config.add_route("content.category", "/c/{slug}", factory=CategoryResource)
    config.add_route("content.new_topic", "/c/{slug}/new", factory=CategoryResource)
    config.add_route("content.topic_short", "/t/{topic_id}", factory=TopicResource)
    config.add_route("content.topic", "/t/{topic_id}/{slug}", factory=TopicResource)
    config.add_route("content.reply", "/t/{topic_id}/{slug}/reply", factory=TopicResource)
    config.add_route("content.edit", "/p/{post_id}/edit", factory=PostResource)
    config.add_route("content.history", "/p/{post_id}/history", factory=PostResource)
    config.add_route("content.preview", "/preview")
    config.add_route("content.read", "/t/{topic_id}/{slug}/read", factory=TopicResource)
    config.scan(__name__)


#: the latest topics the home page shows under the categories
HOME_LATEST = 10


@view_config(route_name="core.home", renderer="content/home.html")
def home(request: Request) -> dict[str, Any]:
    visible = queries.categories(request.db, request.viewer)
    ids = {category.id for category in visible}
    children: dict[int, list[Any]] = {}
    for category in visible:
        if category.parent_id in ids:
            children.setdefault(category.parent_id, []).append(category)
    latest = lists.topic_list(request.db, request.viewer, "latest", per_page=HOME_LATEST)
    same_for_every_visitor(request)
    # a sub-category whose parent the viewer cannot see is listed on its own
    return {"categories": [c for c in visible if c.parent_id not in ids], "children": children,
            "latest": queries.latest_topics(request.db, request.viewer, visible),
            "page": latest, "list_name": "categories",
            **list_rows(request, latest.items)}


@view_config(route_name="content.category", context=CategoryResource, permission="view",
             renderer="content/category.html")
def category(context: CategoryResource, request: Request) -> dict[str, Any]:
    tags = tag_filter(request)
    try:
        page = queries.topics_page(request.db, request.viewer, context.category,
                                   request.GET.get("after") or None,
                                   tag_ids=[tag.id for tag in tags])
    except BadCursor:
        raise HTTPBadRequest(_("This page link is broken; start from the first page.")) from None
    same_for_every_visitor(request)
    return {"category": context.category, "page": page, "filter_tags": tags,
            "next_url": request.route_path("content.category", slug=context.category.slug,
                                           _query={**filter_query(tags),
                                                   "after": page.next_cursor})
            if page.next_cursor else None,
            "can_start": request.has_permission("start_topic", context),
            **list_rows(request, page.items)}


@view_config(route_name="content.topic", context=TopicResource, permission="view",
             renderer="content/topic.html")
@view_config(route_name="content.topic_short", context=TopicResource, permission="view",
             renderer="content/topic.html")
def topic(context: TopicResource, request: Request) -> dict[str, Any]:
    if request.matchdict.get("slug") != context.topic.slug:
        # /t/<id>, an old title's slug or a mistyped one: one address per topic for search
        # engines and shared links (only for a topic the viewer may see: the permission came
        # first, so the slug, the title, never reaches anyone who may not read it)
        raise _to_canonical(request, context.topic)
    after = parse_id(request.GET.get("after", "0"))
    if after is None:
        raise HTTPBadRequest(_("This page link is broken; start from the first page."))
    topic = context.topic
    page = queries.posts_page(request.db, request.viewer, topic, after)
    marker = None
    if request.user is not None and page.items:
        # with reading.js the browser reports the posts seen as they are scrolled past
        # (read_position), and the view only makes the first marker (the member's view);
        # without it, the page's posts count as read once shown
        if request.cookies.get(JS_READS_COOKIE):
            marker = _remember_reading(request, topic, page.items[0].number, only_new=True)
        else:
            marker = _remember_reading(request, topic, page.items[-1].number)
    elif request.user is None and not after:
        view_counter(request.registry).add(topic.id, 1)
    can_moderate = bool(request.has_permission("moderate"))
    canonical = request.route_url("content.topic", topic_id=context.topic.id,
                                  slug=context.topic.slug,
                                  _query={"after": after} if after else {})
    same_for_every_visitor(request)
    can_reply = bool(request.has_permission("reply"))
    draft = _draft(request, topic_key(topic.id)) if can_reply else None
    return {"topic": context.topic, "page": page, "canonical": canonical,
            "tags": tags_of(request.db, TOPIC, [topic.id]).get(topic.id, []),
            "excerpt": excerpt(page.items[0].html) if page.items else context.topic.title,
            "can_reply": can_reply, "reply_draft": draft,
            "draft_key": topic_key(topic.id),
            "can_moderate": can_moderate, "can_flag": request.user is not None,
            "progress": reading_progress(request, topic, page, after, marker),
            "move_targets": queries.categories(request.db, request.viewer) if can_moderate
            else []}


def _to_canonical(request: Request, topic: Any) -> HTTPMovedPermanently:
    """A permanent redirect to the topic's address, with the same query (its page)."""
    location = request.route_url("content.topic", topic_id=topic.id, slug=topic.slug)
    if request.query_string:
        location += "?" + request.query_string
    return HTTPMovedPermanently(location=location)


def reading_progress(request: Request, topic: Any, page: Any, after: int,
                     marker: int | None) -> dict[str, Any]:
    """What the topic page's progress indicator and "Jump to first unread" link need: the
    number of the topic's last visible post, the range of this page, and the address of the
    first post after the member's marker (None when there is nothing unread)."""
    last = lists.last_post_number(request.db, request.viewer, topic.id)
    first_unread = None
    if marker is not None and marker < last:
        on_page = next((p.number for p in page.items if p.number > marker), None)
        if after <= marker and on_page is not None:
            first_unread = f"#post-{on_page}"  # this page starts before it
        else:
            first_unread = request.route_path(
                "content.topic", topic_id=topic.id, slug=topic.slug,
                _query={"after": marker} if marker else {})
    return {"last": last, "first": page.items[0].number if page.items else 0,
            "shown": page.items[-1].number if page.items else 0,
            "marker": marker or 0, "first_unread": first_unread}


@view_config(route_name="content.read", context=TopicResource, permission="view",
             request_method="POST", renderer="json")
def read_position(context: TopicResource, request: Request) -> Any:
    """reading.js reports the highest post number the member has seen (a form field, so
    ``navigator.sendBeacon`` can send it as the page is left); the marker never moves
    back. Answers the marker as it is now."""
    if request.user is None:
        raise HTTPForbidden()
    number = parse_id(request.POST.get("number", ""))
    if number is None or number < 1:
        raise HTTPBadRequest(_("Send the number of the last post read."))
    try:
        request.find_service(IContentService).mark_read(request.user, context.topic, number)
    except OperationalError:
        log.info("read marker of topic %s not moved: the database was busy", context.topic.id)
    return {"last_read_number": read_marker(request.db, request.user.id, context.topic.id)}


@view_config(route_name="content.new_topic", context=CategoryResource, permission="start_topic",
             renderer="content/new_topic.html")
def new_topic(context: CategoryResource, request: Request) -> Any:
    key = new_topic_key(context.category.id)
    draft = _draft(request, key)
    values = {"title": draft.title if draft else "", "body": draft.body if draft else ""}
    editor = _editor(request, key, draft)
    tagging = _tag_field(request, request.GET.get("tags", "")[:FORM_FIELD_MAX])
    if request.method == "POST":
        values = {"title": _form(request, "title"), "body": _form(request, "body")}
        names = split_names(_form(request, "tags"))
        tagging = _tag_field(request, _form(request, "tags"))
        try:
            saved = _draft_action(request, key, values["body"], values["title"])
            if saved is not None:
                return saved
            tags = request.find_service(ITagService)
            if names:  # refused before the topic is made: a refusal leaves nothing behind
                tags.check_tags(request.user, names)
            count_post(request)
            created = request.find_service(IContentService).create_topic(
                request.user, context.category, values["title"], values["body"])
            if names:
                tags.set_tags(request.user, TOPIC, created.id, names)
        except ValidationError as exc:
            request.response.status = 400
            return {"category": context.category, "error": request.translate(exc.message),
                    **values, **editor, **tagging}
        return HTTPSeeOther(topic_url(request, created))
    return {"category": context.category, "error": None, **values, **editor, **tagging}


@view_config(route_name="content.reply", context=TopicResource, permission="reply",
             renderer="content/reply.html")
def reply(context: TopicResource, request: Request) -> Any:
    key = topic_key(context.topic.id)
    draft = _draft(request, key)
    editor = _editor(request, key, draft)
    if request.method == "GET":
        # the draft, then the quote asked for (a quote from another page adds to the draft)
        body, quote = (draft.body if draft else ""), _quote_text(request, context)
        if quote:
            body = (body.rstrip() + "\n\n" if body.strip() else "") + quote
        return {"topic": context.topic, "body": body, "error": None, **editor}
    body = _form(request, "body")
    try:
        saved = _draft_action(request, key, body)
        if saved is not None:
            return saved
        count_post(request)
        post = request.find_service(IContentService).reply(request.user, context.topic, body)
    except ValidationError as exc:
        request.response.status = 400
        return {"topic": context.topic, "body": body, "error": request.translate(exc.message),
                **editor}
    return HTTPSeeOther(topic_url(request, context.topic, post.number))


def _quote_text(request: Request, context: TopicResource) -> str:
    """The reply form pre-filled with a quote of ``?quote=<post id>`` (only a visible post)."""
    post_id = parse_id(request.GET.get("quote", ""))
    if post_id is None:
        return ""
    quoted = queries.visible_post(request.db, request.viewer, post_id)
    if quoted is None or quoted.topic_id != context.topic.id:
        return ""
    return f"[quote post={quoted.id} user={quoted.author.username}]\n{quoted.source}\n[/quote]\n\n"


@view_config(route_name="content.edit", context=PostResource, permission="edit",
             renderer="content/edit.html")
def edit(context: PostResource, request: Request) -> Any:
    post: Post = context.post
    key = post_key(post.id)
    draft = _draft(request, key)
    editor = _editor(request, key, draft)
    body = draft.body if draft else post.source
    # the opening post's form also holds its topic's tags
    opening = post.number == 1
    tagging = _tag_field(request, _topic_tags_text(request, post.topic_id) if opening else "",
                         shown=opening)
    if request.method == "POST":
        body = _form(request, "body")
        if tagging["tag_field"] and "tags" in request.POST:
            tagging["tags_text"] = _form(request, "tags")
        try:
            saved = _draft_action(request, key, body)
            if saved is not None:
                return saved
            retag = tagging["tag_field"] and "tags" in request.POST
            names = split_names(tagging["tags_text"])
            tags = request.find_service(ITagService)
            if retag:  # checked first: a refused tag leaves the text unchanged too
                tags.check_tags(request.user, names, TOPIC, post.topic_id)
            request.find_service(IContentService).edit_post(request.user, post, body)
            if retag:
                tags.set_tags(request.user, TOPIC, post.topic_id, names)
        except ValidationError as exc:
            request.response.status = 400
            return {"post": post, "body": body, "error": request.translate(exc.message),
                    **editor, **tagging}
        # a change discards its draft (content events); saving the text unchanged does too
        request.find_service(IDraftService).discard(request.user.id, key)
        return HTTPSeeOther(topic_url(request, context.topic, post.number))
    return {"post": post, "body": body, "error": None, **editor, **tagging}


@view_config(route_name="content.history", context=PostResource, permission="history",
             renderer="content/history.html")
def history(context: PostResource, request: Request) -> dict[str, Any]:
    return {"post": context.post,
            "revisions": request.find_service(IContentService).revisions(context.post)}


@view_config(route_name="content.preview", request_method="POST", permission="account",
             renderer="json")
def preview(request: Request) -> dict[str, Any]:
    """The HTML a text will have once posted, for the editor's live preview. Nothing is saved;
    the text goes through the same pipeline (Markdown, sanitizer, limits) as a post."""
    try:
        cooked = request.registry.forum.registries.cooker.cook(
            _form(request, "body"), mention_url=request.find_service(IUserService).mention_url)
    except ValidationError as exc:
        request.response.status = 400
        return {"error": request.translate(exc.message)}
    return {"html": cooked.html}
