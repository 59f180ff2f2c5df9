"""Follow levels: members choosing how closely they follow a place, and the notifications
that watching a place brings (the levels themselves: :mod:`forum_core.content.follows`).

A new post is acknowledged without telling its watchers: the post's transaction enqueues
``core.notify_watchers``, and that job finds the members who watch the post's places (its
topic, category, author and every place a feature adds, such as tags) and writes their
notifications in batches. Each says why it came (``Notification.reason``: "category:3"),
shown as "You watch General". Members told about the post in its own transaction (mentioned,
quoted, replied to) are not told twice, and a job run twice tells nobody twice.

What a member sees of these notifications goes through the content types' visibility like
every other notification: watching a category they can no longer read shows them nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pyramid.i18n import TranslationString
from sqlalchemy import ColumnElement, and_, delete, exists, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import User
from ..content.follows import (
    AUTO,
    CATEGORY,
    DEFAULT,
    LEVELS,
    MEMBER,
    MUTED,
    NORMAL,
    STREAM,
    TAG,
    TOPIC,
    TOPIC_LEVELS,
    TRACKING,
    WATCHING,
    WATCHING_FIRST_POST,
    Follow,
    FollowDefault,
    Stream,
    StreamPlace,
    muted_topic_clause,
    streams_of_topic,
    tags_of_topic,
    topic_level_is,
)
from ..content.models import Category, Post, Topic
from ..content.services import slugify
from ..content.tags import ContentTag, Tag
from ..db import dialect_insert, utcnow
from ..errors import ConflictError, NotFoundError, ValidationError
from ..i18n import _
from ..limits import has_line_controls, has_text_controls, one_line
from .kinds import WATCHED_POST, WATCHED_TOPIC
from .models import WEB, Notification, NotificationPreference

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

    from ..visibility import Viewer

#: the job that tells a post's watchers
NOTIFY_WATCHERS = "core.notify_watchers"
#: notifications written per statement by the job
BATCH = 1000

@dataclass(frozen=True)
class PlaceKind:
    """A kind of place a member can follow.

    :param name: as stored in ``follows.place`` and in a notification's reason.
    :param label: what it is ("Category"), to translate.
    :param names: ``names(session, viewer, ids)``: the display names of the places among
        ``ids`` that ``viewer`` may know of, by id.
    :param of_topics: ``of_topics(session, topic_ids)``: the places of this kind each topic
        belongs to, by topic id (a topic's tags); None for the core's own kinds.
    """

    name: str
    label: Any
    names: Callable[[Session, Viewer, list[int]], dict[int, str]]
    of_topics: Callable[[Session, list[int]], dict[int, list[int]]] | None = None


def _category_names(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    from ..visibility.queries import categories

    wanted = set(ids)
    return {c.id: c.name for c in categories(session, viewer) if c.id in wanted}


def _topic_names(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    from ..visibility import visible_topics

    return {topic.id: topic.title for topic in session.scalars(
        visible_topics(viewer).where(Topic.id.in_(ids)))}


def _member_names(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    return {user.id: user.name for user in session.scalars(
        select(User).where(User.id.in_(ids), User.status != "deleted"))}


def _stream_names(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    """Streams that hold a category the viewer may read (one of a closed group's spaces
    alone is not named to outsiders)."""
    return {row[0].id: row[0].name for row in visible_streams(session, viewer, ids)}


def visible_streams(session: Session, viewer: Viewer, ids: Iterable[int] | None = None,
                    ) -> list[tuple[Stream, list[Category], list[Tag]]]:
    """The streams with a category ``viewer`` may read or a tag (tags are public; what they
    hold goes through visibility), each with those categories and its tags (of ``ids``
    only, or all)."""
    from ..visibility.queries import categories

    readable = {category.id: category for category in categories(session, viewer)}
    query = select(Stream).order_by(Stream.name, Stream.id)
    if ids is not None:
        query = query.where(Stream.id.in_(sorted(set(ids))))
    found = list(session.scalars(query))
    held = stream_places(session, [stream.id for stream in found], CATEGORY)
    tagged = stream_places(session, [stream.id for stream in found], TAG)
    tags = {tag.id: tag for tag in session.scalars(select(Tag).where(
        Tag.id.in_(sorted({key for keys in tagged.values() for key in keys}))))}
    shown = [(stream, [readable[c] for c in held.get(stream.id, []) if c in readable],
              [tags[t] for t in tagged.get(stream.id, []) if t in tags]) for stream in found]
    return [row for row in shown if row[1] or row[2]]


def visible_stream(session: Session, viewer: Viewer, slug: str,
                   ) -> tuple[Stream, list[Category], list[Tag]] | None:
    """The stream at address ``slug`` as :func:`visible_streams` shows it, or None when
    there is none or the viewer may read none of its places."""
    stream_id = session.scalar(select(Stream.id).where(Stream.slug == slug[:80]))
    if stream_id is None:
        return None
    found = visible_streams(session, viewer, [stream_id])
    return found[0] if found else None


def _streams_of(session: Session, topic_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    holds = or_(and_(StreamPlace.place == CATEGORY, StreamPlace.place_id == Topic.category_id),
                and_(StreamPlace.place == TAG, StreamPlace.place_id.in_(tags_of_topic())))
    for topic_id, stream_id in session.execute(
            select(Topic.id, StreamPlace.stream_id).join(StreamPlace, holds)
            .where(Topic.id.in_(topic_ids)).distinct()):
        found.setdefault(topic_id, []).append(stream_id)
    return found


def _tag_names(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    # (tags are public, as /tags lists them: what they hold goes through visibility)
    return {tag.id: tag.name for tag in session.scalars(select(Tag).where(Tag.id.in_(ids)))}


def _tags_of(session: Session, topic_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for topic_id, tag_id in session.execute(
            select(ContentTag.content_key, ContentTag.tag_id)
            .where(ContentTag.content_type == TOPIC, ContentTag.content_key.in_(topic_ids))):
        found.setdefault(topic_id, []).append(tag_id)
    return found


CORE_PLACE_KINDS = (
    PlaceKind(CATEGORY, _("Category"), _category_names),
    PlaceKind(TOPIC, _("Topic"), _topic_names),
    PlaceKind(MEMBER, _("Member"), _member_names),
    PlaceKind(TAG, _("Tag"), _tag_names, _tags_of),
    PlaceKind(STREAM, _("Stream"), _stream_names, _streams_of),
)
_place_kinds: dict[str, PlaceKind] = {kind.name: kind for kind in CORE_PLACE_KINDS}


def place_kinds() -> Mapping[str, PlaceKind]:
    return _place_kinds


# -- a member's levels ------------------------------------------------------------------------

def check_level(place: str, level: str) -> None:
    """:raises ValidationError: for an unknown kind of place or level, or a level the kind
    of place cannot have (a topic has no "watching first post")."""
    if place not in _place_kinds:
        raise ValidationError(_("There is no kind of place called ${place} to follow.",
                                mapping={"place": place}))
    if level not in LEVELS or (place == TOPIC and level not in TOPIC_LEVELS):
        raise ValidationError(_("${level} is not a follow level of a ${place}.",
                                mapping={"level": level, "place": place}))


def set_level(session: Session, user_id: int, place: str, place_id: int, level: str,
              source: str = "member") -> None:
    """Set the member's level for a place (their own choice unless ``source`` says
    otherwise). Setting the same level from two tabs at once leaves one row."""
    check_level(place, level)
    values = {"user_id": user_id, "place": place, "place_id": place_id, "level": level,
              "source": source, "updated_at": utcnow()}
    statement = dialect_insert(session, Follow).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "place", "place_id"],
        set_={"level": level, "source": source, "updated_at": values["updated_at"]}))


def choose_level(session: Session, viewer: Viewer, place: str, place_id: int,
                 level: str) -> str:
    """The member's choice of ``level`` for a place they may know of; returns the place's
    name. Normal for a category or a member forgets the row (it is what no row means); a
    topic keeps it, as it overrides its category's level.

    :raises NotFoundError: for a place that does not exist or that the member may not see
        (the same message: whether it exists is not said).
    :raises ValidationError: for a level the kind of place cannot have.
    """
    kind = _place_kinds.get(place)
    name = None if kind is None else kind.names(session, viewer, [place_id]).get(place_id)
    if name is None or viewer.user_id is None:
        raise NotFoundError(_("This place does not exist, or it is not available to you."))
    check_level(place, level)
    if level == NORMAL and place != TOPIC:
        clear_level(session, viewer.user_id, place, place_id)
    else:
        set_level(session, viewer.user_id, place, place_id, level)
    return name


def clear_level(session: Session, user_id: int, place: str, place_id: int) -> None:
    """Forget the member's level for a place: it is normal again."""
    session.execute(delete(Follow).where(Follow.user_id == user_id, Follow.place == place,
                                         Follow.place_id == place_id))


