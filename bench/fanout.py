"""How a post in a place many members watch is acknowledged and told.

    .venv/bin/python bench/fanout.py [--watchers 10000] [--posts 15] [--database-url URL]

Makes a forum in a temporary folder (SQLite by default; ``--database-url`` for an empty
PostgreSQL database), ``--watchers`` members who watch the category "Watched" and none who
watch "Quiet". Then it posts replies, alternately in a topic of each category, through the
core's content service in committed transactions, exactly as a request does (the post, its
events, the search index, the job written to the ledger), and measures:

* **acknowledged**: the time of the post's transaction, median and 90th percentile, in the
  watched category and in the quiet one (the fan-out is a job: the two should match);
* **told**: the time the ``core.notify_watchers`` job takes to write the notifications of one
  post, and the peak memory that job added (tracemalloc);

and prints one Markdown table. Every row measures real work (no cache is involved).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from scratch import new_forum
from sqlalchemy import func, insert, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=15, help="posts per category")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true",
                        help="print where the first job's time goes (cProfile)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="forum-fanout-") as folder:
        run(Path(folder), args.watchers, args.posts, args.database_url, args.profile)


def run(folder: Path, watchers: int, posts: int, database_url: str, profile: bool) -> None:
    from forum_core.accounts.models import User
    from forum_core.accounts.services import DatabaseUserService
    from forum_core.content import content_service
    from forum_core.content.follows import Follow
    from forum_core.content.models import Category, Topic
    from forum_core.notifications.models import Notification
    from forum_core.notifications.watching import NOTIFY_WATCHERS
    from forum_core.worker import open_runtime

    env = new_forum(folder, database_url)
    runtime = open_runtime(env)
    with runtime.session() as session:
        users = DatabaseUserService(session)
        author = users.create_user("bench_author", "author@bench.example", "bench-password-1")
        shared = author.password_hash
        service = content_service(session)
        watched = service.create_category("Watched", "Many watch it.")
        quiet = service.create_category("Quiet", "Nobody watches it.")
        session.flush()
        ids = (watched.id, quiet.id)
    with runtime.engine.begin() as connection:
        connection.execute(insert(User), [
            {"username": f"watcher{i:05d}", "email": f"watcher{i:05d}@bench.example",
             "password_hash": shared, "role": "member"} for i in range(watchers)])
        members = [row[0] for row in connection.execute(
            select(User.id).where(User.username.like("watcher%")))]
        connection.execute(insert(Follow), [
            {"user_id": member, "place": "category", "place_id": ids[0], "level": "watching",
             "source": "member"} for member in members])
    with runtime.session() as session:
        author = session.scalar(select(User).where(User.username == "bench_author"))
        service = content_service(session)
        topics = [service.create_topic(author, session.get(Category, category_id),
                                       f"Topic in {category_id}", "The first post.").id
                  for category_id in ids]
    runtime.queue.run_queued()  # the watchers of the first posts
    acknowledged: dict[int, list[float]] = {0: [], 1: []}
    for number in range(posts):
        for which, topic_id in enumerate(topics):
            started = time.perf_counter()
            with runtime.session() as session:
                author = session.scalar(select(User).where(User.username == "bench_author"))
                content_service(session).reply(author, session.get(Topic, topic_id),
                                               f"Reply number {number}, measured.")
            acknowledged[which].append(time.perf_counter() - started)
    with runtime.session() as session:
        pending = len([job for job in runtime.queue.listing(session, limit=10_000)
                       if job.name == NOTIFY_WATCHERS and job.state in ("pending", "queued")])
    told: list[float] = []
    peaks: list[int] = []
    huey = runtime.queue.huey
    while (task := huey.dequeue()) is not None:  # one job at a time, each timed
        if profile and not told:
            import cProfile
            import pstats

            with cProfile.Profile() as profiler:
                huey.execute(task)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            continue
        if len(told) == posts - 1:  # the last one: its memory (tracemalloc slows it down)
            tracemalloc.start()
            huey.execute(task)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            continue
        started = time.perf_counter()
        huey.execute(task)
        told.append(time.perf_counter() - started)
    with runtime.session() as session:
        notified = session.scalar(select(func.count()).select_from(Notification))
    runtime.close()

    def ms(values: list[float], q: float) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f}"

    database = "PostgreSQL" if database_url else "SQLite"
    print(f"\n{database}, {watchers:,} members watch the category; {posts} replies per "
          f"category.\n")
    print("| what | kind | median ms | p90 ms |")
    print("|---|---|---:|---:|")
    print(f"| reply acknowledged, quiet category | write | {ms(acknowledged[1], .5)} | "
          f"{ms(acknowledged[1], .9)} |")
    print(f"| reply acknowledged, watched category | write | {ms(acknowledged[0], .5)} | "
          f"{ms(acknowledged[0], .9)} |")
    print(f"| one post's {watchers:,} notifications written (job) | job | "
          f"{ms(told, .5)} | {ms(told, .9)} |")
    print(f"\njobs waiting after the posts: {pending} (one per reply in the watched "
          f"category); notifications written: {notified:,}; peak memory of one job run "
          f"(the last, under tracemalloc, not timed): {max(peaks, default=0) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
