"""E-mailing notifications: at once (batched per topic), in daily and weekly digests.

Everything is a background job working from the ``notifications`` table:

- When notifications are written, :func:`notified` gives each member who wants some of them
  at once a job due ``forum.email_batch_minutes`` later (one per member while one waits:
  ``email_states.due_at``). The job sends one message per topic with everything the member
  was notified of there meanwhile, threaded: every message about a topic refers to the
  first one (``In-Reply-To``/``References``).
- Every hour a periodic job looks whether it is the digest hour (``forum.digest_hour``, and
  ``forum.digest_weekday`` for weekly digests); then digest jobs go through the members in
  batches of :data:`DIGEST_BATCH` (each batch its own transaction, memory bounded), each
  member getting what is new in their notifications of digest kinds since their last digest,
  the busiest topics first. No digest is sent when there is nothing to tell.

A message is built when its job runs, as the member would see the forum then: what they may
not see any more (a hidden post, a group they left) is not in it. The notifications a
message covers are marked (``mailed_at``) in the transaction that queues it, so they are
mailed once, however many workers run. Each message is in the member's language and carries
a one-click unsubscribe link (RFC 8058) that works without signing in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from pyramid.i18n import TranslationString
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import User
from ..content.models import Post
from ..contenttypes import ContentItem
from ..db import dialect_insert, utcnow
from ..hookspecs import hookimpl
from ..i18n import _, babel_locale_of, localizer_of, render
from ..jobs import QUEUE_KEY, Job, JobContext, enqueue, enqueue_later
from ..mail import Mail, check_mail_can_be_queued, mail_domain, queue_mail
from ..registries import Registries, registries_for
from ..rendering import plain_text
from ..visibility.offline import member_request
from .email_choices import (
    DAILY,
    IMMEDIATELY,
    WEEKLY,
    has_usable_address,
    modes_of,
    token_generation,
    unsubscribe_token,
)
from .models import EmailState, Notification
from .replies import reply_address
from .watching import reasons

SEND_SOON = "core.email_notifications"
DIGESTS = "core.email_digests"
DIGEST_BATCH_JOB = "core.email_digest_batch"
#: members one job of immediate e-mail handles
MEMBERS_PER_JOB = 100
#: members one digest job goes through before it hands over to the next
DIGEST_BATCH = 200
PERIODS = {DAILY: dt.timedelta(days=1), WEEKLY: dt.timedelta(days=7)}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: a job of immediate e-mail this long past its time has failed for good (its retries take
#: about half an hour): the member's next notification gets a new one
OVERDUE = dt.timedelta(hours=2)
#: the longest excerpt of a post an immediate message quotes
EXCERPT_CHARS = 600

Pair = tuple[int, str]


# -- when notifications are written ----------------------------------------------------------


def notified(session: Session, pairs: Iterable[Pair]) -> None:
    """Members were just notified (``(member id, kind name)`` pairs, in the transaction that
    wrote the notifications): give those who want some of them e-mailed at once a job, due
    ``forum.email_batch_minutes`` later, unless one is waiting already.

    Every writer of ``Notification`` rows calls it (:func:`.services.notify` does)."""
    pairs = set(pairs)
    if not pairs:
        return
    registries = registries_for(session)
    modes = modes_of(session, registries, {user for user, _kind in pairs},
                     {kind for _user, kind in pairs})
    wanted = sorted({user for user, kind in pairs if modes[(user, kind)] == IMMEDIATELY})
    if not wanted:
        return
    queue = session.info.get(QUEUE_KEY)
    if queue is None:  # (a bare session, as in a migration: it cannot queue jobs)
        return
    minutes = queue.settings["forum.email_batch_minutes"]
    due = utcnow() + dt.timedelta(minutes=minutes)
    statement = dialect_insert(session, EmailState).values(
        [{"user_id": user, "token_generation": 0, "due_at": due} for user in wanted])
    # a member whose job waits keeps it: what happens meanwhile goes into its messages (a job
    # long overdue failed for good, and no longer counts)
    scheduled = list(session.scalars(statement.on_conflict_do_update(
        index_elements=["user_id"], set_={"due_at": due},
        where=or_(EmailState.due_at.is_(None), EmailState.due_at < due - OVERDUE),
    ).returning(EmailState.user_id)))
    for start in range(0, len(scheduled), MEMBERS_PER_JOB):
        chunk = sorted(scheduled[start:start + MEMBERS_PER_JOB])
        if minutes:
            enqueue_later(session, minutes * 60, SEND_SOON, user_ids=chunk)
        else:
            enqueue(session, SEND_SOON, user_ids=chunk)


# -- what a message is made of ---------------------------------------------------------------


@dataclass
class Thread:
    """What one message (or one section of a digest) tells: a topic's notifications."""

    key: tuple[str, int]
    title: str
    entries: list[tuple[Notification, ContentItem]]

    @property
    def latest(self) -> dt.datetime:
        return max(row.created_at for row, _item in self.entries)


