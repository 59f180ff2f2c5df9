"""A new forum in a folder for the benchmarks that measure jobs in-process (fanout.py,
digest.py): ``forum init`` as an owner runs it, then its environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def new_forum(folder: Path, database_url: str = "") -> Any:
    """``forum init`` in ``folder`` (on SQLite there, or the empty database
    ``database_url``); returns the forum's environment."""
    from forum_core.cli import environment

    config = folder / "forum.ini"
    command = [str(Path(sys.executable).with_name("forum")), "init", "--no-input",
               "--config", str(config)]
    if database_url:
        command += ["--database", database_url]
    subprocess.run(command, check=True, capture_output=True, cwd=folder)
    return environment(config)
