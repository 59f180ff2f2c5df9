"""Demonstration content for ``forum init --demo``: the core's own, then every plugin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from .accounts.models import User
from .accounts.services import DatabaseUserService
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .plugins import Hooks

#: Demo members share this password so a visitor can sign in as any of them.
DEMO_PASSWORD = "demo-password"

DEMO_MEMBERS = (
    ("alice", "Alice Moderator", "moderator"),
    ("bob", "Bob Builder", "member"),
    ("carol", "Carol Customer", "member"),
    ("dmitri", "Дмитрий Партнёр", "member"),
    ("eva", "Eva de Vries", "member"),
)


def has_demo_content(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(User.is_demo.is_(True)))))


def create_demo_content(session: Session, hooks: Hooks, admin: User) -> bool:
    """Fill an empty forum with demo content, once. Returns False if it was there already."""
    if has_demo_content(session):
        return False
    hooks.pm.hook.forum_demo_data(session=session, admin=admin)
    return True


DEMO_CATEGORIES = (
    # name, description, read, start topics, reply
    ("Announcements", "News from the team.", "everyone", "moderators", "members"),
    ("General", "Anything about our products and the community.", "everyone", "members",
     "members"),
    ("Support", "Ask for help; members and staff answer.", "everyone", "members", "members"),
    ("Staff lounge", "Only moderators and administrators can read this.", "moderators",
     "moderators", "moderators"),
)

#: category, author, title, body, replies (replier, text)
DEMO_TOPICS: tuple[tuple[str, str, str, str, list[tuple[str, str]]], ...] = (
    ("Announcements", "admin", "Welcome to the community forum",
     "Hello everyone! This is the place to **ask questions**, share tips and meet other "
     "customers and partners.\n\n- Be kind\n- Search before you post\n- Mention people "
     "with @alice to get their attention",
     [("alice", "Glad to be here. Ping me with any moderation questions.")]),
    ("General", "bob", "What are you building this month?",
     "I'm wiring our CRM into the reporting pipeline. What about you?",
     [("carol", "Migrating our team to the new dashboard."),
      ("dmitri", "Переводим документацию на русский язык."),
      ("eva", "Een koppeling met ons ticketsysteem!")]),
    ("Support", "carol", "Export fails with a timeout",
     "Exporting more than 10,000 rows stops after 30 seconds:\n\n```python\n"
     "client.export(rows=20000)\n```\n\nAny idea?",
     [("alice", "Try exporting in batches of 5,000 for now; a fix is on its way."),
      ("carol", "> Try exporting in batches of 5,000\n\n"
                "That works, thanks!")]),
    ("Staff lounge", "alice", "Moderation notes for this week",
     "Two spam accounts were removed on Monday.", []),
)


#: topic title -> post number -> the members who like it
DEMO_LIKES: dict[str, dict[int, tuple[str, ...]]] = {
    "Welcome to the community forum": {1: ("alice", "bob", "carol", "dmitri", "eva"),
                                       2: ("bob", "eva")},
    "What are you building this month?": {1: ("carol", "eva"), 3: ("bob", "alice"),
                                          4: ("bob",)},
    "Export fails with a timeout": {2: ("carol", "bob", "dmitri")},
}


#: tag groups (name, staff only, one per topic) and their tags (name, description)
DEMO_TAG_GROUPS = (
    ("Status", True, True, (("solved", "The question has an answer that works."),)),
    ("Area", False, False, (("export", "Getting data out: files, reports, the API."),
                            ("integrations", "Connecting with other tools."),
                            ("how-to", "Questions about doing something."))),
)
#: topic title -> its tags
DEMO_TAGS: dict[str, tuple[str, ...]] = {
    "What are you building this month?": ("integrations",),
    "Export fails with a timeout": ("export", "how-to", "solved"),
}


@hookimpl(tryfirst=True)
def forum_demo_data(session: Session, admin: User) -> None:
    from .content import content_service
    from .content.likes import like
    from .content.models import Post
    from .content.tags import TOPIC, DatabaseTagService

    users = DatabaseUserService(session)
    members = {"admin": admin}
    for username, display_name, role in DEMO_MEMBERS:
        members[username] = users.create_user(
            username, f"{username}@example.com", DEMO_PASSWORD, role=role,
            display_name=display_name, is_demo=True)
    content = content_service(session)
    tags = DatabaseTagService(session)
    for group_name, staff_only, one_per_topic, group_tags in DEMO_TAG_GROUPS:
        group = tags.create_group(group_name, staff_only, one_per_topic)
        for tag_name, description in group_tags:
            tags.create_tag(tag_name, description, group)
    categories = {name: content.create_category(name, description, read_access=read,
                                                topic_access=start, reply_access=reply)
                  for name, description, read, start, reply in DEMO_CATEGORIES}
    for category, author, title, body, replies in DEMO_TOPICS:
        topic = content.create_topic(members[author], categories[category], title, body)
        if title in DEMO_TAGS:
            tags.set_tags(admin, TOPIC, topic.id, DEMO_TAGS[title])
        for replier, text in replies:
            content.reply(members[replier], topic, text)
        session.flush()
        posts = {post.number: post for post in session.scalars(
            select(Post).where(Post.topic_id == topic.id))}
        for number, likers in DEMO_LIKES.get(title, {}).items():
            for liker in likers:
                like(session, members[liker], posts[number])
