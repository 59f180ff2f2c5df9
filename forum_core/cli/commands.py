"""The core's subcommands of ``forum``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..content.appearance import CATEGORY_COLOURS, CATEGORY_ICONS
from ..errors import ForumError, StartupError
from ..i18n import _, translate
from . import (
    cli,
    config_path_option,
    db_session,
    environment,
    generate_secret,
    is_interactive,
    obtain_password,
    read_password,
    say,
)
from .inifile import write_config

# -------------------------------------------------------------------------------------------------
# init, migrate, serve
# -------------------------------------------------------------------------------------------------


@cli.command()
@config_path_option
@click.option("--demo", is_flag=True, help="Also create demo members and content.")
@click.option("--database", "database_url", metavar="URL",
              help="Database URL for a new config (default: SQLite next to the config).")
@click.option("--plugins", metavar="IDS",
              help="Plugins to enable in a new config, space separated; 'all' for every "
                   "installed one (default: all).")
@click.option("--data-dir", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder of a new config: uploads, the job queue, outgoing mail, the "
                   "search index (default: var/ beside the config).")
@click.option("--admin-username", envvar="FORUM_ADMIN_USERNAME", default="admin",
              show_default=True, help="Username of the administrator (also $FORUM_ADMIN_USERNAME).")
@click.option("--admin-email", envvar="FORUM_ADMIN_EMAIL", default="admin@example.com",
              show_default=True, help="E-mail of the administrator (also $FORUM_ADMIN_EMAIL).")
@click.option("--admin-password", envvar="FORUM_ADMIN_PASSWORD",
              help="Password of the administrator (also $FORUM_ADMIN_PASSWORD); asked for on a "
                   "terminal, generated and printed otherwise.")
@click.option("--no-input", is_flag=True, help="Never prompt, even on a terminal.")
def init(config_path: Path, demo: bool, database_url: str | None, plugins: str | None,
         data_dir: Path | None, admin_username: str, admin_email: str,
         admin_password: str | None, no_input: bool) -> None:
    """Create a configuration, migrate the database and create the administrator.

    Safe to run again: an existing configuration, database and administrator are kept. A new
    configuration is written only once its plugins, database and folders have been checked,
    so a mistake leaves nothing behind to correct.
    """
    from ..accounts.services import DatabaseUserService
    from ..demo import DEMO_PASSWORD, create_demo_content
    from ..plugins import installed_plugins

    if config_path.exists():
        say("Using the existing configuration ${path}.", path=str(config_path))
    else:
        installed = list(installed_plugins())
        enabled = installed if plugins in (None, "all") else plugins.replace(",", " ").split()
        folder = config_path.resolve().parent
        data = (data_dir or folder / "var").expanduser().resolve()
        if database_url is None and data_dir is not None:
            database_url = f"sqlite:///{data / 'forum.sqlite'}"
        _check_new_forum(folder, data, database_url or f"sqlite:///{folder}/var/forum.sqlite",
                         enabled)
        write_config(config_path, secret=generate_secret(), database_url=database_url,
                     plugins=enabled, data_dir=str(data) if data_dir is not None else None)
        say("Wrote the configuration ${path}.", path=str(config_path))
    env = environment(config_path)
    _migrate(env)
    generated = False
    with db_session(env) as session:
        users = DatabaseUserService(session)
        admin = next((u for u in users.list_users(limit=1000) if u.role == "admin"), None)
        if admin is not None:
            say("The administrator ${username} exists already; left unchanged (set a new "
                "password with 'forum user set-password ${username}').", username=admin.username)
        else:
            admin_password, generated = obtain_password(
                admin_password, "Password for the administrator:", no_input)
            admin = users.create_user(admin_username, admin_email, admin_password, role="admin")
            say("Created the administrator ${username}.", username=admin.username)
        if demo:
            if create_demo_content(session, env.hooks, admin):
                say("Created demo content; demo members sign in with the password "
                    "${password}.", password=DEMO_PASSWORD)
            else:
                say("Demo content exists already; left unchanged.")
    if generated:
        say("Administrator: ${username} / password: ${password}", username=admin_username,
            password=admin_password)
    say("Start the forum with: forum serve --config ${path}", path=str(config_path))


def _check_new_forum(config_dir: Path, data_dir: Path, database_url: str,
                     plugins: list[str]) -> None:
    """What a new configuration needs, checked before anything is written: the plugins are
    installed (and those they require enabled too), the folders can be written and the
    database answers.

    :raises StartupError: naming what to change.
    """
    from sqlalchemy.engine import make_url

    from ..db import normalize_url
    from ..environment import load_environment

    # the settings the new file will hold: plugins that are missing or miss a requirement,
    # and a database URL that is not one, stop here as they would at start-up
    load_environment({"forum.plugins": " ".join(plugins), "forum.database_url": database_url,
                      "forum.data_dir": str(data_dir)})
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "sqlite":
        _check_database(database_url)
    folders = [(config_dir, _("the configuration")), (data_dir, _("the data folder"))]
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folders.append((Path(url.database).resolve().parent, _("the database")))
    for folder, what in folders:
        _check_writable(folder, what)


def _check_database(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from ..db import make_engine, unreachable_message

    engine = make_engine(database_url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        unreachable = unreachable_message(database_url, exc)
        if unreachable is not None:  # the words every command uses for it
            raise StartupError(unreachable) from None
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StartupError(_(
            "Cannot connect to the database ${url}: ${error}. Create the role and the "
            "database first (see the README, Production), or correct --database.",
            mapping={"url": make_url(database_url).render_as_string(hide_password=True),
                     "error": reason[0] if reason else type(exc).__name__})) from None
    finally:
        engine.dispose()


def _check_writable(folder: Path, what: Any) -> None:
    """``folder`` exists, or is created, and this user can write a file in it. Only a folder
    may be left behind when this fails: the configuration is written after every check."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StartupError(_(
            "Cannot write ${what} in ${folder}: ${error}. Create the folder for the user "
            "running the forum, or choose another place.",
            mapping={"what": what, "folder": str(folder),
                     "error": exc.strerror or type(exc).__name__})) from None


