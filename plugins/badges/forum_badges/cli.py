"""``forum badges``: the plugin's commands."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from forum_core.api import _, command_runtime, terminal_text

from .awarding import BATCH, backfill_all, member_count, tried

LOCALE = Path(__file__).resolve().parent / "locale"


def _say(message) -> str:
    return terminal_text(message, LOCALE)


def _busy(seconds: float) -> None:
    click.echo(_say(_("The database is busy; trying again in ${seconds} s.",
                      mapping={"seconds": f"{seconds:g}"})), err=True)
    time.sleep(seconds)


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
        try:
            total = tried(runtime.session, member_count, _busy)
            with click.progressbar(length=total, label=_say(_("Re-checking members")),
                                   file=sys.stderr) as bar:
                awarded = backfill_all(runtime.session, bar.update, batch, _busy)
        except OperationalError as exc:
            reason = (str(exc.orig or exc).strip().splitlines() or ["?"])[0]
            raise click.ClickException(_say(_(
                "The database stayed busy or away (${reason}); what was re-checked so far "
                "is kept. Run the command again when it answers.",
                mapping={"reason": reason}))) from None
    click.echo(_say(_("Re-checked ${members} members; ${awarded} badges awarded.",
                      mapping={"members": total, "awarded": awarded})))
