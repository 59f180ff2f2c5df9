"""Reply by e-mail through the real command (``forum mail receive``): a member's answer to a
notification e-mail becomes their reply, without what it quotes; forged tokens, other
senders, automatic answers, oversized or broken messages and topics the member may no
longer reply to post nothing; doubtful senders wait for the moderators."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from forum_core.content.models import Post, Topic
from forum_core.notifications.replies import MAX_MESSAGE_BYTES

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
ADDRESS = "reply+{token}@mail.example"


@pytest.fixture(params=BACKENDS)
def board(request, make_forum, tmp_path):
    forum = make_forum(postgres=request.param, **{
        "forum.reply_by_email": ADDRESS, "forum.email_batch_minutes": "0",
        "forum.site_url": "https://forum.example", "forum.mail_from": "forum@mail.example"})
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_category("General")
    forum.ini = tmp_path / "forum.ini"
    lines = "\n".join(f"{key} = {str(value).replace('%', '%%')}"
                      for key, value in forum.settings.items())
    forum.ini.write_text(f"[app:main]\nuse = egg:forum-core\n{lines}\n")
    forum.topic = forum.create_topic("mira", title="Garden tips")
    forum.reply("nils", forum.topic, "Water in the morning")
    forum.run_jobs()
    return forum


def notification_mail(forum, to="mira@example.com"):
    folder = Path(forum.settings["forum.data_dir"]) / "outbox"
    found = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in sorted(folder.glob("*.eml"))]
    return [message for message in found if message["To"] == to][-1]


def answer(notification, text, sender="mira@example.com", **headers):
    message = EmailMessage()
    message["From"] = f"Mira <{sender}>"
    message["To"] = notification["Reply-To"]
    message["Subject"] = "Re: " + notification["Subject"]
    message["In-Reply-To"] = notification["Message-ID"] or notification["In-Reply-To"]
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return bytes(message)


def receive(forum, raw):
    from forum_core.cli import cli

    return CliRunner().invoke(cli, ["mail", "receive", "--config", str(forum.ini)], input=raw)


def replies(forum):
    with forum.session() as session:
        return [(post.author.username, post.source, post.is_held) for post in session.scalars(
            select(Post).where(Post.topic_id == forum.topic, Post.number > 1)
            .order_by(Post.number))]


QUOTED = ("Yes, and mulch in May.\n\nOn Mon, 7 Dec 2026, Garden club wrote:\n"
          "> nils replied to Garden tips\n> Water in the morning\n")


def test_an_answer_to_a_notification_becomes_the_members_reply(board):
    notification = notification_mail(board)
    assert notification["Reply-To"].startswith("reply+") and \
        notification["Reply-To"].endswith("@mail.example")
    assert "Reply to this e-mail" in notification.get_body(("plain",)).get_content()
    text = "Yes, and mulch in May.\n> a quote inside\n\n-- \nMira, the garden club\n"
    result = receive(board, answer(notification, text))
    assert result.exit_code == 0, result.output
    assert "posted" in result.output
    assert replies(board)[-1] == ("mira", "Yes, and mulch in May.", False)
    # the quoted message below the answer is left out too
    receive(board, answer(notification, QUOTED))
    assert replies(board)[-1][1] == "Yes, and mulch in May."


def test_forged_tokens_other_senders_and_broken_messages_post_nothing(board):
    notification = notification_mail(board)
    before = replies(board)
    token = notification["Reply-To"][len("reply+"):-len("@mail.example")]
    user_id, topic_id, signature = token.split(".")
    assert len(signature) == 20
    for forged_token in (f"{user_id}.{topic_id}.{'0' * 20}",  # a signature the forum never made
                         f"{user_id}.{int(topic_id) + 1}.{signature}",  # another topic's
                         f"{int(user_id) + 1}.{topic_id}.{signature}"):  # another member's
        forged = answer(notification, "Forged").replace(token.encode(), forged_token.encode())
        result = receive(board, forged)
        assert result.exit_code == 65 and "not sent to a reply address" in result.output
    other = receive(board, answer(notification, "Not mira", sender="eve@evil.example"))
    assert other.exit_code == 77 and "another sender" in other.output
    big = receive(board, answer(notification, "x" * (MAX_MESSAGE_BYTES + 10)))
    assert big.exit_code == 65 and "too big" in big.output
    broken = receive(board, b"\x00\x01 not a message at all")
    assert broken.exit_code == 65 and "not an e-mail message" in broken.output
    empty = receive(board, answer(notification, "> only a quote\n"))
    assert empty.exit_code == 65 and "no text of its own" in empty.output
    auto = receive(board, answer(notification, "I am away", Auto_Submitted="auto-replied"))
    assert auto.exit_code == 0 and "ignored" in auto.output
    assert replies(board) == before


def test_a_doubtful_sender_waits_for_the_moderators(board):
    notification = notification_mail(board)
    result = receive(board, answer(
        notification, "Perhaps not mira",
        Authentication_Results="mx.mail.example; spf=fail smtp.mailfrom=example.com"))
    assert result.exit_code == 0 and "approval" in result.output
    assert replies(board)[-1] == ("mira", "Perhaps not mira", True)


def test_a_topic_the_member_may_no_longer_reply_to_refuses(board):
    notification = notification_mail(board)
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == board.topic).values(is_closed=True))
    result = receive(board, answer(notification, "Too late"))
    assert result.exit_code == 77 and "cannot reply" in result.output
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == board.topic)
                        .values(is_closed=False, is_deleted=True))
    result = receive(board, answer(notification, "Gone"))
    assert result.exit_code == 77


def test_reply_by_email_is_off_unless_an_address_is_set(make_forum):
    forum = make_forum(**{"forum.email_batch_minutes": "0"})
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_category("General")
    forum.reply("nils", forum.create_topic("mira", title="Quiet"), "A reply")
    forum.run_jobs()
    (message,) = forum.outbox()
    assert message["Reply-To"] is None