def level_of(session: Session, user_id: int | None, place: str, place_id: int) -> str:
    """The member's level for one place (normal without a choice, and for a visitor)."""
    if user_id is None:
        return NORMAL
    found = session.scalar(select(Follow.level).where(
        Follow.user_id == user_id, Follow.place == place, Follow.place_id == place_id))
    return found or NORMAL


def followed(session: Session, viewer: Viewer) -> list[tuple[Follow, str]]:
    """The member's levels other than normal, with each place's name, for the places they
    may still know of (a category they can no longer read is not named); not the topics
    tracked because they posted in them, which may be hundreds."""
    if viewer.user_id is None:
        return []
    rows = list(session.scalars(select(Follow).where(
        Follow.user_id == viewer.user_id, Follow.level != NORMAL, Follow.source != AUTO)
        .order_by(Follow.place, Follow.place_id)))
    names = _names(session, viewer, [(row.place, row.place_id) for row in rows])
    return [(row, names[row.place, row.place_id]) for row in rows
            if (row.place, row.place_id) in names]


def _names(session: Session, viewer: Viewer, places: Iterable[tuple[str, int]],
           ) -> dict[tuple[str, int], str]:
    by_kind: dict[str, set[int]] = {}
    for place, place_id in places:
        by_kind.setdefault(place, set()).add(place_id)
    found: dict[tuple[str, int], str] = {}
    for place, ids in by_kind.items():
        kind = _place_kinds.get(place)
        if kind is not None:
            found.update(((place, key), name) for key, name
                         in kind.names(session, viewer, sorted(ids)).items())
    return found


