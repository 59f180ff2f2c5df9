"""The data folder (``forum.data_dir``): uploaded avatars, the outbox of e-mail, the job queue
(``jobs.sqlite``) and the Whoosh search index.

The forum refuses to start when it cannot write there (one line naming ``forum.data_dir`` and
the folder), rather than starting and failing member by member. A folder that stops taking
files while the forum runs (a disk remounted read-only, a full disk, an owner changed by a
restore) is noticed where it is written: the member is told that their picture was not saved
or that an e-mail could not be sent (:class:`StorageUnavailable`, a 503 page), never that it
was.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ForumError, StartupError
from .i18n import _

log = logging.getLogger(__name__)

#: the folders the forum writes under the data folder, checked at start when they exist
SUBFOLDERS = ("avatars", "outbox", "search")


class StorageUnavailable(ForumError):
    """A file the member's request needs could not be written: nothing was saved or sent.
    Answered 503 with ``title`` and the message, translated."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message, title)

    @property
    def title(self) -> str:
        return self.args[1]


def data_dir(settings: Mapping[str, Any]) -> Path:
    return Path(settings["forum.data_dir"])


def write_error(folder: Path) -> OSError | None:
    """Create ``folder`` if it is missing and write and delete a small file in it; the error
    if that fails (read-only file system, no permission, a full disk, a file in the way)."""
    try:
        try:
            handle, name = tempfile.mkstemp(prefix=".forum-write-check-", dir=folder)
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=".forum-write-check-", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return exc
    return None


def describe(error: OSError) -> str:
    """``[Errno 30] Read-only file system``: the reason, without the file's name."""
    return f"[Errno {error.errno}] {error.strerror}" if error.errno else str(error)


def check_data_dir(settings: Mapping[str, Any]) -> Path:
    """At start: the data folder, and each of its sub-folders that exists, takes files.

    :raises StartupError: naming ``forum.data_dir``, the folder and the reason.
    """
    root = data_dir(settings)
    for folder in (root, *(root / name for name in SUBFOLDERS)):
        if folder is not root and not folder.is_dir():
            continue  # made when first needed, in a folder that was just checked
        error = write_error(folder)
        if error is not None:
            raise StartupError(_(
                "forum.data_dir: cannot write to ${path} (${reason}). The forum keeps uploads, "
                "outgoing e-mail, background jobs and the search index there: let the user "
                "running the forum write to it, or set forum.data_dir to a folder it can "
                "write to.", mapping={"path": str(folder.resolve()),
                                      "reason": describe(error)}))
    return root


def folder_unwritable(folder: Path, what: str) -> OSError | None:
    """At run time, before promising something that needs ``folder``: the error (logged in
    one line naming ``what`` needs it) when it takes no files now."""
    error = write_error(folder)
    if error is not None:
        log.error("cannot write to %s (%s), which %s needs: check forum.data_dir", folder,
                  describe(error), what)
    return error
