"""The configuration file ``forum init`` writes."""

from __future__ import annotations

import os
from pathlib import Path

TEMPLATE = """\
# Configuration of a community forum, written by 'forum init'.
# 'forum settings --config {name}' lists every setting with its type, default and help.
# Keep this file private: forum.secret signs cookies.

[app:main]
use = egg:forum-core

forum.site_name = {site_name}
forum.secret = {secret}
forum.database_url = {database_url}
# The data folder: uploads, the job queue, outgoing mail, the search index (README: Backups).
forum.data_dir = {data_dir}
# Plugins to enable, space separated ('forum plugins' lists the installed ones).
forum.plugins = {plugins}
forum.theme = default
forum.default_locale = en
# Set to true when the forum is served over HTTPS (behind a TLS-terminating proxy).
forum.cookie_secure = false

[server:main]
use = egg:waitress#main
listen = localhost:6543
threads = 8

[loggers]
keys = root, forum, sqlalchemy, huey

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = INFO
handlers = console

[logger_forum]
level = INFO
handlers =
qualname = forum_core

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

# the job queue's own lines (a job started, a job done) each minute; failures still show
[logger_huey]
level = WARN
handlers =
qualname = huey

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


def write_config(path: Path, secret: str, database_url: str | None, plugins: list[str],
                 site_name: str = "Community forum", data_dir: str | None = None) -> None:
    """Write a new configuration readable only by its owner. Never overwrites a file.
    ``database_url`` and ``data_dir`` default to places in ``var/`` beside the file."""
    text = TEMPLATE.format(
        name=path.name, site_name=site_name, secret=secret,
        # a % of the caller's values (an escaped password: %40) is a letter, not interpolation
        database_url=_literal(database_url) or "sqlite:///%(here)s/var/forum.sqlite",
        data_dir=_literal(data_dir) or "%(here)s/var",
        plugins=" ".join(plugins),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _literal(value: str | None) -> str | None:
    return None if value is None else value.replace("%", "%%")
