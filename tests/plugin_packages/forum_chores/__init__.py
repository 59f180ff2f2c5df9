"""Test plugin 'chores': background jobs of every kind, each leaving a trace the tests read.

Every run of a job appends a line ``<job> <attempt> <word>`` to ``<data_dir>/chores.log``,
so a test (or a real server in another process) can see what ran, how often and when.
"""

from __future__ import annotations

from pathlib import Path

from forum_core.api import Category, Job, Plugin, enqueue, hookimpl, slugify

plugin = Plugin(id="chores", description="Background jobs (test plugin).", api_version=2)

#: declarations a test adds with monkeypatch (a clash, a foreign name, a bad schedule)
EXTRA: list = []


def trace(context, word: str = "") -> None:
    log = Path(context.settings["forum.data_dir"]) / "chores.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{context.name} {context.attempt} {word}\n")


def record(context, word: str) -> None:
    trace(context, word)


def flaky(context, until: int) -> None:
    """Fails until attempt number ``until``, then succeeds."""
    trace(context)
    if context.attempt < until:
        raise ConnectionError(f"the far side is away (attempt {context.attempt})")


def broken(context) -> None:
    trace(context)
    raise ValueError("this never works")


def add_category(context, name: str) -> None:
    """Writes in the job's own session, and asks for a follow-up job in it."""
    context.session.add(Category(slug=slugify(name), name=name, description="By a job."))
    enqueue(context.session, "chores.record", word=f"made {name}")
    trace(context, name)


def every_minute(context) -> None:
    trace(context, "tick")


def nightly(context) -> None:
    trace(context, "night")


@hookimpl
def forum_register_jobs():
    return [
        Job("chores.record", record, retries=0),
        Job("chores.flaky", flaky, retries=3, retry_delay=10, backoff=3),
        Job("chores.broken", broken, retries=2, retry_delay=5, backoff=2),
        Job("chores.add_category", add_category),
        Job("chores.every_minute", every_minute, schedule="* * * * *"),
        Job("chores.nightly", nightly, schedule="30 3 * * *"),
        *EXTRA,
    ]
