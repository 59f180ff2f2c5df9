"""Members' own account flows: register, reset a forgotten password, change settings."""

from __future__ import annotations

import email
import re
import socket
import time
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


def outbox(forum) -> list[email.message.Message]:
    folder = Path(forum.settings["forum.data_dir"]) / "outbox"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] \
        if folder.exists() else []


def test_register_signs_the_new_member_in(forum):
    page = register(forum).follow()
    assert page.html.find(class_="nav-user").text == "nora"
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == "nora"))
        assert user.role == "member" and user.email == "nora@example.com"
        assert user.password_hash.startswith("$argon2")


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "NORA"}, "The username NORA is taken."),
    ({"email_address": "NORA@example.com", "username": "other"},
     "An account with this e-mail address exists already."),
    ({"username": "no"}, "A username has 3 to 30 characters"),
    ({"username": "bad name!"}, "A username has 3 to 30 characters"),
    ({"email_address": "not-an-address", "username": "other"}, "Enter a valid e-mail address"),
    ({"password": "short", "username": "other", "email_address": "o@example.com"},
     "A password has at least 8 characters."),
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
    (message,) = outbox(forum)
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
    assert outbox(forum) == []


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
    deadline = time.monotonic() + 10
    while not received.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    (message,) = received.messages
    assert message["From"] == "help@forum.example"
    assert "/password/reset/" in message.get_payload()
    assert outbox(forum) == []


def test_reset_mail_is_not_sent_when_the_request_fails(forum):
    """Mail waits for the commit: nothing leaves for a request that rolled back."""
    import transaction

    from forum_core.mail import Mail, send_after_commit

    forum.app  # noqa: B018  (builds the app and its mailer)
    registry = forum.app.app.registry

    class Request:
        pass

    request = Request()
    request.registry = registry
    request.tm = transaction.TransactionManager(explicit=True)
    request.tm.begin()
    send_after_commit(request, Mail(to="x@example.com", subject="s", body="b"))
    request.tm.abort()
    assert outbox(forum) == []
    request.tm.begin()
    send_after_commit(request, Mail(to="x@example.com", subject="s", body="b"))
    request.tm.commit()
    assert len(outbox(forum)) == 1


def test_account_settings(forum):
    forum.create_user("mira")
    other = forum.another_browser()
    other.login("mira")
    page = forum.login("mira").click("mira")

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
