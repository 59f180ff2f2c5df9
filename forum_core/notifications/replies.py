"""Reply by e-mail (off unless ``forum.reply_by_email`` names an address): a member answers a
notification e-mail, their mail server hands the message to ``forum mail receive``, and it
becomes their reply in the topic.

Every message about a topic carries a ``Reply-To`` address with a token of its own for that
member and topic, signed with ``forum.secret``. A message is posted only when its token is
one the forum made, its sender is the token's member (their address on the forum), and the
member may reply to the topic now, as on its page (the same permissions, the visibility
choke point). What the member quoted and their signature are left out. A message that passes
but looks doubtful (its mail server says the sender failed SPF, DKIM or DMARC) is held for
the moderators, like a new member's first posts. Automatic answers (out of office) are
ignored. Everything else is refused with a sentence saying why, which the mail server sends
back to the sender.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import TYPE_CHECKING, Any

from pyramid.authorization import ACLHelper
from pyramid.httpexceptions import HTTPNotFound

from ..accounts.models import User
from ..content import content_service
from ..content.models import Post
from ..errors import NotAllowedError, ValidationError
from ..i18n import _
from ..limits import BODY_MAX
from ..rendering import plain_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: the largest message ``forum mail receive`` reads (bigger ones are refused unread)
MAX_MESSAGE_BYTES = 1_000_000
_TOKEN = r"(\d{1,12})\.(\d{1,12})\.([0-9a-f]{20})"
#: where a reply's quote of the message it answers starts
_QUOTE_HEADER = re.compile(
    r"^(On .{1,200} wrote:|Op .{1,200} schreef .{0,100}:|.{0,100} пишет:"
    r"|-{2,}\s*Original Message\s*-{2,}|From: .+|_{10,})\s*$", re.IGNORECASE)
#: what a mail server writes when a sender failed its checks
_FAILED_CHECK = re.compile(r"\b(spf|dkim|dmarc)=(fail|softfail|permerror)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Received:
    """What became of a message: ``post`` was written (held for the moderators if
    ``held``), or nothing was (``ignored``: an automatic answer)."""

    post: Post | None
    held: bool = False
    ignored: bool = False


def _signature(secret: str, user_id: int, topic_id: int) -> str:
    key = hashlib.sha256(f"forum.email.reply:{secret}".encode()).digest()
    return hmac.new(key, f"{user_id}.{topic_id}".encode(), hashlib.sha256).hexdigest()[:20]


def reply_address(settings: Any, user_id: int, topic_id: int) -> str | None:
    """The ``Reply-To`` of a message to ``user_id`` about ``topic_id`` (None when reply by
    e-mail is off)."""
    template = settings.get("forum.reply_by_email", "")
    if not template or "{token}" not in template:
        return None
    token = f"{user_id}.{topic_id}.{_signature(settings['forum.secret'], user_id, topic_id)}"
    return template.replace("{token}", token)


def _token_in(template: str, message: EmailMessage) -> tuple[int, int, str] | None:
    before, _sep, after = template.partition("{token}")
    pattern = re.compile(re.escape(before) + _TOKEN + re.escape(after), re.IGNORECASE)
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        for _name, address in getaddresses([str(value) for value in
                                            message.get_all(header, [])]):
            found = pattern.fullmatch(address.strip())
            if found is not None:
                return int(found[1]), int(found[2]), found[3]
    return None


def reply_text(message: EmailMessage) -> str:
    """The words of a reply: its plain text (or its HTML's words), without what it quotes of
    the message it answers and without the signature."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = plain_text(content)
    kept: list[str] = []
    for line in content.replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--" or line.startswith("-- ") and not line[3:].strip() \
                or _QUOTE_HEADER.match(line.strip()):
            break  # a signature, or the quoted message below the reply
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def receive(session: Session, settings: Any, registry: Any, raw: bytes) -> Received:
    """Post the reply in ``raw`` (an RFC 5322 message, as a mail server hands it over).

    :raises ValidationError: saying why nothing was posted: reply by e-mail is off, the
        message is too big or not a message, its address holds no valid token, its sender is
        not the token's member, it has no text, or the member may not reply there now.
    """
    from ..visibility.offline import member_request
    from ..visibility.resources import TopicResource

    template = settings.get("forum.reply_by_email", "")
    if not template:
        raise ValidationError(_("Reply by e-mail is off on this forum."))
    if "{token}" not in template:
        raise ValidationError(_("forum.reply_by_email must hold {token} where each message's "
                                "token goes, e.g. reply+{token}@forum.example.org."))
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValidationError(_("The message is too big (at most ${maximum} bytes).",
                                mapping={"maximum": MAX_MESSAGE_BYTES}))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.get("From"):
        raise ValidationError(_("This is not an e-mail message."))
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no" or message.get("X-Autoreply") or message.get("X-Autorespond"):
        return Received(None, ignored=True)  # out of office: not a reply
    token = _token_in(template, message)
    secret = settings["forum.secret"]
    if token is None or not hmac.compare_digest(token[2], _signature(secret, *token[:2])):
        raise ValidationError(_("This message was not sent to a reply address of this forum "
                                "(or the address was changed)."))
    user_id, topic_id, _sig = token
    user = session.get(User, user_id)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if user is None or not sender or sender != user.email.strip().lower():
        raise NotAllowedError(_("Replies are accepted only from the address the forum wrote "
                                "to; this one came from another sender."))
    text = reply_text(message)
    if not text:
        raise ValidationError(_("The reply has no text of its own (only what it quotes)."))
    if len(text) > BODY_MAX:
        raise ValidationError(_("The reply is too long (at most ${maximum} characters).",
                                mapping={"maximum": BODY_MAX}))
    request = member_request(session, user, registry, settings["forum.site_url"])
    request.matchdict = {"topic_id": str(topic_id)}
    try:
        resource: TopicResource | None = TopicResource(request)
    except HTTPNotFound:  # gone, or hidden from the member now
        resource = None
    if resource is None or not ACLHelper().permits(resource, request.principals, "reply"):
        raise NotAllowedError(_("You cannot reply to this topic (any more): it may be "
                                "closed, or not available to you."))
    doubtful = any(_FAILED_CHECK.search(str(value)) for value in
                   message.get_all("Authentication-Results", []))
    post = content_service(session, settings["forum.hold_first_posts"]).reply(
        user, resource.topic, text, hold=doubtful)
    return Received(post, held=post.is_held)