def _migrate(env: object) -> list[str]:
    from ..db import make_engine
    from ..migrations import upgrade

    engine = make_engine(env.settings["forum.database_url"])  # type: ignore[attr-defined]
    try:
        changed = upgrade(engine, env,  # type: ignore[arg-type]
                          progress=lambda name: say("Migrating ${branch}...", branch=name))
    finally:
        engine.dispose()
    if not changed:
        say("The database is up to date.")
    return changed


@cli.command()
@config_path_option
def migrate(config_path: Path) -> None:
    """Upgrade the database schema of the core and of every enabled plugin."""
    _migrate(environment(config_path))


@cli.command()
@config_path_option
@click.option("--host",
              help="Address to listen on (default: [server:main] listen, else localhost).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on (default: [server:main] listen, else 6543).")
@click.option("--threads", type=click.IntRange(1, 256), help="Worker threads (default: 8).")
def serve(config_path: Path, host: str | None, port: int | None, threads: int | None) -> None:
    """Serve the forum with waitress, using the [server:main] section of the configuration."""
    import plaster
    from pyramid.paster import get_app, setup_logging

    from ..app import close_app

    limit_malloc_arenas()  # before any thread of ours allocates
    env = environment(config_path)
    behind = _pending_migrations(config_path, env)
    if behind:
        raise StartupError(_(
            "The database needs migrating (${branches}); run 'forum migrate --config ${path}'.",
            mapping={"branches": ", ".join(behind), "path": str(config_path)}))
    ini = str(config_path.resolve())
    server = plaster.get_loader(ini, protocols=["wsgi"]).get_settings("server:main")
    options = {k: v for k, v in server.items() if k not in ("use", "here", "__file__")}
    if host or port or "listen" not in options:
        options.pop("listen", None)
        options["host"], options["port"] = host or "localhost", port or 6543
    if threads:
        options["threads"] = threads
    options.setdefault("threads", 8)
    options.setdefault("ident", "forum")
    setup_logging(ini)
    app = get_app(ini, "main")
    for line in governed_notices(app.registry["forum.db_engine"], env.settings["forum.plugins"]):
        click.echo("forum: " + translate(line), err=True)
    _settle_memory()
    server = _listen(app, options)  # before anything says it serves, or runs jobs
    say("Data folder (forum.data_dir): ${path}",
        path=str(Path(env.settings["forum.data_dir"]).resolve()))
    consumer = _start_jobs(app, env.settings["forum.jobs_threads"])
    say("Serving the forum on ${where} (Ctrl+C to stop)",
        where=" ".join(f"http://{host}:{port}/" for host, port in _addresses(options)))
    try:
        server.run()
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)  # lets running jobs finish (up to 30 seconds)
        close_app(app)  # visitors' views counted, the index's writes finished


