"""Translations: the template is current and Dutch and Russian are complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from forum_core.environment import CHECKOUT_DIR
from forum_core.i18n import CORE_LOCALE_DIR

LANGUAGES = ("nl", "ru")
PLACEHOLDER = re.compile(r"\$\{\w+\}|%\(\w+\)s")


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


#: the core's catalogs and each bundled plugin's: (package to extract from, its locale folder)
CATALOGS = [("forum_core", CORE_LOCALE_DIR)] + [
    (str(package.relative_to(CHECKOUT_DIR)), package / "locale")
    for package in sorted(CHECKOUT_DIR.glob("plugins/*/forum_*"))
    if (package / "__init__.py").is_file()]


@pytest.mark.parametrize("source, locale_dir", CATALOGS, ids=[c[0] for c in CATALOGS])
def test_template_is_current(tmp_path, source, locale_dir):
    fresh = tmp_path / "fresh.pot"
    result = subprocess.run(
        ["make", "-s", "pot", f"POT={fresh}", f"SRC={source}",
         f"BIN={Path(sys.executable).parent}"],
        cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ids(read(fresh)) == ids(read(locale_dir / "forum.pot")), "run: make catalogs"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("source, locale_dir", CATALOGS, ids=[c[0] for c in CATALOGS])
def test_catalog_is_complete(source, locale_dir, language):
    template = read(locale_dir / "forum.pot")
    catalog = read(locale_dir / language / "LC_MESSAGES" / "forum.po")
    assert ids(catalog) == ids(template), "run: make catalogs"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy {message.id!r}"
        if message.pluralizable:  # every plural form of the language, each with the values
            assert len(message.string) == catalog.num_plurals, f"{language}: {message.id!r}"
            texts, source = list(message.string), message.id[1]
        else:
            texts, source = [message.string], message.id
        for text in texts:
            assert text, f"{language}: untranslated {message.id!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), \
                f"{language}: placeholders of {message.id!r}"