class Writer:
    """Builds a member's messages as they would see the forum now."""

    def __init__(self, session: Session, settings: Any, user: User) -> None:
        queue = session.info.get(QUEUE_KEY)
        if queue is None or queue.app_registry is None:
            raise RuntimeError("e-mail is written by the forum's jobs: this session has no "
                               "web application to take links and languages from")
        registry = queue.app_registry()
        self.session, self.settings, self.user = session, settings, user
        self.registries: Registries = registries_for(session)
        self.request = member_request(session, user, registry, settings["forum.site_url"])
        self.localizer = localizer_of(registry, user.locale)
        self.why: dict[int, Any] = {}

    def t(self, message: Any) -> str:
        return render(message, self.localizer)

    def threads(self, rows: Sequence[Notification]) -> list[Thread]:
        """The notifications among ``rows`` about what the member may see now, by topic (or
        by item, for content that is not in a topic), oldest first within each."""
        items = self.registries.content_types.items(self.request, {row.ref for row in rows})
        # why each came, for a watched place ("You watch General"): one look for all rows
        self.why.update(reasons(self.session, self.request.viewer,
                                [row for row in rows if row.reason and row.ref in items]))
        post_ids = [row.content_key for row in rows if row.content_type == "post"]
        post_topics: dict[int, int] = dict(self.session.execute(
            select(Post.id, Post.topic_id).where(Post.id.in_(post_ids))).tuples().all()
        ) if post_ids else {}
        threads: dict[tuple[str, int], Thread] = {}
        for row in sorted(rows, key=lambda row: (row.created_at, row.id)):
            item = items.get(row.ref)
            if item is None:
                continue  # hidden from the member now: not told
            key = ("topic", post_topics[row.content_key]) if row.content_type == "post" \
                else row.ref
            threads.setdefault(key, Thread(key, item.title, [])).entries.append((row, item))
        return list(threads.values())

    def line(self, row: Notification, item: ContentItem) -> str:
        actor = row.actor
        said = self.t(TranslationString(self.registries.kind(row.kind).message, mapping={
            "actor": actor.name if actor is not None else _("Someone"), "title": item.title}))
        why = self.why.get(row.id)
        return f"{said} ({self.t(why)})" if why is not None else said

    def link(self, path: str) -> str:
        return path if "://" in path else self.request.host_url + path

    def footer(self, scope: Iterable[str], why: str) -> tuple[str, dict[str, str]]:
        """The end of a message (why it came, how to stop it) and its unsubscribe headers."""
        token = unsubscribe_token(self.settings["forum.secret"], self.user.id,
                                  token_generation(self.session, self.user.id), scope)
        url = self.request.route_url("email.unsubscribe", token=token)
        text = "\n".join(["-- ", why,
                          self.t(_("Stop these e-mails: ${url}", mapping={"url": url})),
                          self.t(_("All your e-mail settings: ${url}", mapping={
                              "url": self.request.route_url("accounts.settings")}))])
        return text, {"List-Unsubscribe": f"<{url}>",
                      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                      "Auto-Submitted": "auto-generated"}

    def site(self) -> str:
        return str(self.request.site.get("site_name") or self.settings["forum.site_name"])

    def thread_message(self, thread: Thread, first: bool) -> Mail:
        """One message about a topic: each notification, with an excerpt of what was said."""
        parts = []
        for row, item in thread.entries:
            excerpt = (item.text or plain_text(item.html))[:EXCERPT_CHARS]
            parts.append("\n".join(filter(None, [self.line(row, item), excerpt,
                                                 self.link(item.url)])))
        kinds = sorted({row.kind for row, _item in thread.entries})
        labels = ", ".join(self.t(self.registries.kind(kind).label or kind) for kind in kinds)
        footer, headers = self.footer(kinds, self.t(_(
            "You get this e-mail at once because of your e-mail settings for: ${kinds}.",
            mapping={"kinds": labels})))
        root = thread_root(thread.key, self.user.id, self.settings["forum.mail_from"])
        answer = reply_address(self.settings, self.user.id, thread.key[1]) \
            if thread.key[0] == "topic" else None
        if answer is not None:  # reply by e-mail: the answer becomes a post in the topic
            headers["Reply-To"] = answer
            parts.append(self.t(_("Reply to this e-mail to post your answer in the topic.")))
        if first:
            headers["Message-ID"] = root
        else:
            headers["In-Reply-To"] = headers["References"] = root
        subject = self.t(_("[${site}] ${title}", mapping={"site": self.site(),
                                                           "title": thread.title}))
        if not first:
            subject = "Re: " + subject
        return Mail(self.user.email, subject, "\n\n".join([*parts, footer]) + "\n", headers)

    def digest(self, frequency: str, threads: list[Thread], since: dt.datetime) -> Mail:
        """A digest: the busiest topics first, each with what happened there."""
        threads = sorted(threads, key=lambda thread: (-len(thread.entries),
                                                      -thread.latest.timestamp()))
        day = format_date(since, format="long", locale=babel_locale_of(self.localizer.locale_name))
        parts = [self.t(_("What is new for you since ${date}:", mapping={"date": day}))]
        for thread in threads:
            lines = [self.t(_("${title} (${count} new)", mapping={
                "title": thread.title, "count": len(thread.entries)}))]
            lines += [f"- {self.line(row, item)}" for row, item in thread.entries]
            lines.append(self.link(thread.entries[-1][1].url))
            parts.append("\n".join(lines))
        why = _("You get this daily digest because of your e-mail settings.") \
            if frequency == DAILY else _("You get this weekly digest because of your e-mail "
                                         "settings.")
        footer, headers = self.footer([frequency], self.t(why))
        subject = _("[${site}] Your daily digest", mapping={"site": self.site()}) \
            if frequency == DAILY else _("[${site}] Your weekly digest",
                                         mapping={"site": self.site()})
        return Mail(self.user.email, self.t(subject), "\n\n".join([*parts, footer]) + "\n",
                    headers)


