"""Demonstration content for ``forum init --demo``: the core's "Support" category becomes a
support category. Its export question is solved (the asker accepted alice's answer and said
it helped); more questions show the other states: answered, open, needs more information,
and one solved by staff. They were asked over the last weeks, so the staff's dashboard has
figures to draw.

Written as rows, as the core's demo is; the text is cooked by the forum's own Markdown
pipeline.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from forum_core.api import Category, Post, Topic, User, render_markdown, slugify, utcnow

from .models import NEEDS_INFO, SOLVED, Question
from .services import SupportService

#: asker, title, text, days ago, replies (author, text, hours after asking), accepted reply
#: number (or None), state set by staff (or None)
DEMO_QUESTIONS: tuple[tuple[str, str, str, int, tuple[tuple[str, str, float], ...],
                            int | None, str | None], ...] = (
    ("dmitri", "How do I change the e-mail address of my account?",
     "I moved to a new company and want the forum's mails at my new address.", 20,
     (("admin", "Open **Account** from the menu under your name, change the address and "
                "confirm it from the mail we send there.", 1.5),
      ("dmitri", "Found it, thank you!", 3.0)), 2, None),
    ("eva", "Notifications arrive twice",
     "Since Monday every reply notification reaches me twice by e-mail.", 9,
     (("bob", "Do you have a forwarding rule as well? That happened to me.", 5.0),), None,
     None),
    ("bob", "The invoice shows the wrong company name",
     "Our invoice for November is addressed to our old company name.", 4,
     (("alice", "Which invoice number is it? Staff will look it up.", 0.5),), None,
     NEEDS_INFO),
    ("carol", "Can I export my own posts?",
     "Before I leave the project I would like a copy of what I wrote here.", 1, (), None,
     None),
)


def _post(session, topic: Topic, author: User, number: int, text: str,
          moment: dt.datetime) -> Post:
    post = Post(topic_id=topic.id, user_id=author.id, number=number, source=text,
                html=render_markdown(session, text), created_at=moment)
    session.add(post)
    return post


def create_demo_questions(session, admin: User) -> None:
    category = session.scalar(select(Category).where(Category.slug == "support"))
    if category is None:
        return
    members = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_(["alice", "bob", "carol", "dmitri", "eva"])))}
    members["admin"] = admin
    now = utcnow()
    accepted: list[tuple[int, int, User]] = []
    marked: list[tuple[int, str]] = []
    for asker, title, text, days, replies, answer_number, state in DEMO_QUESTIONS:
        author = members.get(asker, admin)
        asked = now - dt.timedelta(days=days)
        last = asked + dt.timedelta(hours=replies[-1][2]) if replies else asked
        topic = Topic(category_id=category.id, user_id=author.id, title=title,
                      slug=slugify(title), created_at=asked, last_post_at=last,
                      last_post_user_id=author.id, post_number_seq=1 + len(replies),
                      reply_count=len(replies))
        session.add(topic)
        session.flush()  # the posts need the topic's id
        _post(session, topic, author, 1, text, asked)
        for number, (replier, reply, hours) in enumerate(replies, start=2):
            post = _post(session, topic, members.get(replier, admin), number, reply,
                         asked + dt.timedelta(hours=hours))
            if number == answer_number:
                session.flush()
                accepted.append((topic.id, post.id, author))
        if state is not None:
            marked.append((topic.id, state))
        category.topic_count += 1
        category.post_count += 1 + len(replies)
    session.flush()
    # every topic of the category becomes a question, with its times read from its posts
    SupportService(session).configure(category, True, close_after_days=180)
    export = session.scalar(select(Topic).where(Topic.category_id == category.id,
                                                Topic.title == "Export fails with a timeout"))
    if export is not None:
        answer = session.scalar(select(Post).where(Post.topic_id == export.id,
                                                   Post.number == 2))
        if answer is not None:
            accepted.append((export.id, answer.id, session.get(User, export.user_id)))
    for topic_id, post_id, accepter in accepted:
        question = session.get(Question, topic_id)
        question.accepted_post_id, question.accepted_by_id = post_id, accepter.id
        question.solved_at = session.get(Post, post_id).created_at
        question.state, question.helpful = SOLVED, True
    for topic_id, state in marked:
        session.get(Question, topic_id).state = state
    session.flush()
