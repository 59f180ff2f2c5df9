"""Schema migrations with Alembic: one branch for the core and one per plugin.

Each branch has its own version folder and its own version table (``alembic_version`` for
the core, ``alembic_version_<id>`` for a plugin). The core migrates first, then the enabled
plugins in dependency order, so a plugin's revisions always run against the latest core schema.

Separate version tables keep branches independent: a disabled or uninstalled plugin leaves
its tables and its version row alone, and the core's revision history never has to resolve
revisions of plugins that are not loaded (which a shared table would require).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from ..environment import ForumEnvironment

HERE = Path(__file__).resolve().parent
CORE_BRANCH = "core"


@dataclass(frozen=True)
class Branch:
    """One line of migrations: the core's or a plugin's."""

    name: str
    versions_dir: Path

    @property
    def version_table(self) -> str:
        return "alembic_version" if self.name == CORE_BRANCH else f"alembic_version_{self.name}"

    @property
    def table_prefix(self) -> str | None:
        """Tables this branch owns when autogenerating (plugins: ``<id>_``)."""
        return None if self.name == CORE_BRANCH else f"{self.name}_"


def branches(env: ForumEnvironment) -> list[Branch]:
    """The core's branch and those of the enabled plugins that have migrations, in order."""
    found = [Branch(CORE_BRANCH, HERE / "versions")]
    for plugin in env.plugins:
        folder = plugin.folder("migrations")
        if folder is not None and (folder / "versions").is_dir():
            found.append(Branch(plugin.id, folder / "versions"))
    return found


def alembic_config(branch: Branch, connection: Connection | None = None,
                   other_prefixes: tuple[str, ...] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(branch.versions_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["branch"] = branch
    cfg.attributes["connection"] = connection
    cfg.attributes["other_prefixes"] = other_prefixes
    return cfg


def current_revisions(engine: Engine, env: ForumEnvironment) -> dict[str, str | None]:
    """The revision each branch's version table records (None: not migrated yet)."""
    result: dict[str, str | None] = {}
    with engine.connect() as connection:
        for branch in branches(env):
            context = MigrationContext.configure(
                connection, opts={"version_table": branch.version_table})
            result[branch.name] = context.get_current_revision()
    return result


def head_revisions(env: ForumEnvironment) -> dict[str, str | None]:
    """The newest revision each branch's scripts define."""
    return {b.name: ScriptDirectory.from_config(alembic_config(b)).get_current_head()
            for b in branches(env)}


def pending(engine: Engine, env: ForumEnvironment) -> list[str]:
    """Names of the branches whose database is behind their scripts."""
    current, heads = current_revisions(engine, env), head_revisions(env)
    return [name for name in heads if current.get(name) != heads[name]]


def upgrade(engine: Engine, env: ForumEnvironment,
            progress: Callable[[str], None] | None = None) -> list[str]:
    """Bring the core and every enabled plugin to their newest revision.

    Each branch migrates in its own transaction, so a failing revision leaves the database at
    the last good one. Returns the names of the branches that changed.
    """
    changed = []
    all_branches = branches(env)
    prefixes = tuple(b.table_prefix for b in all_branches if b.table_prefix)
    before = current_revisions(engine, env)
    heads = head_revisions(env)
    for branch in all_branches:
        if before.get(branch.name) == heads[branch.name]:
            continue
        if progress:
            progress(branch.name)
        with engine.begin() as connection:
            command.upgrade(alembic_config(branch, connection, prefixes), "heads")
        changed.append(branch.name)
    if changed:
        _refresh_statistics(engine)
    return changed


def _refresh_statistics(engine: Engine) -> None:
    """Where SQLite keeps planner statistics (someone ran ANALYZE), gather them again: an
    index a migration added has none, and SQLite may then prefer it over a better one."""
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum analyzes changed tables by itself
    with engine.begin() as connection:
        if connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            connection.exec_driver_sql("ANALYZE")


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
