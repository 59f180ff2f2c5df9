"""Content types: one declaration per kind of content, read by everything that lists it.

Topics and posts are the core's; plugins declare their own (ideas, knowledge-base articles,
questions, events, files) through ``forum_register_content_types``. Each declaration says, in
one place, how its items are found for a viewer (always through the visibility choke point),
what an item's title, address, author and dates are, whether and how it is searchable, and
whether it appears in feeds and the sitemap. Search, feeds, the sitemap and notifications read
the registry (:class:`ContentTypes`); none of them knows a type by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, select

from .errors import StartupError
from .i18n import _

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

BATCH = 500


@dataclass
class ContentItem:
    """One item a viewer may see, ready for a page, a feed, a notification or the JSON API.

    Give the words to quote from (search snippets, feed summaries) as plain ``text`` or as
    cooked ``html``; it is turned into text only where it is shown.

    :param type: the content type's name, e.g. ``"topic"``.
    :param key: the item's id within its type.
    :param title: what a link to it says (a reply's title is its topic's).
    :param url: its address (a path such as ``/t/3/slug#post-4``).
    :param created_at: when it was made (timezone-aware).
    :param updated_at: when it last changed, if it did.
    :param author: the member who made it (a ``User``), if any.
    :param category: the category it is in (a ``Category``), if any.
    :param status: its status, for types that have one (``ContentType.statuses``).
    """

    type: str
    key: int
    title: str
    url: str
    created_at: dt.datetime
    author: Any = None
    category: Any = None
    status: str = ""
    text: str = ""
    html: str = ""
    updated_at: dt.datetime | None = None
    #: the matching passage, set by search for the results it shows
    snippet: Markup = Markup("")


@dataclass(frozen=True)
class SearchDocument:
    """One entry of the search index. ``key`` is the content's id within its ``type``."""

    type: str
    key: int
    title: str
    body: str
    created_at: dt.datetime
    category_id: int | None = None
    author_id: int | None = None
    status: str = ""
    #: ids of the item's tags (:mod:`forum_core.content.tags`), for the search's tag filter
    tags: tuple[int, ...] = ()


class ContentType:
    """Base class of a kind of content. Subclass it and return an instance from
    ``forum_register_content_types``.

    Every method that answers for a viewer must query through the visibility functions of
    ``forum_core.api`` (``visible_topics``, ``visible_posts``, ``topic_clause``...): a key left
    out is neither shown nor counted anywhere.

    :cvar name: the type's name in URLs, the index and notifications (``[a-z0-9_]+``).
    :cvar label: what lists and the search form call the type (a translation string).
    :cvar item_label: what one item is called ("Idea"; ``label`` when empty).
    :cvar model: the mapped class whose integer primary key is an item's key.
    :cvar structured_data: the item's schema.org type, for search engines
        (``"DiscussionForumPosting"``); empty for none.
    :cvar searchable: whether its items are in the search index (then implement
        :meth:`documents`, :meth:`count` and :meth:`changed`).
    :cvar statuses: ``(value, label)`` pairs members can filter search by.
    :cvar watches: the mapped classes whose changes may touch its search documents
        (``(model,)`` when empty).
    :cvar in_feeds: whether its newest items are in the forum's Atom feeds (implement
        :meth:`newest`).
    :cvar in_sitemap: whether its items are in ``/sitemap.xml`` (implement :meth:`sitemap`).
    :cvar stands_for: the name of another type whose item with the same key this type's item
        is a richer view of (an idea is its topic, with votes and a status). When a search
        finds both, only this one is listed, where the better-ranked of the two was.
    """

    name: str = ""
    label: Any = ""
    item_label: Any = ""
    model: type | None = None
    structured_data: str = ""
    searchable: bool = False
    statuses: tuple[tuple[str, Any], ...] = ()
    watches: tuple[type, ...] = ()
    in_feeds: bool = False
    in_sitemap: bool = False
    stands_for: str = ""

    # -- for a viewer: always through the visibility choke point -------------------------

    def visible(self, request: Request, keys: Sequence[int]) -> set[int]:
        """The keys among ``keys`` that ``request.viewer`` may see, without loading what an
        item shows (search counts every hit but loads one page). The default asks
        :meth:`items`; override it with a query of keys alone."""
        return set(self.items(request, keys))

    def items(self, request: Request, keys: Sequence[int]) -> dict[int, ContentItem]:
        """The items among ``keys`` that ``request.viewer`` may see, by key."""
        raise NotImplementedError

    def newest(self, request: Request, limit: int, category_id: int | None = None,
               ) -> list[tuple[dt.datetime, int]]:
        """For feeds (``in_feeds``): ``(created_at, key)`` of the newest items the viewer may
        see, newest first, of one category or of all."""
        raise NotImplementedError

    def sitemap(self, request: Request, limit: int) -> Iterator[tuple[str, dt.datetime | None]]:
        """For the sitemap (``in_sitemap``): ``(absolute URL, last change)`` of the items an
        anonymous visitor may see (``public_viewer(request)``), at most ``limit``."""
        raise NotImplementedError

    def structured(self, request: Request, key: int) -> dict[str, Any] | None:
        """The item's schema.org description (JSON-LD, of type ``structured_data``) as
        ``request.viewer`` may see it, for a search engine's view of its page; None when
        the type has nothing beyond what the page says (the default) or the viewer may not
        see the item."""
        return None

    # -- for the search index (searchable types) ------------------------------------------

    def changed(self, session: Session, obj: object) -> Iterable[int]:
        """Keys of this type's documents to refresh because ``obj`` (an instance of one of
        ``watches``) was added, changed or deleted in ``session``. Called while the session
        flushes: do not query unless you must."""
        return ()

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        """Documents for ``keys`` (those still existing), or for every item when None."""
        raise NotImplementedError

    def count(self, session: Session) -> int:
        """How many documents :meth:`documents` yields for every item (progress bars)."""
        raise NotImplementedError

    @property
    def watched(self) -> tuple[type, ...]:
        if self.watches:
            return self.watches
        return (self.model,) if self.model is not None else ()


class ContentTypes:
    """The registry: every enabled content type, by name and by model."""

    def __init__(self, types: Iterable[ContentType] = ()) -> None:
        self._by_name: dict[str, ContentType] = {}
        for type_ in types:
            self.add(type_)

    def add(self, type_: ContentType) -> None:
        """Register ``type_``; a missing or taken name stops start-up."""
        if not isinstance(type_, ContentType) or not type_.name or \
                not type_.name.replace("_", "").isalnum() or not type_.name.isascii():
            raise StartupError(_(
                "A content type needs a name of lower-case letters, digits and '_': ${type}.",
                mapping={"type": repr(type_)}))
        if type_.name in self._by_name:
            raise StartupError(_("Two content types are called '${name}'.",
                                 mapping={"name": type_.name}))
        self._by_name[type_.name] = type_

    def __getitem__(self, name: str) -> ContentType:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[ContentType]:
        return iter(self._by_name.values())

    def get(self, name: str) -> ContentType | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def for_model(self, model: type) -> ContentType | None:
        """The type whose items are rows of ``model`` (the first declared, if several)."""
        return next((t for t in self._by_name.values() if t.model is model), None)

    @property
    def searchable(self) -> list[ContentType]:
        return [t for t in self._by_name.values() if t.searchable]

    @property
    def in_feeds(self) -> list[ContentType]:
        return [t for t in self._by_name.values() if t.in_feeds]

    @property
    def in_sitemap(self) -> list[ContentType]:
        return [t for t in self._by_name.values() if t.in_sitemap]

    def items(self, request: Request, refs: Iterable[tuple[str, int]],
              ) -> dict[tuple[str, int], ContentItem]:
        """The items among ``refs`` (``(type, key)`` pairs) the viewer may see: one query
        per type. References to types that are not enabled are left out."""
        found: dict[tuple[str, int], ContentItem] = {}
        for type_, keys in self.grouped(refs):
            for key, item in type_.items(request, keys).items():
                found[(type_.name, key)] = item
        return found

    def visible(self, request: Request, refs: Iterable[tuple[str, int]],
                ) -> set[tuple[str, int]]:
        """The ``(type, key)`` pairs among ``refs`` the viewer may see, keys only."""
        return {(type_.name, key) for type_, keys in self.grouped(refs)
                for key in type_.visible(request, keys)}

    def grouped(self, refs: Iterable[tuple[str, int]]) -> Iterator[tuple[ContentType, list[int]]]:
        by_type: dict[str, list[int]] = {}
        for name, key in refs:
            by_type.setdefault(name, []).append(key)
        for name, keys in by_type.items():
            type_ = self._by_name.get(name)
            if type_ is not None:
                yield type_, keys


def chunked_keys(session: Session, column: Any, where: ColumnElement[bool] | None = None,
                 ) -> Iterator[list[int]]:
    """All values of an integer key ``column`` in ascending batches (keyset, not OFFSET), for
    :meth:`ContentType.documents` over every item."""
    last = 0
    while True:
        query = select(column).where(column > last).order_by(column).limit(BATCH)
        if where is not None:
            query = query.where(where)
        keys = list(session.scalars(query))
        if not keys:
            return
        yield keys
        last = keys[-1]
