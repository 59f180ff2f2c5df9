"""Members' own account flows: register, reset a forgotten password, change settings."""

from __future__ import annotations

import email
import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from forum_core.accounts.models import AuthSession, User


def register(forum, username="nora", email_address="nora@example.com",
             password="a good password", again=None, status=303):
    form = forum.app.get("/register").forms["register-form"]
    form["username"], form["email"] = username, email_address
    form["password"], form["password_again"] = password, again or password
    return form.submit(status=status)


def test_register_signs_the_new_member_in(forum):
    page = register(forum).follow()
    assert page.html.find(class_="nav-user").text == "nora"
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == "nora"))
        assert user.role == "member" and user.email == "nora@example.com"
        assert user.password_hash.startswith("$argon2id$v=19$m=7168,t=5,p=1$")


def test_a_password_hashed_with_other_parameters_still_works_and_is_upgraded(forum):
    """Hashes from before the forum chose its Argon2 parameters (the library's default, 64 MiB
    per sign-in) keep working; signing in stores the password with the current ones."""
    from argon2 import PasswordHasher

    forum.create_user("olga", password="an old password")
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == "olga"))
        user.password_hash = PasswordHasher().hash("an old password")
        assert "m=65536" in user.password_hash
    forum.login("olga", password="an old password")
    assert forum.app.get("/").html.find(class_="nav-user").text == "olga"
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == "olga"))
        assert user.password_hash.startswith("$argon2id$v=19$m=7168,t=5,p=1$")


def test_members_made_by_tests_share_one_real_hash_of_the_default_password(forum):
    """``forum.create_user`` hashes the default test password once per process: a real
    argon2id hash that signing in verifies; any other password is hashed for itself."""
    from argon2 import PasswordHasher

    from forum_core.testing import PASSWORD

    for name in ("ann", "ben"):
        forum.create_user(name)
    forum.create_user("cat", password="another long password")
    with forum.session() as session:
        hashes = dict(session.execute(select(User.username, User.password_hash)).all())
    assert hashes["ann"] == hashes["ben"] != hashes["cat"]
    assert hashes["ann"].startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    assert PasswordHasher().verify(hashes["ann"], PASSWORD)
    assert PasswordHasher().verify(hashes["cat"], "another long password")
    form = forum.app.get("/login").forms[0]
    form["login"], form["password"] = "ben", PASSWORD + "!"
    assert form.submit(status=400).html.find(class_="nav-user") is None
    forum.login("ben")
    assert forum.app.get("/").html.find(class_="nav-user").text == "ben"


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "NORA"}, "The username NORA is taken."),
    ({"email_address": "NORA@example.com", "username": "other"},
     "An account with this e-mail address exists already."),
    ({"username": "no"}, "A username has 3 to 30 characters"),
    ({"username": "bad name!"}, "A username has 3 to 30 characters"),
    ({"email_address": "not-an-address", "username": "other"}, "Enter a valid e-mail address"),
    ({"password": "short", "username": "other", "email_address": "o@example.com"},
     "A password has 8 to 1024 characters."),
    ({"again": "something else", "username": "other", "email_address": "o@example.com"},
     "The passwords do not match."),
])
def test_registration_errors_are_clear(forum, fields, message):
    register(forum)
    visitor = forum.another_browser()
    page = register(visitor, **fields, status=400)
    assert message in page.html.find(class_="form-error").text
    assert visitor.app.cookies.get("forum_session") is None


def test_password_reset_through_the_outbox(forum):
    forum.create_user("mira")
    forum.login("mira")  # a browser that must be signed out by the reset
    stranger = forum.another_browser()
    form = stranger.app.get("/password/forgot").forms["forgot-form"]
    form["email"] = "MIRA@example.com"
    page = form.submit()
    assert "If an account uses that address" in page.text
    assert forum.outbox() == [], "the mail is a job, sent after the answer"
    assert forum.run_jobs() == 1
    (message,) = forum.outbox()
    assert message["To"] == "mira@example.com"
    assert message["Subject"] == "Reset your password on Community forum"
    link = re.search(r"http://localhost/password/reset/\S+", message.get_payload()).group(0)
    path = link.removeprefix("http://localhost")

    form = stranger.app.get(path).forms["reset-form"]
    form["password"] = form["password_again"] = "brand new secret"
    signed_in = form.submit().follow()
    assert signed_in.html.find(class_="nav-user").text == "mira"
    assert forum.app.get("/").html.find(class_="nav-user") is None, "old browsers signed out"
    # the link works once
    assert "has expired or was used already" in stranger.app.get(path, status=404).text
    # and the new password is the one that works
    again = forum.another_browser()
    assert again.login("mira", "brand new secret").html.find(class_="nav-user").text == "mira"


def test_unknown_address_gets_the_same_answer_and_no_mail(forum):
    form = forum.app.get("/password/forgot").forms["forgot-form"]
    form["email"] = "nobody@example.com"
    assert "If an account uses that address" in form.submit().text
    assert forum.run_jobs() == 0
    assert forum.outbox() == []


def test_forged_reset_link_is_a_helpful_404(forum):
    page = forum.app.get("/password/reset/not-a-real-token", status=404)
    assert "Ask for a new link" in page.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_password_reset_mail_goes_through_smtp(make_forum, smtp_server):
    controller, received = smtp_server
    forum = make_forum(**{"forum.smtp_host": "127.0.0.1", "forum.smtp_port": str(controller.port),
                          "forum.smtp_tls": "none", "forum.mail_from": "help@forum.example"})
    forum.create_user("mira")
    form = forum.app.get("/password/forgot").forms["forgot-form"]
    form["email"] = "mira@example.com"
    form.submit()
    assert forum.run_jobs() == 1
    (message,) = received.messages
    assert message["From"] == "help@forum.example"
    assert "/password/reset/" in message.get_payload()
    assert forum.outbox() == []


