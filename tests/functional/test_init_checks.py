"""``forum init`` checks a new forum's plugins, folders and database before it writes the
configuration: a mistake is one line, leaves no configuration behind, and the corrected
command then works."""

from __future__ import annotations

import configparser
import os
import secrets

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from forum_core.testing import postgres_url


def _one_line(result) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("forum: ")
    return lines[0]


def test_an_unknown_plugin_writes_nothing_and_the_corrected_command_works(run_forum, tmp_path):
    config = tmp_path / "etc" / "forum.ini"
    result = run_forum("init", "--no-input", "--config", str(config), "--plugins", "wiki ideas")
    line = _one_line(result)
    assert "Unknown plugin 'wiki'" in line and "groups, ideas, kb" in line
    assert not config.exists()
    result = run_forum("init", "--no-input", "--config", str(config), "--plugins", "ideas")
    assert result.returncode == 0, result.stderr
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(config)
    assert ini["app:main"]["forum.plugins"] == "ideas"


def test_a_data_folder_that_cannot_be_written_writes_nothing(run_forum, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = tmp_path / "forum.ini"
    result = run_forum("init", "--no-input", "--config", str(config),
                       "--data-dir", str(blocker / "data"))
    line = _one_line(result)
    assert "Cannot write the data folder in " + str(blocker / "data") in line
    assert not config.exists()


def test_a_configuration_folder_that_cannot_be_written_is_one_line(run_forum, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_forum("init", "--no-input", "--config", str(blocker / "forum.ini"))
    assert "Cannot write the configuration in " + str(blocker) in _one_line(result)


def test_the_data_folder_goes_where_it_is_told(run_forum, tmp_path):
    config = tmp_path / "etc" / "forum.ini"
    data = tmp_path / "lib" / "forum%data"
    result = run_forum("init", "--no-input", "--config", str(config), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    ini = configparser.ConfigParser()  # with PasteDeploy's interpolation: %% is a letter
    ini.read(config)
    assert ini["app:main"]["forum.data_dir"] == str(data)
    assert (data / "forum.sqlite").is_file()  # the SQLite database goes with it
    assert (data / "jobs.sqlite").is_file()
    assert not (tmp_path / "etc" / "var").exists()


@pytest.mark.postgres
def test_a_database_that_does_not_answer_writes_nothing(run_forum, tmp_path):
    base = postgres_url()
    if base is None:
        if os.environ.get("CI") == "true":
            pytest.fail("FORUM_TEST_POSTGRES_URL must be set in CI")
        pytest.skip("set FORUM_TEST_POSTGRES_URL to run PostgreSQL tests")
    missing = make_url(base).set(database="no_such_db_" + secrets.token_hex(4),
                                 password="hidden-" + secrets.token_hex(4))
    config = tmp_path / "forum.ini"
    result = run_forum("init", "--no-input", "--config", str(config),
                       "--database", missing.render_as_string(hide_password=False))
    line = _one_line(result)
    assert "Cannot reach the database" in line and missing.database in line
    assert missing.password not in line
    assert not config.exists()
    # and with the database created, the same command works
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {missing.database}")
        try:
            result = run_forum("init", "--no-input", "--config", str(config), "--database",
                               missing.render_as_string(hide_password=False))
            assert result.returncode == 0, result.stderr
            assert config.exists()
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(
                    f"DROP DATABASE {missing.database} WITH (FORCE)")
    finally:
        admin.dispose()