def thread_root(key: tuple[str, int], user_id: int, sender: str) -> str:
    """The Message-ID of the first message to member ``user_id`` about ``key``, which
    every later one refers to (so mail programs show one conversation per topic)."""
    return f"<{key[0]}-{key[1]}.member-{user_id}.forum@{mail_domain(sender)}>"


def _claim(session: Session, user_id: int, kinds: Sequence[str], since: dt.datetime | None,
           until: dt.datetime) -> list[Notification]:
    """Mark the member's waiting notifications of ``kinds`` as mailed, and return them (one
    statement: a second worker at the same time gets none of them)."""
    if not kinds:
        return []
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.mailed_at.is_(None),
        Notification.read_at.is_(None), Notification.kind.in_(kinds),
        Notification.created_at <= until)
    if since is not None:
        query = query.where(Notification.created_at > since)
    ids = list(session.scalars(query.values(mailed_at=utcnow()).returning(Notification.id)
                               .execution_options(synchronize_session=False)))
    if not ids:
        return []
    return list(session.scalars(select(Notification).where(Notification.id.in_(ids))
                                .options(joinedload(Notification.actor))))


def _started(session: Session, user_id: int, threads: list[Thread],
             claimed: Sequence[int]) -> set[tuple[str, int]]:
    """The threads of ``threads`` about which the member was mailed before."""
    topics = [thread.key[1] for thread in threads if thread.key[0] == "topic"]
    others = [thread.key for thread in threads if thread.key[0] != "topic"]
    about = []
    if topics:
        about.append(and_(Notification.content_type == "topic",
                          Notification.content_key.in_(topics)))
        about.append(and_(Notification.content_type == "post", Notification.content_key.in_(
            select(Post.id).where(Post.topic_id.in_(topics)))))
    about += [and_(Notification.content_type == kind, Notification.content_key == key)
              for kind, key in others]
    if not about:
        return set()
    found: set[tuple[str, int]] = set()
    rows = session.execute(select(Notification.content_type, Notification.content_key).where(
        Notification.user_id == user_id, Notification.mailed_at.is_not(None),
        Notification.id.not_in(claimed), or_(*about)).distinct())
    post_ids = []
    for kind, key in rows:
        if kind == "post":
            post_ids.append(key)
        else:
            found.add((kind, key))
    if post_ids:
        found |= {("topic", topic) for topic in session.scalars(
            select(Post.topic_id).where(Post.id.in_(post_ids)))}
    return found


# -- the jobs -----------------------------------------------------------------------------------


