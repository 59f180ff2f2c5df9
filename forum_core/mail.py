"""Outgoing e-mail: through SMTP when configured, otherwise into an outbox folder.

The outbox default lets the quick start work offline: every message is written as an ``.eml``
file under ``<data_dir>/outbox`` that any mail client opens. Messages of a request are sent
only after its transaction commits, so a failed request never e-mails anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from zope.interface import Interface, implementer

from .i18n import localizer_of, render

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class IMailer(Interface):
    def send(mail):
        """Deliver ``mail`` now (SMTP or outbox)."""


class Transport(Protocol):
    def send(self, mail: Mail) -> None: ...


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(mail.body)
    return message


@implementer(IMailer)
class OutboxMailer:
    """Writes each message to ``<folder>/<timestamp>-<random>.eml``."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, mail: Mail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(build_message(mail, self.sender)))
        os.replace(tmp, path)  # readers never see half a message


@implementer(IMailer)
class SMTPMailer:
    def __init__(self, host: str, port: int, sender: str, username: str = "",
                 password: str = "", tls: str = "starttls", timeout: float = 30) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.tls, self.timeout = username, password, tls, timeout

    def send(self, mail: Mail) -> None:
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self.tls == "ssl" else smtplib.SMTP
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.tls == "ssl":
            kwargs["context"] = context
        with smtp_class(self.host, self.port, **kwargs) as smtp:
            if self.tls == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(build_message(mail, self.sender))


def mailer_from_settings(settings: dict[str, Any]) -> OutboxMailer | SMTPMailer:
    sender = settings["forum.mail_from"]
    if not settings["forum.smtp_host"]:
        return OutboxMailer(Path(settings["forum.data_dir"]) / "outbox", sender)
    return SMTPMailer(settings["forum.smtp_host"], settings["forum.smtp_port"], sender,
                      settings["forum.smtp_username"], settings["forum.smtp_password"],
                      settings["forum.smtp_tls"])


def send_after_commit(request: Request, mail: Mail) -> None:
    """Send ``mail`` once the request's transaction has committed (never for a rollback)."""
    mailer = request.registry.getUtility(IMailer)

    def deliver(committed: bool) -> None:
        if not committed:
            return
        try:
            mailer.send(mail)
        except Exception:  # a mail server outage must not turn a saved change into an error
            log.exception("could not send e-mail %r to %s", mail.subject, mail.to)

    request.tm.get().addAfterCommitHook(deliver)


def send_mail(request: Request, to: str, subject: str, body: str,
              locale_name: str | None = None) -> None:
    """E-mail ``to`` once the request commits. ``subject`` and ``body`` may be translation
    strings: they are written in ``locale_name`` (the recipient's language, e.g.
    ``user.locale``), or in the request's language when it is None."""
    localizer = request.localizer if locale_name is None else localizer_of(request.registry,
                                                                           locale_name)
    send_after_commit(request, Mail(to=to, subject=render(subject, localizer),
                                    body=render(body, localizer)))


def includeme(config: Configurator) -> None:
    config.registry.registerUtility(mailer_from_settings(config.get_settings()), IMailer)

