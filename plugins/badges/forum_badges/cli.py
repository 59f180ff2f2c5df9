"""``forum badges``: the plugin's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forum_core.api import _, command_runtime, terminal_text

from .awarding import BATCH, backfill_all, member_count

LOCALE = Path(__file__).resolve().parent / "locale"


def _say(message) -> str:
    return terminal_text(message, LOCALE)


@click.group()
def badges() -> None:
    """Badges and points."""


@badges.command()
@click.option("--batch", default=BATCH, show_default=True, type=click.IntRange(1, 10_000),
              help="Members re-checked per transaction.")
def backfill(batch: int) -> None:
    """Award every badge to every member who earned it and recount everyone's points, in
    batches (the forum keeps answering). Running it again awards nothing twice."""
    with command_runtime() as runtime:
        with runtime.session() as session:
            total = member_count(session)
        with click.progressbar(length=total, label=_say(_("Re-checking members")),
                               file=sys.stderr) as bar:
            awarded = backfill_all(runtime.session, bar.update, batch)
    click.echo(_say(_("Re-checked ${members} members; ${awarded} badges awarded.",
                      mapping={"members": total, "awarded": awarded})))
