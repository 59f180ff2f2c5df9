"""The support plugin's tables match its migration, the demo makes a support category with
questions in every state, and the pages speak Dutch and Russian."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from suphelpers import BACKENDS, ask, make_support

from forum_core.api import User


@pytest.mark.parametrize("postgres", BACKENDS)
def test_models_match_the_migration(make_forum, postgres):
    """Autogenerate finds nothing to do for the plugin's tables."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from forum_core.api import Base

    forum = make_forum(plugins=["support"], postgres=postgres)

    def ours(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is not None and table.name.startswith("support_")

    with forum.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(conn, opts={"include_object": ours,
                                                         "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_demo_data_makes_a_support_category_with_every_state(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    result = subprocess.run([str(Path(sys.executable).with_name("forum")),
                             "init", "--demo", "--no-input", "--config", "forum.ini",
                             "--plugins", "support"], cwd=tmp_path, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(tmp_path / "var" / "forum.sqlite")
    states = dict(db.execute("SELECT t.title, q.state FROM support_questions q "
                             "JOIN topics t ON t.id = q.topic_id").fetchall())
    accepted = db.execute("SELECT count(*) FROM support_questions q JOIN posts p "
                          "ON p.id = q.accepted_post_id AND p.topic_id = q.topic_id "
                          "WHERE q.state = 'solved' AND p.number > 1").fetchone()[0]
    db.close()
    assert states["Export fails with a timeout"] == "solved"
    assert set(states.values()) == {"open", "answered", "needs_info", "solved"}
    assert accepted == list(states.values()).count("solved")


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_support_pages_are_translated(make_forum, language):
    from babel.messages.pofile import read_po
    from forum_support import __file__ as package_file

    forum = make_support(make_forum)
    topic = ask(forum)
    reply = forum.reply("helper", topic, "Try this.")
    forum.browser("asker").post_form(f"/support/q/{topic}/accept", post_id=str(reply))
    ask(forum, title="Second question waiting")
    locale = Path(package_file).parent / "locale"
    with open(locale / language / "LC_MESSAGES" / "forum.po", "rb") as handle:
        english = {m.id for m in read_po(handle) if m.id and not m.pluralizable
                   and "%(" not in m.id and "${" not in m.id and m.string != m.id}
    with forum.session() as session:
        for name in ("mod", "asker"):
            session.scalar(select(User).where(User.username == name)).locale = language
    seen: set[str] = set()
    for who, urls in (("mod", ("/support/", "/support/c/help", "/support/queue",
                               "/support/dashboard", f"/t/{topic}", "/c/help")),
                      ("asker", ("/support/c/help/ask", f"/t/{topic}"))):
        browser = forum.browser(who)
        for url in urls:
            page = browser.app.get(url).maybe_follow()
            texts = {" ".join(t.split()) for t in page.html.find_all(string=True)}
            assert not texts & english, (url, texts & english)
            seen |= texts
    assert seen & {"Ondersteuning", "Поддержка"}


def test_the_plugin_works_without_groups_or_the_knowledge_base(make_forum):
    """Experts need the groups plugin and suggestions look in the knowledge base too: with
    neither, the pages still answer (no experts' field, questions only)."""
    forum = make_support(make_forum, plugins=("support",))
    topic = ask(forum, title="Standalone question")
    reply = forum.reply("mod", topic, "Staff answer")
    asker = forum.browser("asker")
    assert asker.post_form(f"/support/q/{topic}/accept", post_id=str(reply)).status_int == 303
    page = forum.browser().app.get(forum.topic_path(topic))
    assert page.html.select_one("#post-2 .support-mark").text == "Staff"
    assert "experts_group" not in forum.browser("ada").app.get("/support/admin").text
    shown = asker.post_form("/support/c/help/ask", title="Standalone question again",
                            body="Same thing")
    assert [a.text for a in shown.html.select("#support-suggestions a")] == \
        ["Standalone question"]
    for url in ("/support/", "/support/c/help", "/support/c/help/ask"):
        assert asker.app.get(url).status_int == 200
    for url in ("/support/queue", "/support/dashboard", "/support/dashboard.csv"):
        assert forum.browser("mod").app.get(url).status_int == 200