def governed_notices(engine: Any, enabled: list[str]) -> list[Any]:
    """One line for each plugin that is not enabled but governs content (it stays hidden)."""
    from sqlalchemy.orm import Session

    from ..content.governed import orphaned

    with Session(engine) as session:
        return [found.notice for found in orphaned(session, enabled)]


def _addresses(options: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``(host, port)`` pairs waitress is asked to listen on."""
    if "listen" not in options:
        return [(str(options["host"]), str(options["port"]))]
    pairs = []
    for address in str(options["listen"]).split():
        host, _colon, port = address.rpartition(":")
        pairs.append((host or "0.0.0.0", port))
    return pairs


def _listen(app: Any, options: dict[str, Any]) -> Any:
    """waitress's server, bound to its addresses.

    :raises StartupError: in one line, for an address in use or one that cannot be used.
    """
    import errno

    from waitress.server import create_server

    try:
        return create_server(app, **options)
    except OSError as exc:
        host, port = ", ".join(h for h, _p in _addresses(options)), \
            ", ".join(p for _h, p in _addresses(options))
        reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(_(
                "port ${port} on ${host} is in use (${reason}); stop the other server or "
                "choose --port", mapping={"port": port, "host": host, "reason": reason})) \
                from None
        raise StartupError(_(
            "cannot listen on port ${port} on ${host} (${reason}); choose another --host or "
            "--port", mapping={"port": port, "host": host, "reason": reason})) from None


def _start_jobs(app: Any, threads: int) -> Any:
    """The job consumer inside the server (jobs in SQLite), or a word on where jobs run."""
    from ..jobs import QUEUE_KEY
    from ..worker import start_jobs

    queue = app.registry[QUEUE_KEY]
    consumer = start_jobs(queue, threads)
    if consumer is not None:
        say("Running background jobs in ${threads} threads (${where}).", threads=threads,
            where=queue.describe())
    else:
        say("Background jobs wait in ${where} for 'forum worker'.", where=queue.describe())
    return consumer


def pending_branches(config_path: Path, env: Any = None) -> list[str]:
    """The branches (core, plugins) whose database is behind their migration scripts."""
    from ..db import make_engine
    from ..migrations import pending

    env = env or environment(config_path)
    engine = make_engine(env.settings["forum.database_url"])
    try:
        return pending(engine, env)
    finally:
        engine.dispose()


def _pending_migrations(config_path: Path, env: Any) -> list[str]:
    """``pending_branches`` asked in a child process: the check loads Alembic and every
    migration script, 12 MB that the server would keep until it stops. Where the child gives
    no answer, the check runs here, so that its error is reported as it always was."""
    import json
    import subprocess

    code = ("import json, sys; from pathlib import Path; "
            "from forum_core.cli.commands import pending_branches; "
            "print(json.dumps(pending_branches(Path(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, str(config_path)],
                          capture_output=True, text=True, check=False)
    if done.returncode == 0 and done.stdout.strip():
        try:
            return list(json.loads(done.stdout.strip().splitlines()[-1]))
        except ValueError:
            pass
    return pending_branches(config_path, env)


#: glibc's mallopt parameter M_ARENA_MAX
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Let the server's threads share ``arenas`` malloc arenas. By default glibc gives threads
    that allocate at once arenas of their own, up to 8 per core, and each keeps the memory it
    once held: with waitress's 8 threads the server's peak RSS was 17 MB higher for no speed
    we could measure. False where the C library has no such setting (not glibc)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))


def _settle_memory() -> None:
    """Leave what the application built at start-up out of the garbage collector's rounds: a
    full round walked all of it (140,000 objects), about a millisecond of each signed-in
    page. Requests' own short-lived objects are collected as before, a little less often."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


# -------------------------------------------------------------------------------------------------
# plugins, settings, hooks
# -------------------------------------------------------------------------------------------------


@cli.command("plugins")
@config_path_option
def plugins_command(config_path: Path) -> None:
    """List installed plugins, which are enabled, and what each requires."""
    from importlib.metadata import metadata

    from ..plugins import LoadedPlugin, describe_installed, installed_plugins

    enabled: dict[str, LoadedPlugin] = {}
    if config_path.exists():
        enabled = {p.id: p for p in environment(config_path).plugins}
    found = installed_plugins()
    if not found:
        say("No plugins are installed.")
        return
    for plugin_id, ep in found.items():
        info = describe_installed(ep)
        loaded = enabled.get(plugin_id)
        state = translate(_("enabled")) if loaded else translate(_("installed"))
        description = translate(loaded.info.description) if loaded else (
            metadata(info.distribution).json.get("summary", "") if info.distribution else "")
        click.echo(f"{plugin_id:<16} {info.version:<10} {state:<10} {description}")
        if loaded and loaded.info.requires:
            click.echo("    " + translate(_("requires: ${ids}", mapping={
                "ids": ", ".join(loaded.info.requires)})))
    say("Enable a plugin by adding its id to forum.plugins in ${path}, then run 'forum migrate'.",
        path=str(config_path))


@cli.command("settings")
@config_path_option
def settings_command(config_path: Path) -> None:
    """Print every setting of the core and the enabled plugins: type, default, help."""
    from ..environment import load_environment

    env = environment(config_path) if config_path.exists() else load_environment({})
    for group in env.settings_groups:
        title = _("Core settings") if group.owner is None else _(
            "Settings of plugin ${plugin}", mapping={"plugin": group.owner})
        click.echo(f"# {translate(title)}")
        for setting in group.settings:
            default = " ".join(setting.default) if isinstance(setting.default, list) \
                else setting.default
            value = env.settings.get(group.key(setting))
            shown = "***" if setting.secret and value else (
                " ".join(value) if isinstance(value, list) else str(value))
            click.echo(f"{group.key(setting)} ({setting.type}, default: {default!r})")
            click.echo(f"    {translate(setting.help)}")
            click.echo(f"    env: {group.env_var(setting)}   current: {shown!r}")
        click.echo("")


@cli.command("hooks")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="Plain text, or Markdown as in docs/plugin_hooks.md.")
def hooks_command(fmt: str) -> None:
    """Print the reference of every plugin hook, generated from the hookspecs."""
    from ..hookdoc import render_markdown, render_text

    click.echo(render_markdown() if fmt == "markdown" else render_text(), nl=False)