def reasons(session: Session, viewer: Viewer, notifications: Iterable[Notification],
            ) -> dict[int, TranslationString]:
    """Why each notification about a watched place came ("You watch General"), by
    notification id; places the viewer may not know of are not named."""
    parsed: dict[int, tuple[str, int]] = {}
    for notification in notifications:
        place, _sep, key = (notification.reason or "").partition(":")
        if key.isdigit():
            parsed[notification.id] = (place, int(key))
    names = _names(session, viewer, parsed.values())
    return {notification_id: _("You watch ${place}", mapping={"place": names[place]})
            for notification_id, place in parsed.items() if place in names}


# -- what administrators give audiences -----------------------------------------------------

#: the core's audiences: its roles, as principals
ROLE_AUDIENCES = (("role:member", _("Every member")), ("role:moderator", _("Moderators")),
                  ("role:admin", _("Administrators")))


def defaults(session: Session, principals: Iterable[str] | None = None,
             ) -> list[FollowDefault]:
    """The default levels of the audiences ``principals`` (of every audience for None)."""
    query = select(FollowDefault).order_by(FollowDefault.principal, FollowDefault.place,
                                           FollowDefault.place_id)
    if principals is not None:
        query = query.where(FollowDefault.principal.in_(sorted(set(principals))))
    return list(session.scalars(query))


def set_default(session: Session, principal: str, place: str, place_id: int,
                level: str) -> None:
    """Give the members of an audience a level for a place (from now on: members who join
    get it; members already in it may apply it on their account page)."""
    check_level(place, level)
    if not principal or len(principal) > 80:
        raise ValidationError(_("Choose who gets this level."))
    statement = dialect_insert(session, FollowDefault).values(
        principal=principal, place=place, place_id=place_id, level=level)
    session.execute(statement.on_conflict_do_update(
        index_elements=["principal", "place", "place_id"], set_={"level": level}))


