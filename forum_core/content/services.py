"""Discussions: creating categories, topics and replies, editing, moderation of topics.

Counters shown in listings (replies, posts, last activity) are changed with single UPDATE
statements that add to the stored value, never by reading, adding in Python and writing
back, so concurrent posters cannot lose each other's increments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ..db import insert_if_absent, read_rows, utcnow
from ..errors import ConflictError, ValidationError
from ..events import emit
from ..i18n import _
from ..limits import (
    CATEGORY_NAME_MAX,
    DESCRIPTION_MAX,
    SLUG_MAX,
    TITLE_MAX,
    TITLE_MIN,
    has_line_controls,
    has_text_controls,
    one_line,
)
from .appearance import clean_appearance
from .events import PostCreated, PostEdited, TopicCreated
from .models import ACCESS_LEVELS, Category, Post, PostRevision, Topic, TopicRead

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..rendering import Cooked, Cooker

def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """A URL-friendly form of ``text``; letters of any script are kept, lower-cased."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    return text[:max_length].rstrip("-") or "topic"


def clean_title(title: str) -> str:
    """The title as stored (white space made single spaces), or a ValidationError: the rules
    of :func:`forum_core.limits.line_pattern` with ``TITLE_MIN``, and at most ``TITLE_MAX``
    characters as sent."""
    if has_line_controls(title):
        raise ValidationError(_("The title contains control characters; remove them."))
    if not TITLE_MIN <= len(title.strip()) or len(title) > TITLE_MAX:
        raise ValidationError(_(
            "A title has ${minimum} to ${maximum} characters.",
            mapping={"minimum": TITLE_MIN, "maximum": TITLE_MAX}))
    return one_line(title)