@cli.command("api")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="Plain text, or Markdown as in docs/plugin_api.md.")
def api_command(fmt: str) -> None:
    """Print the reference of forum_core.api, the plugin API, generated from its code."""
    from .apidoc import render_markdown, render_text

    click.echo(render_markdown() if fmt == "markdown" else render_text(), nl=False)


# -------------------------------------------------------------------------------------------------
# users
# -------------------------------------------------------------------------------------------------


@cli.group()
def user() -> None:
    """Create and list members, change roles."""


@user.command("create")
@config_path_option
@click.argument("username")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option("--password", envvar="FORUM_USER_PASSWORD",
              help="The password (also $FORUM_USER_PASSWORD); asked for on a terminal.")
@click.option("--role", type=click.Choice(["member", "moderator", "admin"]), default="member",
              show_default=True)
def user_create(config_path: Path, username: str, email: str, password: str | None,
                role: str) -> None:
    """Create a member."""
    from ..accounts.services import DatabaseUserService

    if password is None:
        if not is_interactive():
            raise click.UsageError(translate(_(
                "Give --password or $FORUM_USER_PASSWORD when not on a terminal.")))
        password = read_password("Password:")
    env = environment(config_path)
    with db_session(env) as session:
        created = DatabaseUserService(session).create_user(username, email, password, role=role)
        name, created_role = created.username, created.role
    say("Created ${username} (${role}).", username=name, role=created_role)


