"""The badges a forum starts with, made for the rules of the enabled plugins the first time
the plugin's re-check runs (and by ``forum badges backfill``). Their names and descriptions
are shown in each member's language while an administrator has not changed them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forum_core.api import _, recognition

from .models import BRONZE, GOLD, SILVER, Badge


@dataclass(frozen=True)
class Default:
    key: str
    rule: str
    name: Any
    description: Any
    icon: str
    level: str = BRONZE
    params: dict[str, int] = field(default_factory=dict)
    repeatable: bool = False


DEFAULTS = (
    Default("first_post", "badges.first_post", _("First post"), _("Wrote a first post"),
            "chat"),
    Default("appreciated", "badges.first_liked_reply", _("Appreciated"),
            _("Wrote a reply that another member liked"), "heart"),
    Default("prolific", "badges.posts", _("Prolific"), _("Wrote 100 posts"), "flame", SILVER,
            {"count": 100}),
    Default("regular", "badges.days_visited", _("Regular"),
            _("Visited the forum on 30 days"), "calendar", SILVER, {"days": 30}),
    Default("devoted", "badges.days_visited", _("Devoted"),
            _("Visited the forum on 365 days"), "trophy", GOLD, {"days": 365}),
    Default("anniversary", "badges.anniversary", _("Anniversary"),
            _("A member for a year"), "cake", SILVER, {"years": 1}),
    Default("autobiographer", "badges.profile", _("Autobiographer"),
            _("Added a display name, a picture and a few words about themselves"), "user"),
    Default("idea_maker", "ideas.first_idea", _("Idea maker"), _("Shared a first idea"),
            "lightbulb"),
    Default("popular_idea", "ideas.votes", _("Popular idea"),
            _("An idea of theirs reached 10 votes"), "rocket", SILVER, {"votes": 10}, True),
    Default("author", "kb.first_article", _("Author"),
            _("Published a first knowledge base article"), "book"),
    Default("solver", "support.first_accepted_answer", _("Solver"),
            _("Wrote a reply accepted as the answer to a question"), "check", SILVER),
    Default("attendee", "events.attended", _("Attendee"), _("Attended an event"), "calendar"),
)
BY_KEY = {default.key: default for default in DEFAULTS}


def make_defaults(session: Any) -> int:
    """Make the default badges whose rules are declared and which were never made; returns
    how many were made. A default an administrator disabled stays disabled."""
    from sqlalchemy import select

    from .services import Recognition

    made = set(session.scalars(select(Badge.builtin).where(Badge.builtin.is_not(None))))
    rules = recognition(session).rules
    count = 0
    service = Recognition(session)
    for default in DEFAULTS:
        if default.key in made or default.rule not in rules:
            continue
        service.create({"name": str(default.name), "description": str(default.description),
                        "level": default.level, "icon": default.icon, "rule": default.rule,
                        "params": default.params, "repeatable": default.repeatable},
                       builtin=default.key)
        count += 1
    return count


def shown_name(localizer: Any, badge: Badge) -> str:
    """The badge's name in the viewer's language (a default one not renamed), else as
    written."""
    default = BY_KEY.get(badge.builtin or "")
    if default is not None and badge.name == str(default.name):
        return str(localizer.translate(default.name))
    return badge.name


def shown_description(localizer: Any, badge: Badge) -> str:
    default = BY_KEY.get(badge.builtin or "")
    if default is not None and badge.description == str(default.description):
        return str(localizer.translate(default.description))
    return badge.description
