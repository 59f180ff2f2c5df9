"""Tags: labels staff define (optionally in groups) and members put on topics.

Any content type can opt in: tags are attached through ``content_tags`` rows keyed by
``(content_type, content_key, tag_id)``, where ``content_type`` is a name of the content-type
registry (:mod:`forum_core.contenttypes`, ``"topic"`` for the core's topics) and
``content_key`` the item's integer key. A plugin's type opts in by calling
:meth:`DatabaseTagService.set_tags` with its own type name and reading them back with
:func:`tags_of`; the core's tag pages, feeds, counts and search filter cover topics (they are
found through the visibility choke point, :mod:`forum_core.visibility.tagged`).

Who may tag is the setting ``forum.tagging`` (``off``, ``staff`` or ``members``); members
use only existing tags (staff may name new ones, which are then created), at most
``forum.max_tags_per_topic`` per topic. A group may be for staff only (members neither add
nor remove its tags) or allow one of its tags per topic.

A tag is identified by its address (``slug``), made from its name: two names with the same
address (``Python`` and ``python``) are one tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db import Base, utcnow
from ..errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from ..i18n import _
from ..limits import (
    TAG_DESCRIPTION_MAX,
    TAG_GROUP_NAME_MAX,
    TAG_NAME_MAX,
    has_line_controls,
    has_text_controls,
    one_line,
)

if TYPE_CHECKING:
    from ..accounts.models import User

#: who may put tags on topics (``forum.tagging``)
TAGGING_CHOICES = ("members", "staff", "off")
#: the roles that manage tags, use staff-only groups and retag any topic
STAFF_ROLES = ("moderator", "admin")
#: the content type of the core's topics in ``content_tags``
TOPIC = "topic"
CONTENT_TYPE_MAX = 40
#: characters a tag name may not hold: markup, the separator of a list of tags, paths
FORBIDDEN_CHARS = "<>&\"',/\\"
_FORBIDDEN = re.compile("[" + re.escape(FORBIDDEN_CHARS) + "]")


class TagGroup(Base):
    """A set of tags with common rules: only staff may use them, one of them per topic."""

    __tablename__ = "tag_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_GROUP_NAME_MAX))
    #: only moderators and administrators add or remove its tags
    staff_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: a topic has at most one of its tags
    one_per_topic: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Tag(Base):
    """A label: its ``name`` as shown, its address ``slug`` (unique) and a description."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(TAG_NAME_MAX * 2), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("tag_groups.id", ondelete="SET NULL"), default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    group: Mapped[TagGroup | None] = relationship()


class ContentTag(Base):
    """A tag on one item of a content type (a topic: ``("topic", topic id)``)."""

    __tablename__ = "content_tags"
    __table_args__ = (
        # a tag's items (its page, its count, the tag filter)
        Index("ix_content_tags_tag", "tag_id", "content_type", "content_key"),
    )

    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_MAX), primary_key=True)
    content_key: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"),
                                        primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True, slots=True)
class ShownTag:
    """A tag as pages and the API show it next to an item."""

    id: int
    name: str
    slug: str


# -- names --------------------------------------------------------------------------------------

