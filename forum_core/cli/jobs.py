"""``forum jobs`` (what waits, runs and failed; run failed jobs again) and ``forum worker``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import StartupError
from ..i18n import _, translate
from . import cli, config_path_option, environment, say

#: how much of a job's arguments and last error one line shows
SUMMARY_CHARS = 70


def _runtime(config_path: Path, check_migrations: bool = True) -> Any:
    from ..worker import open_runtime
    from .commands import _pending_migrations

    env = environment(config_path)
    behind = _pending_migrations(config_path, env) if check_migrations else []
    if behind:
        raise StartupError(_(
            "The database needs migrating (${branches}); run 'forum migrate --config ${path}'.",
            mapping={"branches": ", ".join(behind), "path": str(config_path)}))
    return open_runtime(env, app_registry=app_registry_of(env))


class app_registry_of:  # noqa: N801  (used as a function that remembers)
    """A function giving the forum's Pyramid registry, configured on its first call: jobs
    that write e-mail in a worker process need its routes and languages. ``made``: whether
    it was (a command that ends closes it then, with ``forum_core.app.close_registry``)."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.made: list[Any] = []

    def __call__(self) -> Any:
        if not self.made:
            from ..app import make_config

            self.made.append(make_config(self.env.settings, self.env).registry)
        return self.made[0]


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def arguments_summary(encoded: str) -> str:
    try:
        values = json.loads(encoded)
    except ValueError:
        return shorten(encoded)
    if not isinstance(values, dict):
        return shorten(encoded)
    return shorten(", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}"
                             for key, value in values.items()))


def state_label(row: Any, now: Any) -> str:
    from ..jobs.models import FAILED, QUEUED, RUNNING

    if row.state == FAILED:
        return translate(_("failed"))
    if row.state == RUNNING:
        return translate(_("running"))
    if row.state == QUEUED and row.due_at > now:
        return translate(_("scheduled"))
    return translate(_("queued"))


@cli.group("jobs", invoke_without_command=True)
@config_path_option
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Show at most this many jobs.")
@click.pass_context
def jobs_command(ctx: click.Context, config_path: Path, limit: int) -> None:
    """List background jobs that are queued, scheduled (waiting to be tried again), running
    or failed, and the periodic jobs; 'forum jobs retry' runs failed ones again."""
    if ctx.invoked_subcommand is not None:
        return
    from ..db import utcnow

    runtime = _runtime(config_path)
    try:
        with runtime.session() as session:
            rows = runtime.queue.listing(session, limit)
            now = utcnow()
            for row in rows:
                attempts = f"{row.attempts}/{_max_attempts(runtime.queue, row.name)}"
                click.echo(f"{row.id:>7}  {state_label(row, now):<10} {row.plugin_id:<12} "
                           f"{row.name:<28} {attempts:>5}  {row.due_at:%Y-%m-%d %H:%M} UTC  "
                           f"{arguments_summary(row.arguments)}")
                if row.last_error:
                    click.echo("         " + translate(_("last error: ${error}", mapping={
                        "error": shorten(row.last_error, 2 * SUMMARY_CHARS)})))
        if not rows:
            say("No jobs are queued, scheduled, running or failed.")
        periodic = [d for d in runtime.queue.declared.values() if d.job.schedule]
        if periodic:
            say("Periodic jobs (crontab, UTC):")
            for declared in periodic:
                click.echo(f"         {declared.plugin_id:<12} {declared.job.name:<28} "
                           f"{declared.job.schedule}")
        say("Jobs are kept in ${where}.", where=runtime.queue.describe())
    finally:
        runtime.close()


def _max_attempts(queue: Any, name: str) -> str:
    declared = queue.declared.get(name)
    return str(declared.job.retries + 1) if declared is not None else "?"


@jobs_command.command("retry")
@config_path_option
@click.argument("ids", nargs=-1, type=click.IntRange(1))
@click.option("--all-failed", is_flag=True, help="Retry every failed job.")
def jobs_retry(config_path: Path, ids: tuple[int, ...], all_failed: bool) -> None:
    """Run jobs again (by id, as 'forum jobs' lists them), with all their attempts."""
    if not ids and not all_failed:
        raise click.UsageError(translate(_("Name the ids of the jobs to retry, or give "
                                           "--all-failed.")))
    runtime = _runtime(config_path)
    try:
        with runtime.session() as session:
            rows = runtime.queue.retry(session, ids, all_failed=all_failed)
            retried = [(row.id, row.name) for row in rows]
    finally:
        runtime.close()
    if not retried:
        say("No job has failed.")
    for job_id, name in retried:
        say("Queued job ${id} (${name}) again.", id=job_id, name=name)


@cli.command()
@config_path_option
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Jobs run at the same time.")
def worker(config_path: Path, threads: int) -> None:
    """Run background jobs in the foreground until Ctrl+C: one or more per machine when jobs
    are kept in Redis (forum.jobs_url); with SQLite, 'forum serve' runs them itself."""
    from pyramid.paster import setup_logging

    from ..worker import run_worker

    runtime = _runtime(config_path)
    try:
        setup_logging(str(config_path.resolve()))
        say("Running jobs from ${where} with ${threads} threads (Ctrl+C to stop).",
            where=runtime.queue.describe(), threads=threads)
        run_worker(runtime.queue, threads)
    except KeyboardInterrupt:
        pass  # Ctrl+C before huey's consumer took over the signals: a stop all the same
    finally:
        runtime.close()