def remove_default(session: Session, principal: str, place: str, place_id: int) -> None:
    session.execute(delete(FollowDefault).where(
        FollowDefault.principal == principal, FollowDefault.place == place,
        FollowDefault.place_id == place_id))


def apply_defaults(session: Session, user_id: int, principals: Iterable[str]) -> int:
    """Give the member the default levels of the audiences ``principals`` for every place
    they chose no level for themselves; returns how many levels they got."""
    given = 0
    now = utcnow()
    for found in defaults(session, principals):
        statement = dialect_insert(session, Follow).values(
            user_id=user_id, place=found.place, place_id=found.place_id, level=found.level,
            source=DEFAULT, updated_at=now)
        # a level the member chose stays; one an audience or a post gave is replaced
        result = session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "place", "place_id"],
            set_={"level": found.level, "source": DEFAULT, "updated_at": now},
            where=Follow.source != "member"))
        given += cast("CursorResult[Any]", result).rowcount or 0
    return given


def pending_defaults(session: Session, viewer: Viewer) -> list[tuple[FollowDefault, str]]:
    """The defaults of the member's audiences that differ from their levels, with each
    place's name (places they may not know of are left out): what "Apply" would change."""
    if viewer.user_id is None:
        return []
    mine = {(row.place, row.place_id): row.level for row in session.scalars(
        select(Follow).where(Follow.user_id == viewer.user_id))}
    waiting = [found for found in defaults(session, viewer.principals)
               if (found.place, found.place_id) not in mine]
    names = _names(session, viewer, [(row.place, row.place_id) for row in waiting])
    return [(row, names[row.place, row.place_id]) for row in waiting
            if (row.place, row.place_id) in names]


# -- streams: named sets of places staff compose ---------------------------------------------

STREAM_NAME_MAX = 80
STREAM_DESCRIPTION_MAX = 500


def streams(session: Session) -> list[Stream]:
    return list(session.scalars(select(Stream).order_by(Stream.name, Stream.id)))


def stream_places(session: Session, stream_ids: Iterable[int], place: str = CATEGORY,
                  ) -> dict[int, list[int]]:
    """The places of one kind (categories, tags) of each stream, by stream id."""
    found: dict[int, list[int]] = {}
    for stream_id, place_id in session.execute(
            select(StreamPlace.stream_id, StreamPlace.place_id)
            .where(StreamPlace.stream_id.in_(sorted(set(stream_ids))),
                   StreamPlace.place == place).order_by(StreamPlace.place_id)):
        found.setdefault(stream_id, []).append(place_id)
    return found


def save_stream(session: Session, stream: Stream | None, name: str, description: str,
                category_ids: Iterable[int], tag_ids: Iterable[int] = ()) -> Stream:
    """Make a stream (``stream`` None) or change one: its name, description, categories and
    tags.

    :raises ValidationError: for a name that is empty, too long or holds control characters
        or markup, a description too long, no place, or a category or tag that does not
        exist.
    :raises ConflictError: for a name whose address another stream has.
    """
    if has_line_controls(name) or not one_line(name) or len(name) > STREAM_NAME_MAX \
            or "<" in name or ">" in name:
        raise ValidationError(_("A stream's name has 1 to ${maximum} characters, without "
                                "markup.", mapping={"maximum": STREAM_NAME_MAX}))
    if has_text_controls(description) or len(description) > STREAM_DESCRIPTION_MAX:
        raise ValidationError(_("A description has at most ${maximum} characters, and no "
                                "control characters.",
                                mapping={"maximum": STREAM_DESCRIPTION_MAX}))
    categories, tags = sorted(set(category_ids)), sorted(set(tag_ids))
    known = set(session.scalars(select(Category.id).where(Category.id.in_(categories))))
    known_tags = set(session.scalars(select(Tag.id).where(Tag.id.in_(tags))))
    if not (categories or tags) or known != set(categories) or known_tags != set(tags):
        raise ValidationError(_("Choose one or more categories or tags for the stream."))
    name, slug = one_line(name), slugify(name)
    taken = session.scalar(select(Stream.id).where(Stream.slug == slug))
    if taken is not None and (stream is None or taken != stream.id):
        raise ConflictError(_("A stream with the address ${slug} exists already.",
                              mapping={"slug": slug}))
    if stream is None:
        stream = Stream(slug=slug, name=name, description=description.strip())
        session.add(stream)
        session.flush()
    else:
        stream.slug, stream.name, stream.description = slug, name, description.strip()
        session.execute(delete(StreamPlace).where(StreamPlace.stream_id == stream.id))
    session.execute(insert(StreamPlace), [
        *({"stream_id": stream.id, "place": CATEGORY, "place_id": key} for key in categories),
        *({"stream_id": stream.id, "place": TAG, "place_id": key} for key in tags)])
    return stream