@user.command("list")
@config_path_option
def user_list(config_path: Path) -> None:
    """List members: id, username, role, e-mail, joined."""
    from ..accounts.services import DatabaseUserService

    with db_session(environment(config_path)) as session:
        users = DatabaseUserService(session)
        after = None
        while batch := users.list_users(after_id=after, limit=500):
            for u in batch:
                click.echo(f"{u.id:>6}  {u.username:<30} {u.role:<10} {u.email:<40} "
                           f"{u.created_at:%Y-%m-%d}")
            after = batch[-1].id


@contextmanager
def existing_member(config_path: Path, username: str) -> Iterator[tuple[Any, Any]]:
    """The user service and the member called ``username``, committed at the end."""
    from ..accounts.services import DatabaseUserService

    with db_session(environment(config_path)) as session:
        users = DatabaseUserService(session)
        found = users.get_by_username(username)
        if found is None:
            raise ForumError(_("No member is called ${username}.", mapping={"username": username}))
        yield users, found


@user.command("set-role")
@config_path_option
@click.argument("username")
@click.argument("role", type=click.Choice(["member", "moderator", "admin"]))
def user_set_role(config_path: Path, username: str, role: str) -> None:
    """Change a member's role."""
    with existing_member(config_path, username) as (users, found):
        users.set_role(found, role)
    say("${username} is now ${role}.", username=username, role=role)


@user.command("set-password")
@config_path_option
@click.argument("username")
@click.option("--password", envvar="FORUM_USER_PASSWORD",
              help="The new password (also $FORUM_USER_PASSWORD); asked for on a terminal, "
                   "generated and printed otherwise.")
def user_set_password(config_path: Path, username: str, password: str | None) -> None:
    """Set a member's password (for example a forgotten administrator password)."""
    password, generated = obtain_password(password, "Password:")
    with existing_member(config_path, username) as (users, found):
        users.set_password(found, password)
    if generated:
        say("New password of ${username}: ${password}", username=username, password=password)
    else:
        say("Changed the password of ${username}.", username=username)


# -------------------------------------------------------------------------------------------------
# plugin development
# -------------------------------------------------------------------------------------------------


@cli.group()
def plugin() -> None:
    """Tools for plugin developers."""


@plugin.command("new")
@click.argument("plugin_id")
@click.option("--directory", "-d", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where to create forum-<id>/.")
@click.option("--description", default="", help="One sentence about the plugin.")
def plugin_new(plugin_id: str, directory: Path, description: str) -> None:
    """Write a working plugin distribution skeleton named forum-PLUGIN_ID."""
    from .skeleton import write_skeleton

    target = write_skeleton(plugin_id, directory, description)
    say("Created ${path}. Install it with: pip install -e ${path}", path=str(target))
    say("Then add '${plugin}' to forum.plugins and run 'forum migrate'.", plugin=plugin_id)


@plugin.command("catalogs")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path),
                default=Path("."))
@click.option("--languages", default="nl ru", show_default=True,
              help="The languages to keep catalogs for, space or comma separated.")
