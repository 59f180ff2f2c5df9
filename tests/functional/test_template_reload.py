"""A running forum keeps the templates it has compiled: a file changed under it (an upgrade in
place, which the README warns against) does not change pages until it is restarted, and a
template is never re-read half-way through a release's files."""

from __future__ import annotations

import json

from pyramid_jinja2 import IJinja2Environment

from forum_core.environment import THEMES_DIR


def test_templates_are_not_reloaded_while_the_forum_runs(make_forum, tmp_path):
    themes = tmp_path / "themes"
    (themes / "plain" / "templates" / "content").mkdir(parents=True)
    (themes / "default").symlink_to(THEMES_DIR / "default")
    (themes / "plain" / "theme.json").write_text(json.dumps({"name": "plain"}))
    home = themes / "plain" / "templates" / "content" / "home.html"
    home.write_text('{% extends "base.html" %}{% block content %}<p id="v">first</p>'
                    '{% endblock %}')
    forum = make_forum(**{"forum.themes_dir": str(themes), "forum.theme": "plain"})
    environment = forum.app.app.registry.queryUtility(IJinja2Environment, name=".html")
    assert environment.auto_reload is False
    assert '<p id="v">first</p>' in forum.app.get("/").text
    home.write_text('{% extends "base.html" %}{% block content %}<p id="v">second</p>'
                    '{% endblock %}')
    assert '<p id="v">first</p>' in forum.app.get("/").text
