"""Members' time zones: chosen on /account from the IANA zones, taken from the browser at
sign-in and registration when none was chosen, and the forum's own (forum.time_zone) for
visitors and everyone else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.api import time_zone, time_zone_of
from forum_core.errors import StartupError
from forum_core.testing import PASSWORD


def zone_of(forum, username: str) -> str | None:
    with forum.session() as session:
        return session.scalar(select(User.time_zone).where(User.username == username))


def zone_form(browser):
    page = browser.app.get("/account")
    (form,) = [f for f in page.forms.values() if "time_zone" in f.fields]
    return form


def test_a_member_chooses_a_time_zone_and_a_wrong_one_changes_nothing(forum):
    forum.create_user("mira")
    browser = forum.browser("mira")
    form = zone_form(browser)
    offered = [value for value, _selected, _text in form["time_zone"].options]
    assert offered[0] == "" and "Europe/Amsterdam" in offered and "Asia/Kolkata" in offered
    assert "localtime" not in offered and len(offered) > 400
    form["time_zone"] = "Europe/Amsterdam"
    assert "Your time zone was saved." in form.submit().text
    assert zone_of(forum, "mira") == "Europe/Amsterdam"
    assert zone_form(browser)["time_zone"].value == "Europe/Amsterdam", "shown as chosen"
    for wrong in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/amsterdam", "localtime"):
        form = zone_form(browser)
        form["time_zone"].force_value(wrong)
        refused = form.submit(status=400)
        assert "Choose one of the time zones offered." in refused.text
        assert zone_of(forum, "mira") == "Europe/Amsterdam", wrong
    form = zone_form(browser)
    form["time_zone"] = ""
    form.submit()
    assert zone_of(forum, "mira") is None, "back to the forum's zone"


def test_the_browsers_zone_is_taken_at_sign_in_only_when_none_was_chosen(forum):
    forum.create_user("mira")
    browser = forum.browser()
    form = browser.app.get("/login").forms[0]
    assert form["time_zone"].value == "", "the script fills it"
    for zone, kept in (("not/a zone", None), ("Asia/Tokyo", "Asia/Tokyo"),
                       ("America/New_York", "Asia/Tokyo")):
        form = forum.browser().app.get("/login").forms[0]
        form["login"], form["password"], form["time_zone"] = "mira", PASSWORD, zone
        assert form.submit().status_int == 303, "signed in whatever the browser said"
        assert zone_of(forum, "mira") == kept, zone


def test_registration_takes_the_browsers_zone(forum):
    form = forum.app.get("/register").forms["register-form"]
    form["username"], form["email"] = "nora", "nora@example.com"
    form["password"] = form["password_again"] = "a good password"
    form["time_zone"] = "Europe/Moscow"
    form.submit(status=303)
    assert zone_of(forum, "nora") == "Europe/Moscow"


def test_the_forums_zone_is_a_setting_checked_at_start(make_forum):
    forum = make_forum(**{"forum.time_zone": "America/Sao_Paulo"})
    forum.create_user("mira")
    with forum.session() as session:
        mira = session.scalar(select(User).where(User.username == "mira"))
        assert time_zone_of(mira, forum.settings).key == "America/Sao_Paulo"
        mira.time_zone = "Asia/Kolkata"
        assert time_zone_of(mira, forum.settings).key == "Asia/Kolkata"
    assert time_zone_of(None, forum.settings).key == "America/Sao_Paulo", "a visitor"
    assert "The forum's time zone (America/Sao_Paulo)" in forum.browser("mira").app.get(
        "/account").text
    with pytest.raises(StartupError, match="expected a time zone such as UTC"):
        make_forum(**{"forum.time_zone": "Mars/Olympus_Mons"})
    assert time_zone("UTC") is not None and time_zone("") is None