def plugin_catalogs(directory: Path, languages: str) -> None:
    """Extract a plugin's translatable strings and update its catalogs (locale/)."""
    from .catalogs import update_catalogs

    wanted = [code for code in languages.replace(",", " ").split() if code]
    report = update_catalogs(directory, wanted)
    say("Wrote ${path} with ${count} messages.", path=str(report.template),
        count=report.messages)
    for language, missing in report.untranslated.items():
        say("${language}: untranslated messages: ${missing}.", language=language,
            missing=missing)


@plugin.command("revision")
@config_path_option
@click.argument("plugin_id")
@click.option("--message", "-m", required=True, help="What the revision changes.")
@click.option("--autogenerate", is_flag=True,
              help="Compare the plugin's models with the database and write the difference.")
def plugin_revision(config_path: Path, plugin_id: str, message: str, autogenerate: bool) -> None:
    """Write a new migration for an enabled plugin (or 'core'), in its migrations/versions."""
    from alembic import command

    from ..db import make_engine
    from ..migrations import alembic_config, branches

    env = environment(config_path)
    found = {b.name: b for b in branches(env)}
    branch = found.get(plugin_id)
    if branch is None:
        raise ForumError(_(
            "'${plugin}' is not an enabled plugin with a migrations/versions folder; enabled "
            "ones with migrations: ${ids}.",
            mapping={"plugin": plugin_id, "ids": ", ".join(found)}))
    prefixes = tuple(b.table_prefix for b in found.values() if b.table_prefix)
    engine = make_engine(env.settings["forum.database_url"])
    try:
        with engine.begin() as connection:
            cfg = alembic_config(branch, connection, prefixes)
            # a plugin's first revision starts its own branch, labelled with its id
            first = not any(branch.versions_dir.glob("*.py"))
            script = command.revision(cfg, message=message, autogenerate=autogenerate,
                                      head="base" if first else f"{branch.name}@head",
                                      branch_label=branch.name if first else None,
                                      version_path=str(branch.versions_dir))
    finally:
        engine.dispose()
    scripts = script if isinstance(script, list) else [script]
    for item in scripts:
        if item is not None:
            say("Wrote ${path}.", path=item.path)


# -------------------------------------------------------------------------------------------------
# categories
# -------------------------------------------------------------------------------------------------

ACCESS = click.Choice(["everyone", "members", "moderators", "admins"])


@cli.group()
def category() -> None:
    """Create and list discussion categories."""


@category.command("create")
@config_path_option
@click.argument("name")
@click.option("--description", default="", help="One or two sentences shown under the name.")
@click.option("--slug", help="The address part, /c/SLUG (default: made from the name).")
@click.option("--parent", "parent_slug", metavar="SLUG", help="Make it a sub-category.")
@click.option("--read", "read_access", type=ACCESS, default="everyone", show_default=True,
              help="Who may read it.")
@click.option("--start", "topic_access", type=ACCESS, default="members", show_default=True,
              help="Who may start topics.")
@click.option("--reply", "reply_access", type=ACCESS, default="members", show_default=True,
              help="Who may reply.")
@click.option("--colour", type=click.Choice(CATEGORY_COLOURS),
              help="A colour of the palette (default: none).")
@click.option("--icon", type=click.Choice(CATEGORY_ICONS),
              help="A built-in icon (default: none).")
def category_create(config_path: Path, name: str, description: str, slug: str | None,
                    parent_slug: str | None, read_access: str, topic_access: str,
                    reply_access: str, colour: str | None, icon: str | None) -> None:
    """Create a category."""
    from sqlalchemy import select

    from ..content import content_service
    from ..content.models import Category

    env = environment(config_path)
    with db_session(env) as session:
        parent = None
        if parent_slug:
            parent = session.scalar(select(Category).where(Category.slug == parent_slug))
            if parent is None:
                raise ForumError(_("No category has the address ${slug}.",
                                   mapping={"slug": parent_slug}))
        created = content_service(session).create_category(
            name, description, slug=slug, parent=parent, read_access=read_access,
            topic_access=topic_access, reply_access=reply_access, colour=colour, icon=icon)
        path = f"/c/{created.slug}"
    say("Created the category ${name} at ${path}.", name=name, path=path)


