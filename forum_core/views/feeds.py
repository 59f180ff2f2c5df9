"""Machine-readable views of the discussions: Atom feeds, the sitemap and robots.txt.

Feeds show what the requester may see (a feed reader is usually anonymous); the sitemap and
robots.txt are public documents, so they always list what an anonymous visitor may see, even
when an administrator opens them. Both go through the visibility choke point like every page.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.security import FEED_PREFIX
from ..content.models import Category, Post
from ..contenttypes import ContentItem
from ..db import utcnow
from ..i18n import _
from ..notifications.watching import followed_posts
from ..rendering import plain_text
from ..visibility import category_clause, post_clause, public_viewer
from ..visibility.resources import CategoryResource, TopicResource
from ..web.httpcache import keep_private, same_for_every_visitor

if TYPE_CHECKING:
    from pyramid.config import Configurator

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ITEMS = 30
#: one sitemap file holds at most 50,000 addresses (sitemaps.org)
SITEMAP_LIMIT = 50_000


def includeme(config: Configurator) -> None:
    config.add_route("content.feed_latest", "/latest.atom")
    config.add_route("content.sitemap", "/sitemap.xml")
    config.add_route("content.robots", "/robots.txt")
    config.add_route("content.feed_category", "/c/{slug}/feed.atom", factory=CategoryResource)
    config.add_route("content.feed_topic", "/t/{topic_id}/feed.atom", factory=TopicResource)
    config.add_route("content.feed_personal", FEED_PREFIX + "{secret}.atom")
    config.scan(__name__)


def _stamp(moment: dt.datetime | None) -> str:
    moment = moment or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _xml(root: ET.Element, content_type: str, request: Request) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    # feed readers and crawlers revalidate with the ETag; a member's copy stays private
    same_for_every_visitor(request)
    return Response(body, content_type=content_type, charset="utf-8")


def _site_name(request: Request) -> str:
    return request.site["site_name"] or request.registry.settings["forum.site_name"]


def atom_feed(request: Request, title: str, page_url: str, entries: list[dict[str, Any]],
              ) -> Response:
    """An Atom 1.0 document; each entry has title, url, id, author, updated, text."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = page_url
    ET.SubElement(feed, f"{{{ATOM}}}link", href=page_url, rel="alternate")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=request.url, rel="self")
    newest = max((entry["updated"] for entry in entries), default=None)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(newest)
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item["title"]
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item["url"]
        ET.SubElement(entry, f"{{{ATOM}}}link", href=item["url"], rel="alternate")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(item["updated"])
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = item["author"]
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = item["text"]
    return _xml(feed, "application/atom+xml", request)


def _entries(request: Request, items: list[ContentItem]) -> list[dict[str, Any]]:
    return [{"title": item.title, "url": request.application_url + item.url
             if item.url.startswith("/") else item.url,
             "author": item.author.name if item.author is not None else "",
             "updated": item.updated_at or item.created_at,
             "text": item.text or plain_text(item.html)} for item in items]


def newest_items(request: Request, category_id: int | None = None) -> list[ContentItem]:
    """The newest items of every content type in the feeds (``in_feeds``) that the viewer
    may see, newest first, of one category or of all."""
    types = request.registry.forum.registries.content_types
    newest: list[tuple[dt.datetime, str, int]] = []
    for type_ in types.in_feeds:
        newest.extend((moment, type_.name, key)
                      for moment, key in type_.newest(request, FEED_ITEMS, category_id))
    newest.sort(key=lambda row: (row[0], row[2]), reverse=True)
    refs = [(name, key) for _moment, name, key in newest[:FEED_ITEMS]]
    found = types.items(request, refs)
    return [found[ref] for ref in refs if ref in found]


@view_config(route_name="content.feed_latest")
def latest_feed(request: Request) -> Response:
    """The newest content of every category the requester may read."""
    title = request.translate(_("Latest topics on ${site}", mapping={
        "site": _site_name(request)}))
    return atom_feed(request, title, request.route_url("core.home"),
                     _entries(request, newest_items(request)))


@view_config(route_name="content.feed_category", permission="view")
def category_feed(context: Any, request: Request) -> Response:
    category = context.category
    title = request.translate(_("New topics in ${category}", mapping={
        "category": category.name}))
    return atom_feed(request, title, request.route_url("content.category", slug=category.slug),
                     _entries(request, newest_items(request, category.id)))


@view_config(route_name="content.feed_topic", permission="view")
def topic_feed(context: Any, request: Request) -> Response:
    """The newest posts of a topic."""
    topic = context.topic
    posts = list(request.db.scalars(
        select(Post).where(Post.topic_id == topic.id, post_clause(request.viewer))
        .options(joinedload(Post.author))
        .order_by(Post.number.desc()).limit(FEED_ITEMS)))
    page = request.route_url("content.topic", topic_id=topic.id, slug=topic.slug)
    return atom_feed(request, topic.title, page, _post_entries(request, posts))


def _post_entries(request: Request, posts: list[Post]) -> list[dict[str, Any]]:
    """Feed entries of posts ("Anna in Garden tips"), each linking to its place in its
    topic (the posts' topics are loaded with them)."""
    entries = []
    for post in posts:
        topic = post.topic
        page = request.route_url("content.topic", topic_id=topic.id, slug=topic.slug)
        entries.append({"title": request.translate(_("${name} in ${topic}", mapping={
                            "name": post.author.name, "topic": topic.title})),
                        "author": post.author.name,
                        "updated": post.edited_at or post.created_at,
                        "url": f"{page}#post-{post.number}", "text": plain_text(post.html)})
    return entries


@view_config(route_name="content.sitemap")
def sitemap(request: Request) -> Response:
    """Every page an anonymous visitor (a search engine) may read."""
    viewer = public_viewer(request)
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")

    def add(url: str, modified: dt.datetime | None = None) -> None:
        entry = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = url
        if modified is not None:
            ET.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = _stamp(modified)

    add(request.route_url("core.home"))
    for slug, modified in request.db.execute(
            select(Category.slug, Category.last_post_at).where(category_clause(viewer))
            .order_by(Category.position, Category.id)):
        add(request.route_url("content.category", slug=slug), modified)
    for type_ in request.registry.forum.registries.content_types.in_sitemap:
        for url, modified in type_.sitemap(request, SITEMAP_LIMIT - len(urlset)):
            add(url, modified)
    return _xml(urlset, "application/xml", request)


@view_config(route_name="content.robots")
def robots(request: Request) -> Response:
    """Crawlers may read the discussions, not the pages made for one member."""
    lines = ["User-agent: *", "Disallow: /account", "Disallow: /admin", "Disallow: /search",
             "Disallow: /notifications", "Disallow: /api/",
             f"Sitemap: {request.route_url('content.sitemap')}", ""]
    same_for_every_visitor(request)
    return Response("\n".join(lines), content_type="text/plain", charset="utf-8")


@view_config(route_name="content.feed_personal")
def personal_feed(request: Request) -> Response:
    """What a member follows, at the secret address they made on their account page: the
    secret signs them in for this feed alone (``accounts.security.feed_token``), so the
    posts are those they may see now. An unknown, replaced or turned-off address is the
    forum's 404 page."""
    if request.user is None:  # the forum's "not available" page, as for any address
        raise HTTPNotFound()
    entries = _post_entries(request, followed_posts(request.db, request.viewer, FEED_ITEMS))
    title = request.translate(_("What ${name} follows on ${site}", mapping={
        "name": request.user.name, "site": _site_name(request)}))
    response = atom_feed(request, title, request.route_url("core.home"), entries)
    keep_private(request)  # the member's own: no shared cache keeps it
    return response
