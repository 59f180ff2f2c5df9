"""``forum plugin new`` writes a plugin that installs, loads, migrates and passes its tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_generated_plugin_installs_and_its_tests_pass(run_forum, tmp_path):
    created = run_forum("plugin", "new", "notes", "--directory", str(tmp_path),
                        "--description", "Shared notes.")
    assert created.returncode == 0, created.stderr
    plugin_dir = tmp_path / "forum-notes"
    assert (plugin_dir / "forum_notes" / "migrations" / "versions" / "0001_initial.py").is_file()

    # a real pip install of the generated distribution, into a folder of its own
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(site), str(plugin_dir)],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    env = {"PYTHONPATH": str(site)}

    # the forum finds it through its entry point and can enable and migrate it
    assert run_forum("init", "--no-input", "--plugins", "notes", env=env).returncode == 0
    listing = run_forum("plugins", env=env).stdout
    rows = {line.split()[0]: line.split()[1:3] for line in listing.splitlines() if line.strip()}
    assert rows["notes"] == ["0.1.0", "enabled"]  # beside the bundled plugins, installed too
    assert "Shared notes." in listing

    # and the skeleton's own tests pass against the installed copy
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(plugin_dir / "tests")],
        cwd=plugin_dir, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(site)})
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout

    # the developer adds a model; 'forum plugin revision --autogenerate' writes its migration
    with (plugin_dir / "forum_notes" / "models.py").open("a") as models:
        models.write(TAG_MODEL)
    source_first = {"PYTHONPATH": f"{plugin_dir}:{site}"}
    revision = run_forum("plugin", "revision", "notes", "-m", "add tags", "--autogenerate",
                         env=source_first)
    assert revision.returncode == 0, revision.stderr
    assert revision.stderr == ""
    written = list((plugin_dir / "forum_notes" / "migrations" / "versions").glob("*add_tags.py"))
    assert len(written) == 1
    text = written[0].read_text()
    assert "op.create_table('notes_tags'" in text
    assert "down_revision = 'notes_0001'" in text
    assert "users" not in text, "a plugin revision never touches core tables"
    migrated = run_forum("migrate", env=source_first)
    assert "Migrating notes..." in migrated.stdout


TAG_MODEL = """

class Tag(Base):
    __tablename__ = "notes_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
"""


def test_a_plugins_first_revision_starts_its_own_branch(run_forum, tmp_path):
    """A plugin written without the skeleton's first migration gets one from 'revision'."""
    run_forum("plugin", "new", "notes", "--directory", str(tmp_path))
    plugin_dir = tmp_path / "forum-notes"
    versions = plugin_dir / "forum_notes" / "migrations" / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--disable-pip-version-check", "--target",
                    str(site), str(plugin_dir)], check=True, capture_output=True, timeout=300)
    env = {"PYTHONPATH": f"{plugin_dir}:{site}"}
    assert run_forum("init", "--no-input", "--plugins", "notes", env=env).returncode == 0
    revision = run_forum("plugin", "revision", "notes", "-m", "first", "--autogenerate",
                         env=env)
    assert revision.returncode == 0, revision.stderr
    (written,) = versions.glob("*.py")
    text = written.read_text()
    assert "branch_labels = ('notes',)" in text and "down_revision = None" in text
    assert "op.create_table('notes_notes'" in text
    migrated = run_forum("migrate", env=env)
    assert migrated.returncode == 0 and "Migrating notes..." in migrated.stdout


@pytest.mark.parametrize("bad_id", ["Notes", "1notes", "core", "no-dash", "x"])
def test_plugin_ids_are_checked(run_forum, tmp_path, bad_id):
    result = run_forum("plugin", "new", bad_id, "--directory", str(tmp_path))
    assert result.returncode == 1
    assert "A plugin id has 2 to 30 lower-case letters" in result.stderr
    assert not any(tmp_path.iterdir())


def test_existing_folder_is_never_overwritten(run_forum, tmp_path):
    (tmp_path / "forum-notes").mkdir()
    (tmp_path / "forum-notes" / "keep.txt").write_text("mine")
    result = run_forum("plugin", "new", "notes", "--directory", str(tmp_path))
    assert result.returncode == 1
    assert "exists already" in result.stderr
    assert (tmp_path / "forum-notes" / "keep.txt").read_text() == "mine"


def test_a_plugin_outside_the_checkout_gets_its_catalogs_and_is_translated(run_forum, tmp_path):
    """``forum plugin catalogs`` in the generated folder (no Makefile, no checkout): the
    strings are extracted, the catalogs made; a translation shows on the plugin's page."""
    run_forum("plugin", "new", "notes", "--directory", str(tmp_path))
    plugin_dir = tmp_path / "forum-notes"
    assert (plugin_dir / "babel.cfg").is_file()
    made = run_forum("plugin", "catalogs", cwd=plugin_dir)
    assert made.returncode == 0, made.stderr
    assert "nl: untranslated messages: 2." in made.stdout
    catalog = plugin_dir / "forum_notes" / "locale" / "nl" / "LC_MESSAGES" / "forum.po"
    text = catalog.read_text("utf-8")
    assert 'msgid "Notes stored: %(count)s"' in text
    catalog.write_text(text.replace('msgid "Notes stored: %(count)s"\nmsgstr ""',
                                    'msgid "Notes stored: %(count)s"\n'
                                    'msgstr "Opgeslagen notities: %(count)s"'), "utf-8")
    again = run_forum("plugin", "catalogs", cwd=plugin_dir)
    assert "nl: untranslated messages: 1." in again.stdout, "translations are kept"
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--disable-pip-version-check", "--target",
                    str(site), str(plugin_dir)], check=True, capture_output=True, timeout=300)
    env = {"PYTHONPATH": str(site)}
    assert run_forum("init", "--no-input", "--plugins", "notes", env=env).returncode == 0
    page = subprocess.run(
        [sys.executable, "-c", DUTCH_PAGE, str(tmp_path / "forum.ini")], cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(site)})
    assert "Opgeslagen notities: 0" in page.stdout, page.stderr


DUTCH_PAGE = """
import sys
from pyramid.paster import get_app
from webtest import TestApp
app = TestApp(get_app(sys.argv[1], "main"))
print(app.get("/notes/", headers={"Accept-Language": "nl"}).text)
"""