def delete_stream(session: Session, stream: Stream) -> None:
    """Delete a stream and every level members gave it."""
    session.execute(delete(Follow).where(Follow.place == STREAM, Follow.place_id == stream.id))
    session.execute(delete(FollowDefault).where(FollowDefault.place == STREAM,
                                                FollowDefault.place_id == stream.id))
    session.delete(stream)


def auto_track(session: Session, user_id: int, topic_id: int) -> None:
    """Track a topic the member started or replied to, when they want that
    (``users.auto_track``) and have no level of their own for it."""
    wants = session.scalar(select(User.auto_track).where(User.id == user_id))
    if not wants:
        return
    statement = dialect_insert(session, Follow).values(
        user_id=user_id, place=TOPIC, place_id=topic_id, level=TRACKING, source=AUTO,
        updated_at=utcnow())
    session.execute(statement.on_conflict_do_nothing(
        index_elements=["user_id", "place", "place_id"]))


def followed_posts(session: Session, viewer: Viewer, limit: int) -> list[Post]:
    """The newest posts the member follows, newest first, as they may see them (their
    personal feed): every post in the places and topics they watch or track and of the
    members they watch, and the first posts of places and members they watch the first
    posts of; nothing they muted."""
    from ..visibility import post_clause

    if viewer.user_id is None:
        return []
    user_id = viewer.user_id
    every, first = (WATCHING, TRACKING), (WATCHING_FIRST_POST,)

    def levels_of(place: str, levels: tuple[str, ...]) -> Any:
        return select(Follow.place_id).where(Follow.user_id == user_id, Follow.place == place,
                                             Follow.level.in_(levels))

    followed = or_(Topic.id.in_(levels_of(TOPIC, every)),
                   Topic.category_id.in_(levels_of(CATEGORY, every)),
                   exists().where(ContentTag.content_type == TOPIC,
                                  ContentTag.content_key == Topic.id,
                                  ContentTag.tag_id.in_(levels_of(TAG, every))),
                   streams_of_topic().where(
                       StreamPlace.stream_id.in_(levels_of(STREAM, every))).exists(),
                   Post.user_id.in_(levels_of(MEMBER, every)),
                   and_(Post.number == 1, or_(
                       Topic.category_id.in_(levels_of(CATEGORY, first)),
                       Post.user_id.in_(levels_of(MEMBER, first)),
                       exists().where(ContentTag.content_type == TOPIC,
                                      ContentTag.content_key == Topic.id,
                                      ContentTag.tag_id.in_(levels_of(TAG, first))),
                       streams_of_topic().where(
                           StreamPlace.stream_id.in_(levels_of(STREAM, first))).exists())))
    return list(session.scalars(
        select(Post).join(Topic, Topic.id == Post.topic_id)
        .where(post_clause(viewer, topic_joined=True), followed, ~muted_topic_clause(user_id),
               ~topic_level_is(user_id, NORMAL))
        .options(joinedload(Post.author), joinedload(Post.topic))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)))


# -- telling the watchers -----------------------------------------------------------------

def topic_places(session: Session, topic: Topic) -> list[tuple[str, int]]:
    """Every place ``topic`` is in, the most specific first: itself, then the places
    features add (its tags), then its category."""
    places: list[tuple[str, int]] = [(TOPIC, topic.id)]
    for kind in _place_kinds.values():
        if kind.of_topics is not None:
            places.extend((kind.name, key) for key in kind.of_topics(session, [topic.id])
                          .get(topic.id, ()))
    places.append((CATEGORY, topic.category_id))
    return places


