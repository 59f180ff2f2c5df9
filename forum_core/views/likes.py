"""Likes on posts: the heart's form (without JavaScript), "who liked this", and what a topic
page shows of its posts' likes.

The post is found by ``PostResource`` through the visibility choke point: a post the member
may not see answers 404 here as everywhere, whether it exists or not. With JavaScript,
``likes.js`` sends the same like through the JSON API and updates the button in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from babel.lists import format_list
from markupsafe import Markup
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from ..accounts.models import User
from ..content import likes
from ..content.models import Post
from ..content.urls import topic_url
from ..errors import ValidationError
from ..i18n import _
from ..memo import once_per_request
from ..pagination import BadCursor
from ..visibility.resources import PostResource
from ..web.httpcache import same_for_every_visitor
from .accounts import safe_next
from .errors import error_page

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("content.like", "/p/{post_id}/like", factory=PostResource)
    config.add_route("content.likers", "/p/{post_id}/likes", factory=PostResource)
    config.add_request_method(page_likes, "page_likes")
    config.scan(__name__)


#: the heart drawn on every post (coloured by the theme's CSS; hidden from screen readers,
#: which read the button's name and its pressed state)
HEART = Markup('<svg class="heart" viewBox="0 0 24 24" width="18" height="18" '
               'aria-hidden="true" focusable="false"><path d="M12 20.5C12 20.5 3 14.8 3 8.9'
               'A4.6 4.6 0 0 1 12 6.6A4.6 4.6 0 0 1 21 8.9C21 14.8 12 20.5 12 20.5Z"/></svg>')

#: the words of the like buttons, translated once per page
WORDS = {
    "like": _("Like this post"),
    "sign_in": _("Sign in to like this post"),
    "own": _("You cannot like your own post."),
    "cannot": _("This post cannot be liked"),
    "who": _("Who liked this post"),
    "count_label": _("Likes:"),
    "liked": _("You like this post."),
    "unliked": _("You took your like back."),
}


@dataclass
class PageLikes:
    """The likes of a page's posts as the viewer sees them: which they like, and the names
    of the last few members who liked each (two queries for the whole page)."""

    liked: set[int]
    recent: dict[int, list[User]]
    locale: Any
    #: :data:`WORDS` in the reader's language
    said: dict[str, str]
    heart: Markup = HEART
    _names: dict[int, str] = field(default_factory=dict)

    def names(self, post: Post) -> str:
        """The last few likers' names as a list in the reader's language ("Anna, Ben and
        Carl"); empty without likes."""
        if post.id not in self._names:
            found = [user.name for user in self.recent.get(post.id, [])]
            if found and self.others(post):
                self._names[post.id] = ", ".join(found)  # "... and N others" follows
            else:
                self._names[post.id] = format_list(found, locale=self.locale) if found else ""
        return self._names[post.id]

    def others(self, post: Post) -> int:
        """How many more members like ``post`` than :meth:`names` names."""
        return max(0, post.like_count - len(self.recent.get(post.id, [])))


def page_likes(request: Request, posts: Sequence[Post]) -> PageLikes:
    """``request.page_likes(posts)`` in a template: the likes of the posts a page shows,
    looked up once per request however many posts ask."""
    def compute() -> PageLikes:
        user_id = request.user.id if request.user is not None else None
        ids = [post.id for post in posts]
        return PageLikes(likes.liked_post_ids(request.db, user_id, ids),
                         likes.recent_likers(request.db, [p.id for p in posts if p.like_count]),
                         request.babel_locale,
                         {key: request.translate(text) for key, text in WORDS.items()})
    return once_per_request(request, ("likes", tuple(post.id for post in posts)), compute)


@view_config(route_name="content.like", context=PostResource, permission="like",
             request_method="POST", renderer="error.html")
def like_form(context: PostResource, request: Request) -> Any:
    """The heart's form: ``action`` ``like`` or ``unlike``, then back to the post on the
    page it was pressed on (``next``, a path of this site)."""
    if not request.has_permission("view", context):
        raise HTTPNotFound()
    action = request.POST.get("action", "")
    try:
        if action == "like":
            likes.like(request.db, request.user, context.post)
        elif action == "unlike":
            likes.unlike(request.db, request.user, context.post)
        else:
            raise HTTPBadRequest(_("Unknown action."))
    except ValidationError as exc:
        return error_page(request, 409, _("This post cannot be liked"), exc.message)
    # back to the page the heart was pressed on (a later page of a long topic), at the post
    back = safe_next(request, request.POST.get("next"))
    if back == request.route_path("core.home"):  # none given, or not one of ours
        back = topic_url(request, context.topic)
    return HTTPSeeOther(f"{back.split('#', 1)[0]}#post-{context.post.number}")


@view_config(route_name="content.likers", context=PostResource, permission="view",
             renderer="content/likers.html")
def likers(context: PostResource, request: Request) -> dict[str, Any]:
    """Who liked a post, newest first, a page at a time."""
    try:
        page = likes.likers_page(request.db, context.post, request.GET.get("after") or None)
    except BadCursor:
        raise HTTPBadRequest(_("This page link is broken; start from the first page.")) from None
    same_for_every_visitor(request)
    return {"post": context.post, "topic": context.topic, "page": page,
            "post_url": topic_url(request, context.topic, context.post.number)}