@category.command("list")
@config_path_option
def category_list(config_path: Path) -> None:
    """List categories: address, name, who may read, start topics and reply."""
    from sqlalchemy import select

    from ..content.models import Category

    with db_session(environment(config_path)) as session:
        for found in session.scalars(select(Category).order_by(Category.position, Category.id)):
            parent = f" (in {found.parent.slug})" if found.parent else ""
            click.echo(f"/c/{found.slug:<24} {found.name:<30} read: {found.read_access:<10} "
                       f"start: {found.topic_access:<10} reply: {found.reply_access}{parent}")


@cli.command()
@config_path_option
def reindex(config_path: Path) -> None:
    """Rebuild the search index from the database (after a crash, a restore, or enabling or
    disabling a plugin with searchable content)."""
    from ..db import make_engine, make_session_factory
    from ..search import make_index

    env = environment(config_path)
    engine = make_engine(env.settings["forum.database_url"])
    try:
        index = make_index(env, engine, make_session_factory(engine, write=False),
                           background=False)
        with click.progressbar(length=index.total(), label=translate(_("Indexing")),
                               file=sys.stderr) as bar:
            count = index.rebuild(bar.update)
    finally:
        engine.dispose()
    say("Indexed ${count} documents (search backend: ${backend}).", count=count,
        backend=index.backend.name)


@cli.command()
@config_path_option
def recook(config_path: Path) -> None:
    """Render every post's Markdown again (after the allowlist or extensions changed)."""
    from sqlalchemy import func, select

    from ..content import content_service
    from ..content.models import Post
    from ..rendering import RenderError

    env = environment(config_path)
    changed = failed = 0
    with db_session(env) as session:
        service = content_service(session)
        total = session.scalar(select(func.count()).select_from(Post)) or 0
        last_id = 0
        with click.progressbar(length=total, label=translate(_("Rendering posts")),
                               file=sys.stderr) as bar:
            while batch := list(session.scalars(select(Post).where(Post.id > last_id)
                                                .order_by(Post.id).limit(500))):
                for post in batch:
                    try:
                        changed += service.recook(post)
                    except RenderError:
                        failed += 1  # kept as it was: its old HTML was safe when written
                last_id = batch[-1].id
                bar.update(len(batch))
                session.flush()  # write each batch before loading the next
                session.expunge_all()
    say("Rendered ${total} posts again: ${changed} changed, ${failed} kept as they were.",
        total=total, changed=changed, failed=failed)


@cli.group()
def mail() -> None:
    """E-mail that comes in: replies to the forum's notification e-mails."""


#: exit codes a mail server understands (sysexits.h): the message is bad, or refused
EX_DATAERR, EX_NOPERM = 65, 77


@mail.command("receive")
@config_path_option
def mail_receive(config_path: Path) -> None:
    """Read one e-mail message (RFC 5322) from standard input, as a mail server pipes it, and
    post it as a reply when it answers a notification e-mail (forum.reply_by_email). A
    refused message exits non-zero with the reason, which the mail server sends back."""
    from ..app import close_registry
    from ..errors import NotAllowedError, ValidationError
    from ..notifications.replies import MAX_MESSAGE_BYTES, receive
    from .jobs import app_registry_of

    raw = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
    env = environment(config_path)
    registry = app_registry_of(env)  # (links and permissions as the web application has them)
    try:
        with db_session(env) as session:
            received = receive(session, env.settings, registry(), raw)
            post_id = received.post.id if received.post is not None else None
    except ValidationError as exc:
        click.echo("forum: " + translate(exc.message), err=True)
        raise SystemExit(EX_NOPERM if isinstance(exc, NotAllowedError) else EX_DATAERR) \
            from None
    finally:
        if registry.made:
            close_registry(registry())
    if received.ignored:
        say("An automatic answer: ignored.")
    elif received.held:
        say("Reply ${post} posted; it waits for a moderator's approval.", post=str(post_id))
    else:
        say("Reply ${post} posted.", post=str(post_id))
