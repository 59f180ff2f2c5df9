"""Outgoing e-mail: through SMTP when configured, otherwise into an outbox folder.

The outbox default lets the quick start work offline: every message is written as an ``.eml``
file under ``<data_dir>/outbox`` that any mail client opens. A message is a background job
(``core.send_mail``) written with the request's transaction: a failed request e-mails nobody,
a committed one e-mails even if the process dies right after, and a mail server that is down
is tried again with backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .datadir import StorageUnavailable, folder_unwritable
from .hookspecs import hookimpl
from .i18n import _, localizer_of, render
from .jobs import QUEUE_KEY, Job, JobContext, enqueue

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: the core's job that delivers one message
SEND_MAIL = "core.send_mail"


@dataclass(frozen=True)
class MailAttachment:
    """A text file sent with a message, e.g. a calendar invitation: ``MailAttachment(
    "event.ics", "text/calendar", ics, {"method": "REQUEST"})``. ``params`` are added to
    its ``Content-Type`` (calendar programs read ``method`` there)."""

    filename: str
    content_type: str
    text: str
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        maintype, _slash, subtype = self.content_type.partition("/")
        if maintype != "text" or not subtype or not self.filename:
            raise ValueError("a mail attachment is a named text file, not "
                             f"{self.content_type!r} named {self.filename!r}")

    def as_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type,
                "text": self.text, "params": dict(self.params)}


@dataclass(frozen=True)
class Mail:
    """One message. ``headers`` adds to or replaces the usual ones (``Message-ID``,
    ``In-Reply-To``, ``List-Unsubscribe``...); ``attachments`` are text files sent with
    it."""

    to: str
    subject: str
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[MailAttachment, ...] = ()


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail_domain(sender))
    for name, value in mail.headers.items():
        del message[name]
        message[name] = value
    message.set_content(mail.body)
    for attachment in mail.attachments:
        subtype = attachment.content_type.partition("/")[2]
        message.add_attachment(attachment.text, subtype=subtype,
                               filename=attachment.filename, params=dict(attachment.params))
    return message


def mail_domain(sender: str) -> str:
    """The domain of the forum's sender address, for the ids of its messages."""
    return sender.rpartition("@")[2].strip("> ") or "localhost"


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


def mailer_from_settings(settings: Mapping[str, Any]) -> OutboxMailer | SMTPMailer:
    sender = settings["forum.mail_from"]
    if not settings["forum.smtp_host"]:
        return OutboxMailer(Path(settings["forum.data_dir"]) / "outbox", sender)
    return SMTPMailer(settings["forum.smtp_host"], settings["forum.smtp_port"], sender,
                      settings["forum.smtp_username"], settings["forum.smtp_password"],
                      settings["forum.smtp_tls"])


def queue_mail(target: Request | Session, mail: Mail, checked: bool = False) -> int:
    """Send ``mail`` (already in the recipient's language) once the transaction of
    ``target`` (a request or a session) commits; returns the job's id. ``checked``: the
    caller called :func:`check_mail_can_be_queued` already (a job queueing many messages
    checks once).

    :raises StorageUnavailable: when the mail could not be delivered (see
        :func:`check_mail_can_be_queued`); nothing is queued then.
    """
    if not checked:
        check_mail_can_be_queued(target)
    extra: dict[str, Any] = {}
    if mail.headers:
        extra["headers"] = dict(mail.headers)
    if mail.attachments:
        extra["attachments"] = [attachment.as_json() for attachment in mail.attachments]
    return enqueue(target, SEND_MAIL, to=mail.to, subject=mail.subject, body=mail.body,
                   **extra)


def check_mail_can_be_queued(target: Request | Session) -> None:
    """Make sure that a message queued now can be delivered: the job queue kept in the data
    folder (``jobs.sqlite``) and the outbox folder (when there is no SMTP server) take
    files. A view calls it before it says that an e-mail is on its way, and before it does
    anything else when its answer must not depend on whether a message is sent (a
    password reset for an address that may be unknown).

    :raises StorageUnavailable: saying the e-mail could not be sent (a 503 page).
    """
    session: Session = getattr(target, "db", target)
    queue = session.info.get(QUEUE_KEY)
    if queue is None:
        return  # enqueue says what is wrong
    folders = []
    if queue.embedded:
        folders.append((Path(queue.describe()).parent, "the job queue (jobs.sqlite)"))
    if not queue.settings["forum.smtp_host"]:
        folders.append((Path(queue.settings["forum.data_dir"]) / "outbox", "outgoing e-mail"))
    for folder, what in folders:
        if folder_unwritable(folder, what) is not None:
            raise StorageUnavailable(_("The e-mail could not be sent"), _(
                "The forum cannot send e-mail at the moment, so nothing was sent. Please try "
                "again later."))


def send_mail(request: Request, to: str, subject: str, body: str,
              locale_name: str | None = None, attachments: Sequence[MailAttachment] = ()) -> int:
    """E-mail ``to`` once the request commits (a background job, tried again while the mail
    server fails). ``subject`` and ``body`` may be translation strings: they are written in
    ``locale_name`` (the recipient's language, e.g. ``user.locale``), or in the request's
    language when it is None. ``attachments``: text files sent with it (a calendar
    invitation). Returns the job's id."""
    localizer = request.localizer if locale_name is None else localizer_of(request.registry,
                                                                           locale_name)
    return queue_mail(request, Mail(to=to, subject=render(subject, localizer),
                                    body=render(body, localizer),
                                    attachments=tuple(attachments)))


def deliver(context: JobContext, to: str, subject: str, body: str,
            headers: Mapping[str, str] | None = None,
            attachments: Sequence[Mapping[str, Any]] = ()) -> None:
    """The job: hand one message to the SMTP server (or write it to the outbox folder).
    Raising (server down, refused) makes the job try again later."""
    files = tuple(MailAttachment(a["filename"], a["content_type"], a["text"], a.get("params", {}))
                  for a in attachments)
    mailer_from_settings(context.settings).send(Mail(to=to, subject=subject, body=body,
                                                     headers=headers or {}, attachments=files))


@hookimpl
def forum_register_jobs() -> list[Job]:
    # a mail server may be away for hours: 8 retries, 1 minute doubling to about 2 hours
    return [Job(SEND_MAIL, deliver, retries=8, retry_delay=60.0, backoff=2.0)]
