"""Demonstration content for ``forum init --demo``: the default badges for the enabled
plugins' rules, a gold badge given by hand ("Helping hand", which the administrator gave bob
with a reason), carol featured as "Member of the month", and every member re-checked at once
so the demo has badges, points and a leaderboard from the start (without notifying anyone
of awards for the demo's past).

Runs after the core's demo (its members and posts); the other plugins' demo content counts
as far as it is there when this runs, and the plugin's re-check jobs catch up on the rest.
"""

from __future__ import annotations

from sqlalchemy import select

from forum_core.api import User

from .defaults import make_defaults
from .models import GOLD
from .services import Recognition

HELPING_HAND = {"name": "Helping hand",
                "description": "Went out of their way to help other members",
                "level": GOLD, "icon": "heart", "rule": ""}
#: who the administrator gave it to, and why
HELPED = ("bob", "Walked three new customers through their first export, step by step.")
#: who is featured, with what title and note
FEATURED = ("carol", "Member of the month",
            "Carol's questions this month made the export guide much better.")


def demo_data(session, admin: User) -> None:
    make_defaults(session)
    service = Recognition(session)
    members = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_([HELPED[0], FEATURED[0]])))}
    badge = service.create(HELPING_HAND)
    helped = members.get(HELPED[0])
    if helped is not None:
        service.grant(badge, helped, admin, HELPED[1])
    featured = members.get(FEATURED[0])
    if featured is not None:
        service.feature(featured, admin, FEATURED[1], FEATURED[2])
    session.flush()
    service.check(list(session.scalars(select(User.id).order_by(User.id))), tell=False)
