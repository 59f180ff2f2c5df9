"""Saving, finding and discarding a member's drafts.

A draft belongs to a place to write, named by its key: ``topic-<id>`` (a reply),
``new-topic-<category id>`` (a new topic, with a title) or ``post-<id>`` (a change of a
post). A draft is only ever shown for a place the member may still see: every read goes
through the visibility choke point, so a draft of a topic that moved into a closed group is
kept but not shown, and saving one for a place the member cannot see is refused as not found.
Posting (a reply, a topic, a change) discards the place's draft in the same transaction
(:mod:`.subscribers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..content.models import Category, Post, Topic
from ..db import dialect_insert, utcnow
from ..errors import ConflictError, NotFoundError, ValidationError
from ..i18n import _
from ..limits import (
    BODY_MAX,
    ID_DIGITS,
    TITLE_MAX,
    has_line_controls,
    has_text_controls,
    parse_id,
)
from ..visibility import category_clause, post_clause, topic_clause
from .models import Draft

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..visibility import Viewer

#: drafts a member may keep at once (one per topic, new topic or post being changed)
DRAFTS_MAX = 100
#: the form of a draft's key (a JSON Schema pattern too)
KEY_PATTERN = f"^(topic|new-topic|post)-[1-9][0-9]{{0,{ID_DIGITS - 1}}}$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class DraftKey:
    """A parsed key: what kind of place (``topic``, ``new-topic``, ``post``) and its id."""

    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}-{self.id}"


def parse_key(raw: str) -> DraftKey:
    """The key ``raw`` stands for, or a ValidationError saying which keys there are."""
    found = _KEY.match(raw) if isinstance(raw, str) else None
    number = parse_id(raw.rsplit("-", 1)[-1]) if found else None
    if found is None or number is None:
        raise ValidationError(_(
            "A draft key is topic-<topic id>, new-topic-<category id> or post-<post id>."))
    return DraftKey(found.group(1), number)


def topic_key(topic_id: int) -> str:
    return str(DraftKey("topic", topic_id))


def new_topic_key(category_id: int) -> str:
    return str(DraftKey("new-topic", category_id))


def post_key(post_id: int) -> str:
    return str(DraftKey("post", post_id))


class DatabaseDraftService:
    """A member's drafts, read and written through the visibility choke point."""

    def __init__(self, session: Session) -> None:
        self.db = session

    def _visible_ids(self, viewer: Viewer, kind: str, ids: set[int]) -> set[int]:
        """Which of ``ids`` (of topics, categories or posts) the viewer may see: one query."""
        if not ids:
            return set()
        if kind == "topic":
            query = select(Topic.id).where(Topic.id.in_(ids), topic_clause(viewer))
        elif kind == "new-topic":
            query = select(Category.id).where(Category.id.in_(ids), category_clause(viewer))
        else:
            query = select(Post.id).where(Post.id.in_(ids), post_clause(viewer))
        return set(self.db.scalars(query, viewer.params))

    def _check_visible(self, viewer: Viewer, key: DraftKey) -> None:
        if key.id not in self._visible_ids(viewer, key.kind, {key.id}):
            raise NotFoundError(_("There is nothing to write to at this draft's place, or you "
                                  "may not see it."))

    def get(self, user: User, viewer: Viewer, key: str) -> Draft | None:
        """The member's draft for ``key`` if its place is visible to them, else None."""
        parsed = parse_key(key)
        draft = self.db.scalar(select(Draft).where(Draft.user_id == user.id,
                                                   Draft.key == str(parsed)))
        if draft is None or not self._visible_ids(viewer, parsed.kind, {parsed.id}):
            return None
        return draft

    def list(self, user: User, viewer: Viewer) -> list[Draft]:
        """The member's drafts whose places they may still see, latest first (at most
        ``DRAFTS_MAX`` rows, and one visibility query per kind of place)."""
        drafts = list(self.db.scalars(select(Draft).where(Draft.user_id == user.id)
                                      .order_by(Draft.updated_at.desc(), Draft.id.desc())
                                      .limit(DRAFTS_MAX)))
        wanted: dict[str, set[int]] = {}
        for draft in drafts:
            parsed = parse_key(draft.key)
            wanted.setdefault(parsed.kind, set()).add(parsed.id)
        visible = {kind: self._visible_ids(viewer, kind, ids) for kind, ids in wanted.items()}
        return [d for d in drafts
                if (p := parse_key(d.key)).id in visible.get(p.kind, set())]

    def save(self, user: User, viewer: Viewer, key: str, body: str, title: str = "") -> Draft:
        """Keep ``body`` (and a new topic's ``title``) as the member's draft for ``key``,
        replacing the one there was; one statement, so two tabs saving at once leave one
        draft (the later text).

        :raises ValidationError: for a bad key, or a text or title over the limits of a post.
        :raises NotFoundError: if the member may not see the draft's place.
        :raises ConflictError: if the member keeps ``DRAFTS_MAX`` drafts already.
        """
        parsed = parse_key(key)
        if has_text_controls(body):
            raise ValidationError(_("The text contains control characters; remove them."))
        if len(body) > BODY_MAX:
            raise ValidationError(_("A post has at most ${maximum} characters.",
                                    mapping={"maximum": BODY_MAX}))
        if has_line_controls(title) or len(title) > TITLE_MAX:
            raise ValidationError(_("A title has at most ${maximum} characters, and no "
                                    "control characters.", mapping={"maximum": TITLE_MAX}))
        if parsed.kind != "new-topic":
            title = ""  # only a new topic has one
        self._check_visible(viewer, parsed)
        existing = self.db.scalar(select(Draft.id).where(Draft.user_id == user.id,
                                                         Draft.key == str(parsed)))
        if existing is None:
            kept = self.db.scalar(select(func.count()).select_from(Draft)
                                  .where(Draft.user_id == user.id)) or 0
            if kept >= DRAFTS_MAX:
                raise ConflictError(_(
                    "You keep ${maximum} drafts already; post or discard some first.",
                    mapping={"maximum": DRAFTS_MAX}))
        now = utcnow()
        values = {"user_id": user.id, "key": str(parsed), "title": title, "body": body,
                  "category_id": parsed.id if parsed.kind == "new-topic" else None,
                  "updated_at": now}
        statement = dialect_insert(self.db, Draft).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["user_id", "key"],
            set_={"title": title, "body": body, "updated_at": now})
        self.db.execute(statement)
        draft = self.db.scalars(select(Draft).where(Draft.user_id == user.id,
                                                    Draft.key == str(parsed))
                                .execution_options(populate_existing=True)).one()
        return draft

    def discard(self, user_id: int, key: str) -> bool:
        """Delete the member's draft for ``key``; whether there was one."""
        parsed = parse_key(key)
        result = self.db.execute(delete(Draft).where(Draft.user_id == user_id,
                                                     Draft.key == str(parsed)))
        return bool(getattr(result, "rowcount", 0))
