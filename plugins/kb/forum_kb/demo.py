"""Demonstration content for ``forum init --demo``: two sections of the knowledge base
("Getting started" for everyone, "Administration" for members), published articles with
headings (one of them revised twice), a draft, and a review date that has passed.

Written as rows, as the core's demo is (the demo has no request, nor a viewer to check
rights for); the text is cooked by the forum's own Markdown pipeline.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from forum_core.api import User, render_markdown, slugify, utcnow

from .models import RIGHTS, WRITE, Article, Revision, Section, SectionRight

#: name, description, who reads it
DEMO_SECTIONS = (
    ("Getting started", "First steps in the forum: your account, posting, notifications.",
     "everyone"),
    ("Administration", "How the team runs the forum: moderation, backups, settings.",
     "members"),
)

#: section, author (a demo member or "admin"), title, texts (each a revision), published
DEMO_ARTICLES: tuple[tuple[str, str, str, tuple[str, ...], bool], ...] = (
    ("Getting started", "alice", "Create your account",
     ("## Sign up\n\nChoose **Sign up** at the top of any page and pick a username.\n\n"
      "## Confirm your address\n\nOpen the link we e-mail you.",
      "## Sign up\n\nChoose **Sign up** at the top of any page, pick a username and a "
      "password of at least eight characters.\n\n## Confirm your address\n\nOpen the link "
      "we e-mail you; it works for a day.\n\n## Fill in your profile\n\nA picture and a "
      "few words help others know who answers them."), True),
    ("Getting started", "alice", "Write a good question",
     ("## Search first\n\nSomeone may have asked already: try the search box.\n\n"
      "## Say what you tried\n\nList the steps, what you expected and what happened.\n\n"
      "## Format code\n\nPut code between lines of three backticks.",), True),
    ("Getting started", "admin", "Choose your notifications",
     ("## In the forum\n\nThe bell shows replies, mentions and quotes.\n\n"
      "## By e-mail\n\nOn your account page, choose *immediately*, *daily*, *weekly* or "
      "*never* for each kind.",), True),
    ("Administration", "admin", "Back up the forum",
     ("## What to keep\n\nThe database and the data folder (uploads, search index).\n\n"
      "## How often\n\nEvery night; keep a week of copies somewhere else.\n\n"
      "## Try a restore\n\nOnce a month, restore a copy on a spare machine.",), True),
    ("Administration", "alice", "Moderation guidelines",
     ("## Be kind first\n\nAsk before you hide.\n\n## When to lock a topic\n\n"
      "*To be written.*",), False),
)


def create_demo_articles(session, admin: User) -> None:
    members = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_(["alice", "bob", "carol", "dmitri", "eva"])))}
    members["admin"] = admin
    now = utcnow()
    sections: dict[str, Section] = {}
    for position, (name, description, read_access) in enumerate(DEMO_SECTIONS):
        section = Section(slug=slugify(name), name=name, description=description,
                          read_access=read_access, position=position)
        session.add(section)
        session.flush()  # the rights and the articles refer to it
        for right in RIGHTS:
            session.add(SectionRight(section_id=section.id, right=right,
                                     principal="role:moderator"))
        sections[name] = section
    # members may suggest drafts in "Getting started"
    session.add(SectionRight(section_id=sections["Getting started"].id, right=WRITE,
                             principal="authenticated"))
    for index, (where, author_name, title, texts, published) in enumerate(DEMO_ARTICLES):
        author = members.get(author_name, admin)
        started = now - dt.timedelta(days=40 - index)
        article = Article(section_id=sections[where].id, title=title, slug=slugify(title),
                          owner_id=author.id, author_id=author.id, created_at=started,
                          updated_at=started)
        session.add(article)
        session.flush()  # the revisions refer to it
        revision = None
        for number, text in enumerate(texts, start=1):
            moment = started + dt.timedelta(days=number - 1)
            revision = Revision(article_id=article.id, number=number, title=title,
                                source=text, html=render_markdown(session, text),
                                note="" if number == 1 else "Clearer steps",
                                author_id=author.id, created_at=moment)
            session.add(revision)
            session.flush()
            article.latest_revision_id, article.updated_at = revision.id, moment
        if published and revision is not None:
            article.published_revision_id = revision.id
            article.published_at = article.updated_at
            article.review_by = article.published_at + dt.timedelta(days=365)
    # one article is overdue for review: the stale list and the reminders have something
    overdue = session.scalar(select(Article).where(Article.title == "Back up the forum"))
    if overdue is not None:
        overdue.review_by = now - dt.timedelta(days=1)
    session.flush()
