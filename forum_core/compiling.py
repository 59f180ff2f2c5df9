"""Compiling translation catalogs (``.po`` to ``.mo``): a build step, never run by a forum.

``make install`` compiles the core's and the bundled plugins' catalogs in the checkout,
``make dist`` compiles them before it builds wheels (so a release carries them), and
``forum plugin catalogs`` compiles a plugin's. Two forums starting at once used to write the
same files in the code tree, one over the other. This module needs only Babel, so a build
environment runs it as a script::

    python forum_core/compiling.py LOCALE_DIR|CATALOG.po [...]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "forum"


def compile_catalogs(locale_dir: Path, domain: str = DOMAIN) -> list[Path]:
    """Compile every ``.po`` under ``locale_dir`` whose ``.mo`` is missing or older; returns
    the ``.mo`` files written. Each file is written under a name of its own first and then
    moved into place, so readers never see half a catalog."""
    written = []
    for po_path in sorted(Path(locale_dir).glob(f"*/LC_MESSAGES/{domain}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        compile_catalog(po_path, mo_path, domain)
        written.append(mo_path)
    return written


def compile_catalog(po_path: Path, mo_path: Path, domain: str = DOMAIN) -> None:
    """Compile one catalog. Unlike ``pybabel compile`` it does not skip a catalog whose
    header is marked fuzzy (its fuzzy messages are left out, as pybabel leaves them)."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name, domain=domain)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{domain}-", suffix=".mo.tmp",
                                        dir=mo_path.parent)
    try:
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp_name, mo_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    for argument in map(Path, sys.argv[1:]):
        if argument.suffix == ".po":  # one catalog, compiled even when its .mo looks current
            compile_catalog(argument, argument.with_suffix(".mo"))
        else:
            compile_catalogs(argument)