def tag_slug(name: str) -> str:
    """The address of a tag named ``name``: lower case, runs of anything but letters, digits,
    ``+``, ``.`` and ``_`` made one ``-``; a name without a letter or digit (``***``) gets
    ``tag-`` and a short digest of itself."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w+.]+", "-", text, flags=re.UNICODE).strip("-.")
    text = text[:TAG_NAME_MAX * 2].rstrip("-.")
    if not re.search(r"[^\W_]", text):
        digest = hashlib.blake2s(one_line(name).casefold().encode("utf-8"), digest_size=4)
        return f"tag-{digest.hexdigest()}"
    return text


def clean_tag_name(name: str) -> str:
    """The name as stored (white space made single spaces), or a ValidationError saying
    what to change: 1 to ``TAG_NAME_MAX`` characters, not only spaces, no control
    characters, no markup (``FORBIDDEN_CHARS``)."""
    if has_line_controls(name):
        raise ValidationError(_("A tag name cannot contain control characters."))
    cleaned = one_line(name)
    if not cleaned:
        raise ValidationError(_("A tag name cannot be empty or only spaces."))
    if len(cleaned) > TAG_NAME_MAX:
        raise ValidationError(_("A tag name has at most ${maximum} characters: ${name}",
                                mapping={"maximum": TAG_NAME_MAX, "name": cleaned}))
    if _FORBIDDEN.search(cleaned):
        raise ValidationError(_(
            "The tag name ${name} cannot contain markup or these characters: ${chars}",
            mapping={"name": cleaned, "chars": " ".join(FORBIDDEN_CHARS)}))
    return cleaned


def split_names(text: str) -> list[str]:
    """The tag names of a form's field: separated by commas (blank items left out)."""
    return [part for part in text.split(",") if part.strip()]


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF_ROLES


# -- reading -------------------------------------------------------------------------------------

def tags_of(db: Session, content_type: str, keys: Sequence[int]) -> dict[int, list[ShownTag]]:
    """The tags of each of ``keys`` (items of ``content_type``), by name: one statement
    for all of them. Only ask about items the viewer may see."""
    if not keys:
        return {}
    found: dict[int, list[ShownTag]] = {}
    for key, tag_id, name, slug in db.execute(
            select(ContentTag.content_key, Tag.id, Tag.name, Tag.slug)
            .join(Tag, Tag.id == ContentTag.tag_id)
            .where(ContentTag.content_type == content_type,
                   ContentTag.content_key.in_(list(keys)))
            .order_by(ContentTag.content_key, Tag.name)):
        found.setdefault(key, []).append(ShownTag(tag_id, name, slug))
    return found


def tag_by_slug(db: Session, slug: str) -> Tag | None:
    return db.scalar(select(Tag).where(Tag.slug == slug[:TAG_NAME_MAX * 2]))


def tags_by_slugs(db: Session, slugs: Iterable[str]) -> list[Tag]:
    """The tags of ``slugs`` (a filter's), in that order.

    :raises NotFoundError: naming the first slug that is no tag's.
    """
    wanted = list(dict.fromkeys(s.strip().lower() for s in slugs if s.strip()))
    found = {tag.slug: tag for tag in db.scalars(
        select(Tag).where(Tag.slug.in_([s[:TAG_NAME_MAX * 2] for s in wanted])))}
    for slug in wanted:
        if slug not in found:
            raise NotFoundError(_("There is no tag ${tag}.", mapping={"tag": slug}))
    return [found[slug] for slug in wanted]


def usable_tags(db: Session, user: User | None) -> list[Tag]:
    """The tags ``user`` may add (staff: all; members: those outside staff-only groups)."""
    query = select(Tag).outerjoin(TagGroup, TagGroup.id == Tag.group_id).order_by(Tag.name)
    if not is_staff(user):
        query = query.where((TagGroup.id.is_(None)) | (TagGroup.staff_only.is_(False)))
    return list(db.scalars(query))


# -- writing -------------------------------------------------------------------------------------