def test_reset_mail_is_not_sent_when_the_request_fails(forum):
    """Mail waits for the commit: nothing leaves for a transaction that rolled back."""
    from forum_core.mail import Mail, queue_mail

    with pytest.raises(RuntimeError), forum.session() as session:
        queue_mail(session, Mail(to="x@example.com", subject="s", body="b"))
        raise RuntimeError("the request fails after asking for the mail")
    assert forum.jobs() == []
    assert forum.run_jobs() == 0 and forum.outbox() == []
    with forum.session() as session:
        queue_mail(session, Mail(to="x@example.com", subject="s", body="b"))
    assert forum.run_jobs() == 1
    assert [m["To"] for m in forum.outbox()] == ["x@example.com"]


def test_account_settings(forum):
    forum.create_user("mira")
    other = forum.another_browser()
    other.login("mira")
    page = forum.login("mira").click("Account settings")  # in the account menu

    def submit(action, **fields):
        form = next(f for f in forum.app.get("/account").forms.values()
                    if f.fields.get("action") and f["action"].value == action)
        for name, value in fields.items():
            form[name] = value
        return form.submit(status="*")

    wrong = submit("password", current_password="nope", new_password="new password 1",
                   new_password_again="new password 1")
    assert wrong.status_int == 400 and "The current password is not right." in wrong.text
    changed = submit("password", current_password="correct horse battery",
                     new_password="new password 1", new_password_again="new password 1")
    assert "Your password was changed" in changed.text
    assert forum.app.get("/").html.find(class_="nav-user") is not None, "this browser stays"
    assert other.app.get("/").html.find(class_="nav-user") is None, "others are signed out"

    assert "Your e-mail address was changed." in submit(
        "email", email="mira@new.example", current_password="new password 1").text
    dutch = submit("language", locale="nl")
    assert dutch.html.find("html")["lang"] == "nl"
    assert "Je taal is opgeslagen." in dutch.text

    third = forum.another_browser()
    third.login("mira", "new password 1")
    submit("signout_everywhere")
    assert third.app.get("/").html.find(class_="nav-user") is None
    with forum.session() as session:
        assert len(session.scalars(select(AuthSession)).all()) == 1
    assert page.status_int == 200


def test_account_page_needs_a_signed_in_member(forum):
    page = forum.app.get("/account", status=403)
    assert "Sign in" in page.text


def _picture(fmt: str = "PNG", size=(300, 200)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_profile_fields_and_avatar_upload(forum):
    from webtest import Upload

    forum.create_user("mira")
    forum.login("mira")
    form = forum.app.get("/account").forms["profile-form"]
    form["display_name"], form["title"], form["bio"] = "Mira M.", "Support lead", "Hi there"
    assert "Your profile was saved." in form.submit().text
    profile = forum.app.get("/u/mira")
    assert profile.html.find("h1").text == "Mira M."
    assert "Support lead" in profile.text and "Hi there" in profile.text
    assert profile.html.find("svg", class_="avatar") is not None, "generated by default"

    form = forum.app.get("/account").forms["avatar-form"]
    form["avatar"] = Upload("../../etc/passwd.png", _picture("JPEG"), "image/jpeg")
    assert "Your picture was saved." in form.submit().text
    src = forum.app.get("/u/mira").html.find("img", class_="avatar")["src"]
    assert "passwd" not in src and src.endswith(".png")
    picture = forum.app.get(src)
    assert picture.content_type == "image/png"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(picture.body)).size == (256, 256)
    files = list((Path(forum.settings["forum.data_dir"]) / "avatars").iterdir())
    assert len(files) == 1

    form = forum.app.get("/account").forms["avatar-form"]
    form["avatar"] = Upload("again.png", _picture("PNG", (100, 400)), "image/png")
    form.submit()
    files = list((Path(forum.settings["forum.data_dir"]) / "avatars").iterdir())
    assert len(files) == 1, "the old picture is removed"
    forum.app.get(src, status=404)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("page.html", b"<html><script>alert(1)</script></html>", "Upload a PNG, JPEG, GIF or WebP"),
    ("fake.png", b"\x89PNG\r\n\x1a\nnot really", "Upload a PNG, JPEG, GIF or WebP"),
    ("huge.png", b"\x00" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
    ("pic.bmp", None, "Upload a PNG, JPEG, GIF or WebP"),
])
def test_bad_avatar_uploads_are_refused(forum, name, content, message):
    from webtest import Upload

    forum.create_user("mira")
    forum.login("mira")
    form = forum.app.get("/account").forms["avatar-form"]
    form["avatar"] = Upload(name, content if content is not None else _picture("BMP"),
                            "application/octet-stream")
    page = form.submit(status=400)
    assert message in page.text
    assert not (Path(forum.settings["forum.data_dir"]) / "avatars").exists() or not any(
        (Path(forum.settings["forum.data_dir"]) / "avatars").iterdir())


def test_avatar_names_are_never_paths(forum):
    forum.app.get("/avatars/..%2F..%2Fforum.ini", status=404)
    forum.app.get("/avatars/1-0123456789abcdef.png", status=404)