class DatabaseContentService:
    def __init__(self, session: Session, cooker: Cooker, hold_first_posts: int = 0,
                 mention_url: Callable[[str], str | None] | None = None) -> None:
        self.db = session
        self.cooker = cooker
        self.hold_first_posts = hold_first_posts
        self.mention_url = mention_url

    def _cook(self, source: str) -> Cooked:
        if self.mention_url is None:
            return self.cooker.cook(source)
        return self.cooker.cook(source, mention_url=self.mention_url)

    def should_hold(self, author: User) -> bool:
        """A new member's first posts wait for approval (``forum.hold_first_posts``)."""
        if self.hold_first_posts <= 0 or author.role in ("moderator", "admin"):
            return False
        approved = self.db.scalar(select(func.count()).select_from(Post).where(
            Post.user_id == author.id, Post.is_held.is_(False)))
        return (approved or 0) < self.hold_first_posts

    # -- categories --------------------------------------------------------------------------

    def _check_category(self, name: str, description: str, slug: str, levels: tuple[str, ...],
                        category: Category | None = None) -> tuple[str, str]:
        if has_line_controls(name) or not 1 <= len(name.strip()) \
                or len(name) > CATEGORY_NAME_MAX:
            raise ValidationError(_("A category name has 1 to ${maximum} characters.",
                                    mapping={"maximum": CATEGORY_NAME_MAX}))
        if has_text_controls(description) or len(description) > DESCRIPTION_MAX:
            raise ValidationError(_("A description has at most ${maximum} characters, and no "
                                    "control characters.", mapping={"maximum": DESCRIPTION_MAX}))
        for level in levels:
            if level not in ACCESS_LEVELS:
                raise ValidationError(_("Choose who may read, start topics and reply from "
                                        "${levels}.", mapping={"levels": ", ".join(ACCESS_LEVELS)}))
        name, slug = one_line(name), slugify(slug or name)
        taken = self.db.scalar(select(Category.id).where(Category.slug == slug))
        if taken is not None and (category is None or taken != category.id):
            raise ConflictError(_("A category with the address ${slug} exists already.",
                                  mapping={"slug": slug}))
        return name, slug

    def create_category(self, name: str, description: str = "", slug: str | None = None,
                        parent: Category | None = None, read_access: str = "everyone",
                        topic_access: str = "members", reply_access: str = "members",
                        position: int | None = None, colour: str | None = None,
                        icon: str | None = None) -> Category:
        """A new category; ``colour`` and ``icon`` are names of the palette and of the
        built-in icons (:mod:`.appearance`), None or empty for none."""
        name, slug = self._check_category(name, description, slug or "",
                                          (read_access, topic_access, reply_access))
        colour, icon = clean_appearance(colour, icon)
        if position is None:
            position = (self.db.scalar(select(func.max(Category.position))) or 0) + 1
        category = Category(name=name, slug=slug, description=description.strip(),
                            parent=parent, read_access=read_access, topic_access=topic_access,
                            reply_access=reply_access, position=position, colour=colour,
                            icon=icon)
        self.db.add(category)
        self.db.flush()  # callers link to the new category by id
        return category

    def update_category(self, category: Category, name: str, description: str, slug: str,
                        parent: Category | None, read_access: str, topic_access: str,
                        reply_access: str, position: int, colour: str | None = None,
                        icon: str | None = None) -> None:
        """Change a category's name, address, place, who may do what in it, and its look
        (``colour`` and ``icon``: None or empty for none)."""
        name, slug = self._check_category(name, description, slug,
                                          (read_access, topic_access, reply_access), category)
        colour, icon = clean_appearance(colour, icon)
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == category.id:
                raise ValidationError(_("A category cannot be placed inside itself."))
            ancestor = ancestor.parent
        category.name, category.slug = name, slug
        category.description = description.strip()
        category.parent = parent
        category.read_access, category.topic_access = read_access, topic_access
        category.reply_access, category.position = reply_access, position
        category.colour, category.icon = colour, icon

    # -- topics and posts --------------------------------------------------------------------

    def create_topic(self, author: User, category: Category, title: str, source: str) -> Topic:
        title = clean_title(title)
        cooked = self._cook(source)
        held = self.should_hold(author)
        now = utcnow()
        topic = Topic(category_id=category.id, user_id=author.id, title=title,
                      slug=slugify(title), created_at=now, last_post_at=now,
                      last_post_user_id=author.id, post_number_seq=1, is_held=held)
        self.db.add(topic)
        self.db.flush()  # the first post needs the topic's id
        post = Post(topic_id=topic.id, user_id=author.id, number=1, source=source,
                    html=cooked.html, created_at=now, is_held=held)
        self.db.add(post)
        if not held:
            self.db.execute(update(Category).where(Category.id == category.id).values(
                topic_count=Category.topic_count + 1, post_count=Category.post_count + 1,
                last_post_at=now, last_topic_id=topic.id))
        self.db.flush()  # the events carry the new ids
        emit(self.db, TopicCreated(topic_id=topic.id, post_id=post.id, user_id=author.id,
                                   category_id=category.id))
        emit(self.db, PostCreated(post_id=post.id, topic_id=topic.id, user_id=author.id,
                                  mentions=cooked.mentions, quoted_post_ids=cooked.quoted_post_ids))
        return topic

    def reply(self, author: User, topic: Topic, source: str, hold: bool = False) -> Post:
        """A reply by ``author``; held for the moderators when ``hold`` (a doubtful reply by
        e-mail) or when the author's first posts are (:meth:`should_hold`)."""
        cooked = self._cook(source)
        held = hold or self.should_hold(author)
        now = utcnow()
        # one statement claims the next number and moves the counters, so concurrent replies
        # get distinct numbers and exact counts; a held reply counts once it is approved
        values: dict[str, Any] = {"post_number_seq": Topic.post_number_seq + 1}
        if not held:
            values.update(reply_count=Topic.reply_count + 1, last_post_at=now,
                          last_post_user_id=author.id)
        number = self.db.execute(update(Topic).where(Topic.id == topic.id).values(**values)
                                 .returning(Topic.post_number_seq)).scalar_one()
        post = Post(topic_id=topic.id, user_id=author.id, number=number, source=source,
                    html=cooked.html, created_at=now, is_held=held)
        self.db.add(post)
        if not held and not topic.is_deleted:
            self.db.execute(update(Category).where(Category.id == topic.category_id).values(
                post_count=Category.post_count + 1, last_post_at=now, last_topic_id=topic.id))
        self.db.flush()  # the event carries the new id
        self.db.expire(topic, ["post_number_seq", "reply_count", "last_post_at",
                               "last_post_user_id"])
        emit(self.db, PostCreated(post_id=post.id, topic_id=topic.id, user_id=author.id,
                                  mentions=cooked.mentions, quoted_post_ids=cooked.quoted_post_ids))
        return post

    def edit_post(self, editor: User, post: Post, source: str) -> None:
        """Replace a post's text, keeping the previous one as a revision."""
        if source == post.source:
            return
        cooked = self._cook(source)
        self.db.add(PostRevision(post_id=post.id, user_id=editor.id, source=post.source))
        post.source, post.html = source, cooked.html
        post.edited_at = utcnow()
        post.edit_count += 1
        emit(self.db, PostEdited(post_id=post.id, topic_id=post.topic_id, user_id=editor.id))

    def recook(self, post: Post) -> bool:
        """Render a post's source again; returns whether its HTML changed."""
        html = self._cook(post.source).html
        if html == post.html:
            return False
        post.html = html
        return True

    def revisions(self, post: Post) -> list[PostRevision]:
        return list(self.db.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                    .order_by(PostRevision.id.desc())))

    def mark_read(self, user: User, topic: Topic, number: int) -> None:
        """Remember that ``user`` has read ``topic`` up to post ``number`` (never backwards).

        The write, when there is one, is a savepoint of its own: if it fails (SQLite's
        "database is locked" when a reading transaction meets a writer) the caller's
        transaction is intact and the error is raised. Reading again what was read writes
        nothing. Making the marker counts the member's one view of the topic. Two tabs
        opening a topic for the first time at once make one marker: the
        later one moves it if it read further."""
        number = min(number, topic.post_number_seq)  # no further than its last post
        current = read_marker(self.db, user.id, topic.id)
        if current is not None and number <= current:
            return
        with self.db.begin_nested():
            if current is None and insert_if_absent(
                    self.db, TopicRead, {"user_id": user.id, "topic_id": topic.id,
                                         "last_read_number": number},
                    ("user_id", "topic_id")):
                # a member's first read of a topic is their one view of it (.viewcount)
                self.db.execute(update(Topic).where(Topic.id == topic.id).values(
                    view_count=Topic.view_count + 1))
                return
            self.db.execute(
                update(TopicRead)
                .where(TopicRead.user_id == user.id, TopicRead.topic_id == topic.id,
                       TopicRead.last_read_number < number)
                .values(last_read_number=number, read_at=utcnow()))


#: how far a member has read a topic: every topic page a member opens asks (built once)
_READ_MARKER = select(TopicRead.last_read_number).where(
    TopicRead.user_id == bindparam("user_id"), TopicRead.topic_id == bindparam("topic_id"))


def read_marker(db: Session, user_id: int, topic_id: int) -> int | None:
    """The number of the last post of ``topic_id`` that ``user_id`` has read, or None if they
    never opened it. Only reads: a page checks it before asking :meth:`mark_read` to move it."""
    return read_rows(db, _READ_MARKER, {"user_id": user_id, "topic_id": topic_id}).scalar()