def _at(places: Iterable[tuple[str, int]]) -> ColumnElement[bool]:
    """Follows of any of ``places`` (each a lookup of ``ix_follows_place``)."""
    return or_(*(and_(Follow.place == place, Follow.place_id == key) for place, key in places))


def may_have_watchers(session: Session, post: Post, topic: Topic) -> bool:
    """Whether anyone watches one of the post's places (one indexed look; most replies have
    no watchers but their author, and enqueue no job). Always for a topic's first post: its
    tags are given after it is written, and the job reads them when it runs."""
    if post.number == 1:
        return True
    places = [*topic_places(session, topic), (MEMBER, post.user_id)]
    return session.scalar(select(Follow.user_id).where(
        _at(places),
        Follow.level.in_((WATCHING, WATCHING_FIRST_POST)),
        Follow.user_id != post.user_id).limit(1)) is not None


def watchers(session: Session, post: Post, topic: Topic) -> dict[int, str]:
    """The members to tell about ``post`` because they watch one of its places, with the
    place that decided it ("category:3"), by member id (never its author)."""
    first = post.number == 1
    places = topic_places(session, topic)
    author = (MEMBER, post.user_id)
    # (plain rows, not ORM ones: a category may have ten thousand watchers)
    rows = session.connection().execute(
        select(Follow.user_id, Follow.place, Follow.place_id, Follow.level)
        .where(_at([*places, author])))
    levels: dict[int, dict[tuple[str, int], str]] = {}
    for user_id, place, place_id, level in rows:
        levels.setdefault(user_id, {})[place, place_id] = level
    told: dict[int, str] = {}
    for user_id, chosen in levels.items():
        if user_id == post.user_id:
            continue
        place = _deciding_place(chosen, places, author, first)
        if place is not None:
            told[user_id] = f"{place[0]}:{place[1]}"
    return told


def _deciding_place(chosen: Mapping[tuple[str, int], str], places: list[tuple[str, int]],
                    author: tuple[str, int], first: bool) -> tuple[str, int] | None:
    wanted = (WATCHING, WATCHING_FIRST_POST) if first else (WATCHING,)
    own = chosen.get(places[0])
    if own is not None:  # the topic's own level decides alone
        return places[0] if own == WATCHING else None
    wider = [(place, chosen[place]) for place in places[1:] if place in chosen]
    if any(level == MUTED for _place, level in wider):
        return None
    for place, level in wider:
        if level in wanted:
            return place
    return author if chosen.get(author) in wanted else None


def tell_watchers(session: Session, post_id: int) -> int:
    """Write the notifications of the members who watch a new post's places; returns how
    many. Safe to run again: members told about the post already are left out."""
    post = session.get(Post, post_id)
    if post is None or post.is_deleted:
        return 0
    topic = session.get(Topic, post.topic_id)
    if topic is None:
        return 0
    told = watchers(session, post, topic)
    if not told:
        return 0
    kind = WATCHED_TOPIC if post.number == 1 else WATCHED_POST
    already = set(session.scalars(select(Notification.user_id).where(
        Notification.content_type == "post", Notification.content_key == post.id)))
    off = set(session.scalars(select(NotificationPreference.user_id).where(
        NotificationPreference.kind == kind.name, NotificationPreference.channel == WEB,
        NotificationPreference.enabled.is_(False))))
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind.name, "actor_id": post.user_id,
             "content_type": "post", "content_key": post.id, "created_at": now,
             "reason": reason}
            for user_id, reason in sorted(told.items()) if user_id not in already | off]
    connection = session.connection()
    for batch in _batches(rows, BATCH):
        connection.execute(insert(Notification), batch)
    # those who want this kind e-mailed at once get their job (in this transaction)
    from .email_delivery import notified  # (it reads the reasons from here)

    notified(session, [(user_id, kind.name) for user_id in sorted(told)
                       if user_id not in already | off])
    return len(rows)


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]

