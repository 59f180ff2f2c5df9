"""``forum plugin catalogs``: a plugin's translation catalogs, for a plugin anywhere on disk.

Extracts the translatable strings of the plugin's package (Python with ``_()`` and Jinja2
templates, as its ``babel.cfg`` says) into ``<package>/locale/forum.pot``, then creates or
updates ``<package>/locale/<language>/LC_MESSAGES/forum.po`` for each language, and compiles
each into its ``forum.mo`` (the forum itself never compiles them: build the package after this
command, so it ships them). Plugin catalogs share the core's domain ``forum``.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from ..errors import ForumError
from ..i18n import DOMAIN, _, compile_catalogs

#: what a plugin's babel.cfg says when it has none (the core's own mapping)
DEFAULT_MAPPING = """[python: **.py]

[jinja2: **/templates/**.html]
extensions = jinja2.ext.i18n
newstyle_gettext = true
trim_blocks = true
lstrip_blocks = true
"""


@dataclass(frozen=True)
class CatalogReport:
    template: Path
    messages: int
    #: language -> how many messages have no translation yet
    untranslated: dict[str, int]


def find_package(directory: Path) -> Path:
    """The plugin's package in ``directory``: the one ``forum_*`` folder with an
    ``__init__.py`` (as ``forum plugin new`` writes it)."""
    found = sorted(p.parent for p in directory.glob("forum_*/__init__.py"))
    if len(found) != 1:
        raise ForumError(_(
            "${directory} should hold exactly one plugin package (a forum_<id> folder with "
            "__init__.py); found ${count}. Run the command in the plugin's folder.",
            mapping={"directory": str(directory), "count": len(found)}))
    return found[0]


def _pybabel(*argv: str) -> None:
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        CommandLineInterface().run(["pybabel", "-q", *argv])


def update_catalogs(directory: Path, languages: list[str]) -> CatalogReport:
    """Extract, then create or update each language's catalog; returns what is left to do."""
    package = find_package(directory)
    mapping = directory / "babel.cfg"
    if not mapping.is_file():
        mapping.write_text(DEFAULT_MAPPING, "utf-8")
    locale = package / "locale"
    locale.mkdir(exist_ok=True)
    template = locale / f"{DOMAIN}.pot"
    _pybabel("extract", "-F", str(mapping), "-k", "_", "-c", "TRANSLATORS:", "--no-location",
             "--sort-output", "-w", "100", "--project", package.name, "-o", str(template),
             str(package))
    untranslated = {}
    for language in languages:
        catalog = locale / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if catalog.is_file():
            _pybabel("update", "-D", DOMAIN, "-i", str(template), "-d", str(locale), "-l",
                     language, "-w", "100", "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-D", DOMAIN, "-i", str(template), "-d", str(locale), "-l",
                     language, "-w", "100")
        with catalog.open("rb") as handle:
            untranslated[language] = sum(1 for m in read_po(handle) if m.id and not m.string)
    with template.open("rb") as handle:
        messages = sum(1 for m in read_po(handle) if m.id)
    # the forum reads compiled catalogs only; a package built after this ships them
    compile_catalogs(locale)
    return CatalogReport(template, messages, untranslated)