def send_soon(context: JobContext, user_ids: list[int]) -> None:
    """The job: e-mail each member what waits for them at once, one message per topic."""
    for user_id in user_ids:
        _send_waiting(context, user_id)


def _send_waiting(context: JobContext, user_id: int) -> None:
    session = context.session
    # first: a notification written from now on gives the member a job of its own
    session.execute(update(EmailState).where(EmailState.user_id == user_id)
                    .values(due_at=None))
    user = session.get(User, user_id)
    if user is None or not has_usable_address(user):
        return
    registries = registries_for(session)
    modes = modes_of(session, registries, [user_id], registries.notification_kinds)
    kinds = [kind for (_user, kind), mode in modes.items() if mode == IMMEDIATELY]
    rows = _claim(session, user_id, kinds, None, utcnow())
    if not rows:
        return
    writer = Writer(session, context.settings, user)
    threads = writer.threads(rows)
    started = _started(session, user_id, threads, [row.id for row in rows])
    for thread in threads:
        queue_mail(session, writer.thread_message(thread, thread.key not in started))


def start_digests(context: JobContext) -> None:
    """The hourly periodic job: at the digest hour, start the daily digests, and on the
    digest weekday the weekly ones too."""
    settings = context.settings
    at = (context.scheduled_at or utcnow()).replace(minute=0, second=0, microsecond=0)
    if at.hour != int(settings["forum.digest_hour"]):
        return
    frequencies = [DAILY]
    if WEEKDAYS[at.weekday()] == settings["forum.digest_weekday"]:
        frequencies.append(WEEKLY)
    for frequency in frequencies:
        enqueue(context.session, DIGEST_BATCH_JOB, frequency=frequency, at=at.isoformat(),
                after=0)


def digest_batch(context: JobContext, frequency: str, at: str, after: int) -> None:
    """One batch of digests: the next :data:`DIGEST_BATCH` members (by id, after ``after``)
    with notifications that no e-mail has told them of; the next batch is a job of its own."""
    session, moment = context.session, dt.datetime.fromisoformat(at)
    period = PERIODS[frequency]
    # a digest tells what is new since the member's last one, at most two periods back
    floor = moment - 2 * period
    members = list(session.scalars(
        select(Notification.user_id).where(
            Notification.mailed_at.is_(None), Notification.read_at.is_(None),
            Notification.created_at > floor, Notification.created_at <= moment,
            Notification.user_id > after)
        .group_by(Notification.user_id).order_by(Notification.user_id).limit(DIGEST_BATCH)))
    if not members:
        return
    registries = registries_for(session)
    chosen: dict[int, list[str]] = {}
    for (member, kind), mode in modes_of(session, registries, members,
                                         registries.notification_kinds).items():
        if mode == frequency:
            chosen.setdefault(member, []).append(kind)
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(members)))}
    column = EmailState.daily_at if frequency == DAILY else EmailState.weekly_at
    last = dict(session.execute(select(EmailState.user_id, column)
                                .where(EmailState.user_id.in_(members))).tuples().all())
    check_mail_can_be_queued(session)  # (once for the batch's messages)
    for user_id in members:
        kinds = chosen.get(user_id, [])
        user = users.get(user_id)
        if not kinds or user is None or not has_usable_address(user):
            continue
        previous = last.get(user_id)
        since = max(previous, floor) if previous is not None else moment - period
        _send_digest(context, user, frequency, kinds, since, moment)
    if len(members) == DIGEST_BATCH:
        enqueue(session, DIGEST_BATCH_JOB, frequency=frequency, at=at, after=members[-1])


def _send_digest(context: JobContext, user: User, frequency: str, kinds: list[str],
                 since: dt.datetime, moment: dt.datetime) -> None:
    session = context.session
    rows = _claim(session, user.id, kinds, since, moment)
    if not rows:
        return
    statement = dialect_insert(session, EmailState).values(
        user_id=user.id, token_generation=0, **{f"{frequency}_at": moment})
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"],
                                                    set_={f"{frequency}_at": moment}))
    writer = Writer(session, context.settings, user)
    threads = writer.threads(rows)
    if threads:  # nothing they may still see: no digest
        queue_mail(session, writer.digest(frequency, threads, since), checked=True)


@hookimpl
def forum_register_jobs() -> list[Job]:
    return [Job(SEND_SOON, send_soon, retries=5, retry_delay=60.0),
            Job(DIGESTS, start_digests, schedule="0 * * * *"),
            Job(DIGEST_BATCH_JOB, digest_batch, retries=5, timeout=3600.0)]

