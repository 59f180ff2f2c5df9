"""How long a weekly digest run takes for many members, and how much memory it needs.

    .venv/bin/python bench/digest.py [--members 40000] [--database-url URL]

Makes a forum in a temporary folder (SQLite by default; ``--database-url`` for an empty
PostgreSQL database) with ``--members`` members who chose the weekly digest for replies,
each with two unread replies to their own topic from this week (one topic per 50 members,
so the digests are not all alike). Then it runs the weekly digest as the hourly job would
start it, job by job in this process: the batches that build the digests (200 members each,
every message built through the visibility of its member and queued as a mail job), then the
jobs that hand the messages over (to the outbox folder: no SMTP server is involved).

It prints one Markdown table: the time of the building jobs and of the sending jobs, the
messages written, and the peak memory the process reached while building (its resident set,
``ru_maxrss``), against the memory before the run. Every row measures real work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from scratch import new_forum
from sqlalchemy import insert, select, update

#: members who share a topic (and so the author of its first post)
PER_TOPIC = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=40_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="forum-digest-") as folder:
        run(Path(folder), args.members, args.database_url)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(folder: Path, count: int, database_url: str) -> None:
    from forum_core.accounts.models import User
    from forum_core.accounts.services import DatabaseUserService
    from forum_core.cli.jobs import app_registry_of
    from forum_core.content import content_service
    from forum_core.content.models import Category, Post, Topic
    from forum_core.jobs import enqueue
    from forum_core.notifications.email_delivery import DIGEST_BATCH_JOB
    from forum_core.notifications.models import EmailPreference, Notification
    from forum_core.worker import open_runtime

    env = new_forum(folder, database_url)
    runtime = open_runtime(env, app_registry=app_registry_of(env))
    started = time.perf_counter()
    with runtime.session() as session:
        users = DatabaseUserService(session)
        replier = users.create_user("bench_replier", "replier@bench.example", "bench-password-1")
        shared, replier_id = replier.password_hash, replier.id
        category = content_service(session).create_category("General", "Digests.")
        session.flush()
        category_id = category.id
    with runtime.engine.begin() as connection:
        connection.execute(insert(User), [
            {"username": f"member{i:05d}", "email": f"member{i:05d}@bench.example",
             "password_hash": shared, "role": "member"} for i in range(count)])
        members = [row[0] for row in connection.execute(
            select(User.id).where(User.username.like("member%")).order_by(User.id))]
        connection.execute(insert(EmailPreference), [
            {"user_id": member, "kind": "reply", "mode": "weekly"} for member in members])
    # one topic per PER_TOPIC members, with two replies; each member is told of both
    now = dt.datetime.now(dt.UTC)
    with runtime.session() as session:
        service = content_service(session)
        replier = session.get(User, replier_id)
        posts: list[tuple[int, int]] = []
        for start in range(0, len(members), PER_TOPIC):
            author = session.get(User, members[start])
            topic = service.create_topic(author, session.get(Category, category_id),
                                         f"Question {start // PER_TOPIC}",
                                         "How do I export my data?")
            first = service.reply(replier, topic, "Open the account page.")
            second = service.reply(replier, topic, "Then choose Export.")
            posts.append((first.id, second.id))
        session.flush()
    with runtime.engine.begin() as connection:
        connection.execute(Notification.__table__.delete())  # (the posts' own, made above)
        rows = []
        for index, member in enumerate(members):
            for post_id in posts[index // PER_TOPIC]:
                rows.append({"user_id": member, "kind": "reply", "actor_id": replier_id,
                             "content_type": "post", "content_key": post_id,
                             "created_at": now - dt.timedelta(days=1)})
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(Notification), rows[start:start + 20_000])
        connection.execute(update(Topic).values(created_at=now - dt.timedelta(days=2)))
        connection.execute(update(Post).values(created_at=now - dt.timedelta(days=1)))
    made = time.perf_counter() - started
    huey = runtime.queue.huey
    while huey.dequeue() is not None:  # (jobs of the setup: search, mail)
        pass
    before = _peak_mb()
    with runtime.session() as session:
        enqueue(session, DIGEST_BATCH_JOB, frequency="weekly", at=now.isoformat(), after=0)
    building = sending = 0.0
    built = sent = 0
    while (task := huey.dequeue()) is not None:
        digest = _is_digest(runtime, task)
        clock = time.perf_counter()
        huey.execute(task)
        spent = time.perf_counter() - clock
        if digest:
            building, built = building + spent, built + 1
        else:
            sending, sent = sending + spent, sent + 1
    peak = _peak_mb()
    outbox = Path(env.settings["forum.data_dir"]) / "outbox"
    written = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    runtime.close()
    database = "PostgreSQL" if database_url else "SQLite"
    print(f"\n{database}, {count:,} members with two unread replies each, weekly digest "
          f"(setup {made:.0f} s).\n")
    print("| what | kind | seconds | per member ms |")
    print("|---|---|---:|---:|")
    print(f"| build the digests ({built} batch jobs) | job | {building:.1f} | "
          f"{building / count * 1000:.2f} |")
    print(f"| hand over the messages ({sent} mail jobs, to the outbox) | job | "
          f"{sending:.1f} | {sending / count * 1000:.2f} |")
    print(f"\nmessages written: {written:,}; peak resident memory {before:.0f} MB before the "
          f"run, {peak:.0f} MB after it")


def _is_digest(runtime: object, task: object) -> bool:
    """Whether a huey task runs a digest batch (the forum's ledger names the job)."""
    from forum_core.jobs.models import JobRecord
    from forum_core.notifications.email_delivery import DIGEST_BATCH_JOB

    job_id = (getattr(task, "args", None) or (None,))[0]
    with runtime.engine.connect() as connection:  # type: ignore[attr-defined]
        name = connection.execute(select(JobRecord.name).where(JobRecord.id == job_id)).scalar()
    return name == DIGEST_BATCH_JOB


if __name__ == "__main__":
    main()