class DatabaseTagService:
    """Defines tags and groups (staff) and puts tags on content (``ITagService``)."""

    def __init__(self, session: Session, tagging: str = "members", max_tags: int = 5) -> None:
        self.db = session
        self.tagging = tagging
        self.max_tags = max_tags

    # -- groups --------------------------------------------------------------------------

    def groups(self) -> list[TagGroup]:
        return list(self.db.scalars(select(TagGroup).order_by(TagGroup.name, TagGroup.id)))

    def _group_name(self, name: str) -> str:
        if has_line_controls(name):
            raise ValidationError(_("A tag group's name cannot contain control characters."))
        cleaned = one_line(name)
        if not 1 <= len(cleaned) <= TAG_GROUP_NAME_MAX or _FORBIDDEN.search(cleaned):
            raise ValidationError(_(
                "A tag group's name has 1 to ${maximum} characters, not only spaces, and no "
                "markup.", mapping={"maximum": TAG_GROUP_NAME_MAX}))
        return cleaned

    def create_group(self, name: str, staff_only: bool = False,
                     one_per_topic: bool = False) -> TagGroup:
        group = TagGroup(name=self._group_name(name), staff_only=staff_only,
                         one_per_topic=one_per_topic)
        self.db.add(group)
        self.db.flush()  # callers link to it by id
        return group

    def update_group(self, group: TagGroup, name: str, staff_only: bool,
                     one_per_topic: bool) -> None:
        group.name = self._group_name(name)
        group.staff_only, group.one_per_topic = staff_only, one_per_topic

    def delete_group(self, group: TagGroup) -> None:
        """Delete a group; its tags stay, in no group."""
        for tag in self.db.scalars(select(Tag).where(Tag.group_id == group.id)):
            tag.group_id = None
        self.db.delete(group)

    # -- tags ----------------------------------------------------------------------------

    def all_tags(self) -> list[Tag]:
        return list(self.db.scalars(select(Tag).order_by(Tag.name, Tag.id)))

    def _check_tag(self, name: str, description: str, tag: Tag | None = None,
                   ) -> tuple[str, str, str]:
        name = clean_tag_name(name)
        if has_text_controls(description) or len(description) > TAG_DESCRIPTION_MAX:
            raise ValidationError(_("A tag's description has at most ${maximum} characters, "
                                    "and no control characters.",
                                    mapping={"maximum": TAG_DESCRIPTION_MAX}))
        slug = tag_slug(name)
        taken = self.db.scalar(select(Tag.id).where(Tag.slug == slug))
        if taken is not None and (tag is None or taken != tag.id):
            raise ConflictError(_("A tag with the address ${slug} exists already.",
                                  mapping={"slug": slug}))
        return name, slug, description.strip()

    def create_tag(self, name: str, description: str = "", group: TagGroup | None = None,
                   ) -> Tag:
        """A new tag. :raises ValidationError: for a bad name; ConflictError when its
        address is taken."""
        name, slug, description = self._check_tag(name, description)
        tag = Tag(name=name, slug=slug, description=description,
                  group_id=None if group is None else group.id)
        self.db.add(tag)
        self.db.flush()  # callers link to it by id
        return tag

    def update_tag(self, tag: Tag, name: str, description: str,
                   group: TagGroup | None) -> None:
        """Rename, describe or regroup a tag (its address follows its name)."""
        tag.name, tag.slug, tag.description = self._check_tag(name, description, tag)
        tag.group_id = None if group is None else group.id

    def delete_tag(self, tag: Tag) -> None:
        """Delete a tag; the topics it was on stay (their search entries are refreshed)."""
        for row in self.db.scalars(select(ContentTag).where(ContentTag.tag_id == tag.id)):
            self.db.delete(row)
        self.db.delete(tag)

    # -- tagging ------------------------------------------------------------------------------

    def may_tag(self, user: User | None) -> bool:
        """Whether ``user`` may put tags on what they may edit (``forum.tagging``)."""
        if user is None or self.tagging == "off":
            return False
        return self.tagging == "members" or is_staff(user)

    def check_tags(self, actor: User, names: Iterable[str], content_type: str | None = None,
                   key: int | None = None) -> None:
        """Refuse, as :meth:`set_tags` would, these tags for item ``key`` (None: a new item)
        without writing anything: check first, so a refusal leaves nothing half made."""
        self._plan(actor, content_type, key, list(names))

    def set_tags(self, actor: User, content_type: str, key: int, names: Iterable[str],
                 ) -> list[Tag]:
        """Make the tags of item ``key`` of ``content_type`` those named ``names`` (the caller
        checked that ``actor`` may edit the item). Staff may name new tags, which are
        created; a member's tags of staff-only groups stay as they were.

        :raises NotAllowedError: when ``actor`` may not tag, or names a staff-only tag.
        :raises NotFoundError: when a member names a tag that does not exist.
        :raises ValidationError: for a bad name, too many tags, or two of a one-per-topic
            group.
        """
        plan = self._plan(actor, content_type, key, list(names))
        if plan is None:
            return self._current(content_type, key)
        wanted, new_names = plan
        wanted = wanted + [self.create_tag(name) for name in new_names]
        chosen = {tag.id for tag in wanted}
        present = set()
        for row in self.db.scalars(select(ContentTag).where(
                ContentTag.content_type == content_type, ContentTag.content_key == key)):
            present.add(row.tag_id)
            if row.tag_id not in chosen:
                self.db.delete(row)  # (one by one: the search index notes each change)
        for tag in wanted:
            if tag.id not in present:
                self.db.add(ContentTag(content_type=content_type, content_key=key,
                                       tag_id=tag.id))
        return sorted(wanted, key=lambda tag: tag.name)

    def _current(self, content_type: str | None, key: int | None) -> list[Tag]:
        if content_type is None or key is None:
            return []
        return list(self.db.scalars(
            select(Tag).join(ContentTag, ContentTag.tag_id == Tag.id)
            .where(ContentTag.content_type == content_type, ContentTag.content_key == key)
            .order_by(Tag.name)))

    def _plan(self, actor: User, content_type: str | None, key: int | None,
              names: list[str]) -> tuple[list[Tag], list[str]] | None:
        """The existing tags to put on the item and the names of new ones to create, after
        every check; None when the tags stay as they are."""
        current = {tag.id: tag for tag in self._current(content_type, key)}
        slugs = list(dict.fromkeys(tag_slug(clean_tag_name(n)) for n in names))
        if {tag.slug for tag in current.values()} == set(slugs):
            return None  # unchanged: nothing to allow or refuse
        if not self.may_tag(actor):
            raise NotAllowedError(_("You may not change tags here.") if self.tagging != "off"
                                  else _("Tags are switched off on this forum."))
        if len(slugs) > self.max_tags:  # before looking them up: the simplest thing to fix
            raise ValidationError(_("A topic has at most ${maximum} tags.",
                                    mapping={"maximum": self.max_tags}))
        staff = is_staff(actor)
        existing = {tag.slug: tag for tag in self.db.scalars(
            select(Tag).where(Tag.slug.in_(slugs)))} if slugs else {}
        named = {tag_slug(clean_tag_name(n)): one_line(n) for n in names}
        wanted: list[Tag] = []
        new_names: list[str] = []
        for slug in slugs:
            tag = existing.get(slug)
            if tag is not None:
                wanted.append(tag)
            elif staff:
                new_names.append(named[slug])
            else:
                raise NotFoundError(_(
                    "There is no tag ${tag}; use the tags the forum has (see its tags page).",
                    mapping={"tag": named[slug]}))
        if not staff:  # a member neither adds nor removes the tags of staff-only groups
            for tag in wanted:
                if tag.id not in current and tag.group is not None and tag.group.staff_only:
                    raise NotAllowedError(_("Only staff may use the tag ${tag}.",
                                            mapping={"tag": tag.name}))
            wanted.extend(tag for tag in current.values()
                          if tag.group is not None and tag.group.staff_only
                          and tag not in wanted)
        if len(wanted) + len(new_names) > self.max_tags:
            raise ValidationError(_("A topic has at most ${maximum} tags.",
                                    mapping={"maximum": self.max_tags}))
        self._check_groups(wanted)
        return wanted, new_names

    @staticmethod
    def _check_groups(tags: list[Tag]) -> None:
        seen: dict[int, Tag] = {}
        for tag in tags:
            group = tag.group
            if group is None or not group.one_per_topic:
                continue
            if group.id in seen:
                raise ValidationError(_(
                    "Choose one tag of the group ${group}, not both ${first} and ${second}.",
                    mapping={"group": group.name, "first": seen[group.id].name,
                             "second": tag.name}))
            seen[group.id] = tag
