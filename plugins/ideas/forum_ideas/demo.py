"""Demonstration content for ``forum init --demo``: an "Ideas" board with ideas, votes,
statuses and a note, by the core's demo members."""

from __future__ import annotations

from sqlalchemy import select, update

from forum_core.api import Category, Markup, Post, Topic, User, slugify, utcnow

from .models import Idea, IdeaBoard, Vote

#: title, author, description, status, note, voters
DEMO_IDEAS = (
    ("Dark mode for the dashboard", "carol",
     "Working late, the white dashboard is blinding. A dark theme would help a lot.",
     "planned", "Scheduled for the spring release.", ("bob", "dmitri", "eva", "alice")),
    ("Export reports as PDF", "bob",
     "Our managers want printable reports; CSV is not enough for them.",
     "in_progress", "", ("carol", "eva")),
    ("Single sign-on with our company accounts", "dmitri",
     "We would like to sign in with our existing company accounts (SAML or OpenID Connect).",
     "under_review", "", ("bob", "carol", "eva")),
    ("Keyboard shortcuts for the editor", "eva",
     "Ctrl+B for bold, Ctrl+K for a link, like everywhere else.",
     "done", "Shipped in version 2.3: press ? to see them all.", ("alice",)),
    ("A mobile app", "bob", "Something to check notifications on the go.", "new", "", ()),
)


def create_demo_ideas(session, admin: User) -> None:
    members = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_(["alice", "bob", "carol", "dmitri", "eva"])))}
    category = Category(slug="ideas", name="Ideas",
                        description="Suggest improvements and vote for the ones you want.",
                        read_access="everyone", topic_access="members", reply_access="members",
                        position=50)
    session.add(category)
    session.flush()  # the board and the topics refer to the category's id
    session.add(IdeaBoard(category_id=category.id, allow_downvotes=False, vote_budget=10))
    now = utcnow()
    topic = None
    for title, author, text, status, note, voters in DEMO_IDEAS:
        user = members.get(author, admin)
        topic = Topic(category_id=category.id, user_id=user.id, title=title,
                      slug=slugify(title), created_at=now, last_post_at=now,
                      last_post_user_id=user.id, post_number_seq=1)
        session.add(topic)
        session.flush()  # the post, idea and votes refer to the topic's id
        session.add(Post(topic_id=topic.id, user_id=user.id, number=1, source=text,
                         html=str(Markup("<p>{}</p>").format(text)), created_at=now))
        session.add(Idea(topic_id=topic.id, status=status, status_note=note,
                         status_changed_at=now if status != "new" else None,
                         votes=len([v for v in voters if v in members])))
        session.flush()  # the votes refer to the idea
        for voter in voters:
            if voter in members:
                session.add(Vote(idea_id=topic.id, user_id=members[voter].id, value=1))
    # the home page names a category's latest topic by last_topic_id ("Latest —" without it)
    session.execute(update(Category).where(Category.id == category.id).values(
        topic_count=len(DEMO_IDEAS), post_count=len(DEMO_IDEAS), last_post_at=now,
        last_topic_id=topic.id if topic is not None else None))
