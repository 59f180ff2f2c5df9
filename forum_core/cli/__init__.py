"""The ``forum`` command: set up, serve, migrate and inspect a forum.

Every command takes ``--config PATH`` (default: ``$FORUM_CONFIG`` or ``./forum.ini``).
Errors are printed as one line starting with ``forum:``; exit status 2 means the command
line or the configuration was wrong, 1 that the work itself failed.
"""

from __future__ import annotations

import getpass
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from .. import __version__
from ..db import unreachable_message
from ..environment import ForumEnvironment, announce_notices, load_environment
from ..errors import ForumError, StartupError
from ..i18n import _, translate
from ..plugins import RUNTIME_OPENER

DEFAULT_CONFIG = "forum.ini"


def say(message: str, **mapping: Any) -> None:
    """Print a translated message (a msgid with ``${name}`` placeholders)."""
    click.echo(translate(_(message, mapping=mapping) if mapping else _(message)))


def config_path_option(fn: Any) -> Any:
    return click.option(
        "--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("FORUM_CONFIG", DEFAULT_CONFIG), show_default="forum.ini",
        help="The forum's configuration file (also $FORUM_CONFIG).")(fn)


def read_ini(path: Path) -> dict[str, Any]:
    """The ``[app:main]`` settings of a PasteDeploy file, with %(here)s filled in."""
    from pyramid.paster import get_appsettings

    if not path.is_file():
        raise StartupError(_(
            "No configuration file at ${path}. Run 'forum init' to create one, or pass "
            "--config PATH.", mapping={"path": str(path)}))
    try:
        return dict(get_appsettings(str(path.resolve())))
    except Exception as exc:  # any parse error of the file is one line for the owner
        raise StartupError(_("Cannot read ${path}: ${error}",
                             mapping={"path": str(path), "error": str(exc)})) from None


def environment(path: Path) -> ForumEnvironment:
    """The configuration's environment, loaded once per command even when the group (for
    plugin commands) and the command itself both ask for it."""
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    env = _environment(path, path.resolve(), stamp)
    announce_notices(env)  # retired settings, misspelt FORUM_* variables: on stderr, once
    _database[:] = [env.settings["forum.database_url"]]
    return env


#: the database of the configuration the command works on, named if it cannot be reached
_database: list[str] = []


@lru_cache(maxsize=4)
def _environment(path: Path, resolved: Path, stamp: int | None) -> ForumEnvironment:
    # ``resolved`` and ``stamp`` are in the key so a changed or other file is read again
    return load_environment(read_ini(path))


@contextmanager
def db_session(env: ForumEnvironment) -> Iterator[Session]:
    """A session for one command: committed at the end, rolled back on error; what it commits
    reaches the search index and the job queue as it would from a request."""
    from ..worker import open_runtime

    runtime = open_runtime(env)
    try:
        with runtime.session() as session:
            yield session
    finally:
        runtime.close()


@contextmanager
def _runtime_of(env: ForumEnvironment) -> Iterator[Any]:
    from ..worker import open_runtime

    runtime = open_runtime(env)
    try:
        yield runtime
    finally:
        runtime.close()


class ForumGroup(click.Group):
    """Adds commands that enabled plugins register through ``forum_register_commands``."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        cache = ctx.meta.get("forum.plugin_commands")
        if cache is not None:
            return cache
        cache = {}
        path = Path(os.environ.get("FORUM_CONFIG", DEFAULT_CONFIG))
        if path.is_file():
            try:
                env = environment(path)
            except StartupError:
                env = None  # the core commands still work; they report the error themselves
            if env is not None:
                ctx.meta[RUNTIME_OPENER] = lambda: _runtime_of(env)  # (command_runtime)
                for commands in env.pm.hook.forum_register_commands():
                    for command in commands:
                        if command.name in self.commands:
                            raise StartupError(_(
                                "A plugin registers the command '${name}', which the core "
                                "already has.", mapping={"name": command.name}))
                        cache[command.name] = command
        ctx.meta["forum.plugin_commands"] = cache
        return cache

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._plugin_commands(ctx)])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)


@click.group(cls=ForumGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="forum")
def cli() -> None:
    """Set up, run and inspect a community forum."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``forum`` script: errors become one line, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="forum", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("forum: " + translate(_("aborted")), err=True)
        sys.exit(1)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"forum: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"forum: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except StartupError as exc:
        click.echo(f"forum: {translate(exc.message)}", err=True)
        sys.exit(2)
    except ForumError as exc:
        click.echo(f"forum: {translate(exc.message)}", err=True)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("FORUM_DEBUG"):
            raise
        unreachable = _database and unreachable_message(_database[0], exc)
        if unreachable:
            click.echo("forum: " + translate(unreachable), err=True)
            sys.exit(1)
        click.echo("forum: " + translate(_(
            "Unexpected error: ${error}. Run again with FORUM_DEBUG=1 to see the details.",
            mapping={"error": f"{type(exc).__name__}: {exc}"})), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def generate_secret() -> str:
    return secrets.token_urlsafe(48)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def obtain_password(given: str | None, prompt: str, no_input: bool = False) -> tuple[str, bool]:
    """``given``, else asked for on a terminal, else generated; returns it and whether it was
    generated (so the command prints it once)."""
    if given is not None:
        return given, False
    if is_interactive() and not no_input:
        return read_password(prompt), False
    return generate_secret()[:16], True


def read_password(prompt: str) -> str:
    first = getpass.getpass(translate(_(prompt)) + " ")
    second = getpass.getpass(translate(_("Repeat the password:")) + " ")
    if first != second:
        raise ForumError(_("The passwords do not match."))
    return first


from . import commands, health, jobs  # noqa: E402,F401  (registers the subcommands on ``cli``)
