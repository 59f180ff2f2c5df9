"""Alembic environment shared by every branch; forum_core.migrations sets its attributes."""

from __future__ import annotations

import warnings
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from forum_core.accounts import models as _account_models  # noqa: F401  (registers tables)
from forum_core.admin import models as _admin_models  # noqa: F401
from forum_core.content import follows as _follows  # noqa: F401
from forum_core.content import models as _content_models  # noqa: F401
from forum_core.content import tags as _tag_models  # noqa: F401
from forum_core.db import Base, UTCDateTime
from forum_core.drafts import models as _draft_models  # noqa: F401
from forum_core.jobs import models as _job_models  # noqa: F401
from forum_core.moderation import models as _moderation_models  # noqa: F401
from forum_core.notifications import models as _notification_models  # noqa: F401
from forum_core.ratelimit import RateLimitHit as _rate_limits  # noqa: F401
from forum_core.search.models import UNMODELLED_COLUMNS, UNMODELLED_INDEXES

# SQLite cannot reflect the lower(username) indexes; autogenerate need not compare them
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based")
warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expression")

config = context.config
branch = config.attributes["branch"]
other_prefixes: tuple[str, ...] = config.attributes.get("other_prefixes", ())


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Autogenerate only compares the tables this branch owns."""
    if type_ == "index" and name in UNMODELLED_INDEXES:
        return False
    if type_ == "column" and (obj.table.name, name) in UNMODELLED_COLUMNS:
        return False
    if type_ != "table" or name is None:
        return True
    if branch.table_prefix is not None:
        return name.startswith(branch.table_prefix)
    return not name.startswith(other_prefixes) and not name.startswith("alembic_version")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the forum's own column types as plain SQLAlchemy ones, so revisions never import
    application code that may change later."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=branch.version_table,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run_migrations_online()
