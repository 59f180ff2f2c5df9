"""A knowledge base with something in it, for the tests of the surfaces around the articles
(search, feeds, the sitemap, the JSON API, feedback, reminders, the topic page): an open
section with a published article by a moderator, and a closed group's section with a
published article whose words must never reach anyone outside the group."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest
from kbhelpers import PEOPLE, kb_as, make_kb
from sqlalchemy import select

from forum_core.api import Category, User

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
#: who must never meet the group's article: a visitor, a member, a member of another group
#: ("gus") and a moderator outside the group
OUTSIDERS = (None, "wanda", "gus", "mod")
#: the word that only the group's article holds (title and text)
SECRET = "Zanzibarite"


@dataclass
class World:
    forum: Any
    group_id: int
    space: str
    guides: int
    deals: int
    public: int
    hidden: int

    def kb(self, session: Any, username: str | None) -> Any:
        """The service as ``username`` sees it (with the group's principal for members)."""
        groups = (self.group_id,) if username in ("otto", "rita") else ()
        return kb_as(self.forum, session, username, groups)

    def user_id(self, username: str) -> int:
        with self.forum.session() as session:
            return session.scalar(select(User.id).where(User.username == username))


def with_answers_plugin() -> list[EntryPoint]:
    """The installed plugins' entry points and the test plugin ``kbanswers`` (it provides
    the ``accepted_answer`` capability: tests/forum_kbanswers)."""
    return [*entry_points(group="forum.plugins"),
            EntryPoint(name="kbanswers", value="forum_kbanswers", group="forum.plugins")]


def make_world(make_forum: Any, postgres: bool, answers: bool = False) -> World:
    """The world; ``answers``: with the ``kbanswers`` test plugin enabled too."""
    if answers:
        forum = make_forum(plugins=("groups", "kb", "kbanswers"), postgres=postgres,
                           entry_points=with_answers_plugin())
        for name, role in PEOPLE.items():
            forum.create_user(name, role=role)
    else:
        forum = make_kb(make_forum, postgres)
    forum.create_category("General")
    group_id, space = forum.create_group("Partners", owner="otto", members=["rita"],
                                         space="Partner room")
    # a member of another group, who must not see the first group's either
    forum.create_user("gus")
    forum.create_group("Resellers", owner="gus", space="Reseller room")
    with forum.session() as session:
        space_id = session.scalar(select(Category.id).where(Category.slug == space))
        admin = kb_as(forum, session, "ada")
        guides = admin.save_section(None, "Guides", "How to do things.")
        group = f"group:{group_id}"
        deals = admin.save_section(None, "Deal desk", space_id=space_id,
                                   rights={"write": [group], "edit": [group],
                                           "publish": [group]})
        public = kb_as(forum, session, "mod").create_article(
            guides, "Export your data", "## Steps\n\nOpen the harbour settings.\n\n"
            "## Afterwards\n\nCheck the file.", publish=True)
        hidden = kb_as(forum, session, "rita", (group_id,)).create_article(
            deals, f"Rebate table {SECRET}", f"Partners get ten percent ({SECRET}).\n\n"
            "## Harbour partners\n\nMore.", publish=True)
        ids = guides.id, deals.id, public.id, hidden.id
    return World(forum, group_id, space, *ids)


def api_headers(forum: Any, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {forum.api_token(username)}"}
