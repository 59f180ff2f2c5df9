"""Fill a freshly migrated forum database with a realistic data set, fast.

    .venv/bin/python bench/generate.py --config F [--topics 10000] [--posts 200000] [--seed 1]

Users, categories, topics and posts go straight into the database with SQLAlchemy Core
``executemany`` in big batches inside one transaction; every counter the forum keeps
(``topic.reply_count``/``post_number_seq``/``last_post_at``/``last_post_user_id``,
``category.topic_count``/``post_count``/``last_post_at``/``last_topic_id``) is computed so the
data looks exactly as if members had posted it. Markdown bodies are rendered by the forum's own
renderer (``forum_core.rendering.Cooker``), for a pool of 10,000 distinct bodies that the
posts reuse. Words follow Zipf's law over a vocabulary of 30,000 (common English and forum words,
then made-up ones), as in natural text, so a search matches as many posts as it would in a
real forum. Two real accounts are made through ``DatabaseUserService.create_user`` (argon2);
every other member shares the member's password hash.

With the support plugin enabled, the biggest category after ``general`` is a support category
and its topics are questions (``support_questions``) with states, times, accepted answers and
claims (:func:`support_questions`); the topics and posts themselves are the same as without
the plugin, so the core-only data set of bench/run.py holds the same content.

The search index is not built here: run ``forum reindex`` afterwards (bench/run.py does, and
times it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select, text

BENCH_PASSWORD = "bench-password-1"
MEMBER = "bench_member"
ADMIN = "bench_admin"
#: the topic the benchmark loads: exactly this many posts, one full topic page
TOPIC_POSTS = 20

WORDS = """
the be to of and a in that have it for not on with he as you do at this but his by from they we
say her she or an will my one all would there their what so up out if about who get which go me
when make can like time no just him know take people into year your good some could them see
other than then now look only come its over think also back after use two how our work first
well way even new want because any these give day most us is are was were been has had did
account billing export import report dashboard server client api token webhook plugin theme
database backup restore upgrade migrate install configure setting password login session cookie
email notification search index query filter sort page category topic reply post member group
moderator admin permission role invite request vote idea status release version bug fix error
timeout crash slow fast memory cpu disk network proxy nginx waitress python pyramid sqlalchemy
sqlite postgresql whoosh markdown jinja template render cache header latency throughput load
test benchmark deploy docker linux windows macos browser mobile android iphone keyboard screen
printer invoice payment subscription plan trial discount customer partner support ticket
feature roadmap feedback question answer solution workaround issue problem thanks hello please
help sorry great awesome strange weird broken working tried again since yesterday today week
month translation russian dutch english french german spanish locale language unicode emoji
upload avatar image attachment file folder path link url redirect https certificate domain
schedule calendar meeting event conference community forum discussion thread archive spam
""".split()

#: syllables of the made-up words of the vocabulary's long tail (product names, jargon, typos)
SYLLABLES = ("ka ri to mu sel ven dor ax is pla tor gen quo bri zel fa nu dex lo mar tin pe "
             "ro sa vel cor un ter bo li ga shi wen yo hal ex im").split()
#: distinct words of the data set: WORDS (the most frequent), then made-up ones
VOCABULARY_SIZE = 30_000
#: distinct post bodies (rendered once each; posts reuse them): the rarest word of a body is in
#: about posts / DISTINCT_BODIES posts
DISTINCT_BODIES = 10_000
#: the version of what this module generates, part of the key bench/run.py keeps data sets
#: under: bump it when a data set made before would lack something (2: the support plugin's
#: questions)
DATA_VERSION = 2
#: the support category's questions are spread over this many weeks up to now (the staff
#: dashboard shows the last 12 by default)
SUPPORT_WEEKS = 20
#: a topic of the support category as the generator made it: its id, its author (the asker),
#: when it was started, and its replies (post id, author, time)
SupportTopic = tuple[int, int, dt.datetime, list[tuple[int, int, dt.datetime]]]


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """WORDS, then made-up words up to ``size``, in the order of their frequency rank."""
    rng = random.Random(7)
    words, seen = list(WORDS), set(WORDS)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCABULARY = vocabulary()
#: Zipf's law, as in natural text: the word of rank r is used in proportion to 1 / (r + 2.7),
#: so the 100 most frequent words make about half of all text and most words are rare
_CUMULATIVE = list(itertools.accumulate(1 / (rank + 2.7) for rank in range(1, len(VOCABULARY) + 1)))
#: what members search for: words past the most frequent ones (articles, verbs), from those a
#: few percent of posts use down to rare ones
QUERY_WORDS = VOCABULARY[100:3000]


def pick(rng: random.Random, k: int = 1) -> list[str]:
    """``k`` words drawn by their frequency in natural text."""
    return rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=k)


TECH = ["client.export(rows=20000)", "SELECT * FROM topics WHERE id = 1;",
        "pip install forum-core", "forum reindex --config forum.ini",
        "def handler(request):\n    return {'ok': True}",
        "curl -H 'Authorization: Bearer fk_x' https://example.com/api/v1/me"]


def sentence(rng: random.Random, lo: int = 5, hi: int = 18) -> str:
    words = pick(rng, rng.randint(lo, hi))
    if rng.random() < 0.15:
        words[rng.randrange(len(words))] = f"**{pick(rng)[0]}**"
    if rng.random() < 0.08:
        words[rng.randrange(len(words))] = f"`{pick(rng)[0]}()`"
    if rng.random() < 0.05:
        words.append(f"[docs](https://example.com/{pick(rng)[0]})")
    return " ".join(words).capitalize() + rng.choice(".....?!")


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 5)))


def markdown_body(rng: random.Random) -> str:
    """A post body of a realistic length: median about 300 characters, a long tail to ~5 KB,
    with the usual Markdown: paragraphs, lists, quotes, code blocks, links, emphasis."""
    target = min(6000, max(20, int(rng.lognormvariate(math.log(300), 0.9))))
    parts: list[str] = []
    size = 0
    while size < target:
        roll = rng.random()
        if roll < 0.65 or not parts:
            block = paragraph(rng) if target > 80 else sentence(rng, 2, 8)
        elif roll < 0.78:
            block = "\n".join(f"- {sentence(rng, 2, 8)}" for _ in range(rng.randint(2, 5)))
        elif roll < 0.86:
            block = "> " + sentence(rng)
        elif roll < 0.94:
            block = f"```\n{rng.choice(TECH)}\n```"
        else:
            block = "1. " + sentence(rng, 3, 8) + "\n2. " + sentence(rng, 3, 8)
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts)


def title(rng: random.Random) -> str:
    return " ".join(pick(rng, rng.randint(3, 9))).capitalize()[:120]


def slugify(text_: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text_.lower()).split())[:80]


def post_counts(rng: random.Random, topics: int, posts: int) -> list[int]:
    """Posts per topic: a long-tailed spread summing to ``posts`` (at least one each)."""
    weights = [rng.paretovariate(1.6) for _ in range(topics)]
    spare = posts - topics
    total = sum(weights)
    counts = [1 + int(w / total * spare) for w in weights]
    for i in rng.choices(range(topics), k=posts - sum(counts)):
        counts[i] += 1
    return counts


def _sqlite_fast(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")  # during generation only
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("PRAGMA cache_size=-200000")
    cursor.close()


def generate(config_path: Path, topics: int, posts: int, seed: int = 1,
             n_categories: int = 12, n_users: int | None = None,
             log: Any = print) -> dict[str, Any]:
    """Fill the (migrated, empty of content) forum of ``config_path``; returns facts the
    benchmark needs (ids, cursors, credentials) and timings."""
    from forum_core.accounts.models import User
    from forum_core.accounts.services import DatabaseUserService
    from forum_core.cli import db_session, environment
    from forum_core.content.models import Category, Post, Topic
    from forum_core.db import normalize_url
    from forum_core.rendering import Cooker

    started = time.perf_counter()
    posts = max(posts, topics)
    rng = random.Random(seed)
    n_users = n_users or max(50, min(20000, topics // 5))
    env = environment(config_path)
    url = normalize_url(env.settings["forum.database_url"])

    # two real accounts through the service (argon2), the rest share the member's hash
    with db_session(env) as session:
        users = DatabaseUserService(session)
        member = users.get_by_username(MEMBER) or users.create_user(
            MEMBER, "member@bench.example", BENCH_PASSWORD, role="member")
        admin = users.get_by_username(ADMIN) or users.create_user(
            ADMIN, "admin@bench.example", BENCH_PASSWORD, role="admin")
        shared_hash, member_id, admin_id = member.password_hash, member.id, admin.id
        if session.scalar(select(func.count()).select_from(Post)):
            raise SystemExit("the database holds posts already; generate into a new one")

    cooker = Cooker()
    t0 = time.perf_counter()
    pool = []
    for _ in range(min(DISTINCT_BODIES, posts)):
        source = markdown_body(rng)
        pool.append((source, cooker.cook(source).html))
    render_s = time.perf_counter() - t0

    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        event.listen(engine, "connect", _sqlite_fast)
    utc = dt.UTC
    now = dt.datetime.now(utc).replace(microsecond=0)
    start = now - dt.timedelta(days=730)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN")
        first_user = (conn.scalar(select(func.max(User.id))) or 0) + 1
        user_rows = [{"id": first_user + i, "username": f"member{i:05d}",
                      "email": f"member{i:05d}@bench.example", "password_hash": shared_hash,
                      "role": "member", "display_name": f"Member {i}", "is_demo": False,
                      "created_at": start + dt.timedelta(minutes=i), "status": "active",
                      "title": "", "bio": "", "avatar": ""} for i in range(n_users)]
        conn.execute(insert(User), user_rows)
        user_ids = [r["id"] for r in user_rows] + [member_id, admin_id]

        cat_weights = [rng.paretovariate(1.2) for _ in range(n_categories)]
        cat_weights[0] = max(cat_weights) * 1.5  # "general": the big one, with a deep listing
        # with the support plugin: the biggest category after "general" holds questions; its
        # topics' replies are noted as they are made (no draw of ``rng``: the content stays
        # the same as without the plugin)
        support_cat = (max(range(1, n_categories), key=cat_weights.__getitem__)
                       if "support" in env.hooks.enabled and n_categories > 1 else None)
        support_topics: list[SupportTopic] = []
        cat_rows = []
        for i in range(n_categories):
            name = "General" if i == 0 else f"{title(rng).split()[0]} {i}"
            cat_rows.append({"id": i + 1, "slug": "general" if i == 0 else f"cat-{i}",
                             "name": name, "description": sentence(rng), "position": i,
                             "parent_id": None, "read_access": "everyone",
                             "topic_access": "members", "reply_access": "members",
                             "topic_count": 0, "post_count": 0, "last_post_at": None,
                             "last_topic_id": None, "created_at": start})

        counts = post_counts(rng, topics, posts)
        # the benchmark's topic: in the big category, exactly TOPIC_POSTS posts
        bench_topic = topics // 2 + 1
        if topics >= 2 and posts >= topics + TOPIC_POSTS:
            diff = counts[bench_topic - 1] - TOPIC_POSTS
            counts[bench_topic - 1] = TOPIC_POSTS
            donor = max(range(topics), key=counts.__getitem__)
            counts[donor] += diff
            if counts[donor] < 1:  # pragma: no cover - tiny data sets
                counts[donor], counts[bench_topic - 1] = 1, TOPIC_POSTS - (1 - counts[donor])
        span = (now - start).total_seconds()
        topic_rows, post_batch = [], []
        post_id = 0
        inserted_posts = 0
        batch_size = 20000
        for t in range(topics):
            tid = t + 1
            cat = 0 if tid == bench_topic else rng.choices(range(n_categories), cat_weights)[0]
            created = start + dt.timedelta(seconds=span * t / topics)
            author = rng.choice(user_ids)
            ttitle = title(rng)
            when, last_user = created, author
            replies: list[tuple[int, int, dt.datetime]] | None = (
                [] if cat == support_cat else None)
            for number in range(1, counts[t] + 1):
                post_id += 1
                user = author if number == 1 else rng.choice(user_ids)
                if number > 1:
                    when = when + dt.timedelta(minutes=rng.randint(1, 600))
                    when = min(when, now)
                source, html = pool[rng.randrange(len(pool))]
                post_batch.append({"id": post_id, "topic_id": tid, "user_id": user,
                                   "number": number, "source": source, "html": html,
                                   "created_at": when, "edited_at": None, "edit_count": 0,
                                   "is_deleted": False, "is_hidden": False,
                                   "is_held": False})
                last_user = user
                if replies is not None and number > 1:
                    replies.append((post_id, user, when))
            if replies is not None:
                support_topics.append((tid, author, created, replies))
            topic_rows.append({"id": tid, "category_id": cat + 1, "user_id": author,
                               "title": ttitle, "slug": slugify(ttitle), "created_at": created,
                               "last_post_at": when, "last_post_user_id": last_user,
                               "post_number_seq": counts[t], "reply_count": counts[t] - 1,
                               "is_pinned": tid <= 2, "is_locked": False, "is_closed": False,
                               "is_deleted": False, "is_held": False})
            c = cat_rows[cat]
            c["topic_count"] += 1
            c["post_count"] += counts[t]
            if c["last_post_at"] is None or when >= c["last_post_at"]:
                c["last_post_at"], c["last_topic_id"] = when, tid
            if len(post_batch) >= batch_size:
                if inserted_posts == 0:
                    conn.execute(insert(Category), cat_rows)  # counters fixed below
                flush_topics = [r for r in topic_rows if "_done" not in r]
                conn.execute(insert(Topic), [{k: v for k, v in r.items()} for r in flush_topics])
                for r in flush_topics:
                    r["_done"] = True
                conn.execute(insert(Post), post_batch)
                inserted_posts += len(post_batch)
                post_batch = []
                log(f"  {inserted_posts:,} posts...", file=sys.stderr)
        if inserted_posts == 0:
            conn.execute(insert(Category), cat_rows)
        rest = [{k: v for k, v in r.items() if k != "_done"} for r in topic_rows
                if "_done" not in r]
        if rest:
            conn.execute(insert(Topic), rest)
        if post_batch:
            conn.execute(insert(Post), post_batch)
        for c in cat_rows:
            conn.execute(Category.__table__.update().where(Category.id == c["id"]).values(
                topic_count=c["topic_count"], post_count=c["post_count"],
                last_post_at=c["last_post_at"], last_topic_id=c["last_topic_id"]))
        support_facts: dict[str, Any] = {}
        if support_cat is not None:
            support_facts = support_questions(conn, cat_rows[support_cat], support_topics,
                                              admin_id, now, seed)
        if not sqlite:
            for table, column in (("users", "id"), ("categories", "id"), ("topics", "id"),
                                  ("posts", "id")):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                  f"'{column}'), (SELECT max({column}) FROM {table}))"))
    insert_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        # the cursor of a deep page of the big category's listing (about 90% of the way)
        per_page = 30
        general = cat_rows[0]["topic_count"]
        pages = max(1, math.ceil(general / per_page))
        deep_page = max(1, int(pages * 0.9))
        deep_row = None
        if deep_page > 1:
            row = conn.execute(
                select(Topic.is_pinned, Topic.last_post_at, Topic.id)
                .where(Topic.category_id == 1)
                .order_by(Topic.is_pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc())
                .offset((deep_page - 1) * per_page - 1).limit(1)).one()
            # the row, not a cursor: cursors are written by the forum at run time, so a data
            # set made before their form changed still loads the deep page
            deep_row = [row.is_pinned, row.last_post_at.isoformat(), row.id]
    engine.dispose()
    facts = {"topics": topics, "posts": post_id, "users": n_users + 2,
             "categories": n_categories, "bench_topic": bench_topic,
             "bench_topic_slug": slugify(next(r["title"] for r in topic_rows
                                               if r["id"] == bench_topic)),
             "big_category": "general", "big_category_topics": general,
             "deep_page": deep_page, "deep_row": deep_row,
             "member": MEMBER, "admin": ADMIN, "password": BENCH_PASSWORD,
             "render_pool_s": round(render_s, 2), "insert_s": round(insert_s, 2),
             "analyze_s": round(time.perf_counter() - t0, 2),
             "total_s": round(time.perf_counter() - started, 2)}
    facts.update(support_facts)
    if "kb" in env.hooks.enabled:
        facts.update(knowledge_base(env, rng))
    return facts



def support_questions(conn: Any, category: dict[str, Any], topics: list[SupportTopic],
                      staff_id: int, now: dt.datetime, seed: int) -> dict[str, Any]:
    """Make ``category`` a support category and its topics questions, in two Core inserts.

    The questions are spread evenly over the last ``SUPPORT_WEEKS`` weeks, in the order of
    their topics (the topics themselves keep their dates, spread over two years, so that the
    data set is the same with and without the plugin); each keeps its topic's own rhythm: its
    replies come as long after it was asked as they came after the topic started, and those
    that would come after now have not come yet. States, overall: about 60% solved (fewer
    among the newest, which had no time to be), 25% answered, 10% open (plus the newest,
    answered by no one yet), 5% needing more information; a fifth of the questions waiting
    are claimed by ``staff_id`` (the administrator). A solved question's accepted answer is
    one of its first replies by someone other than the asker (a post of that topic, number
    > 1), accepted some hours after it was written, by the asker or the administrator; half
    of the askers said whether it helped."""
    from forum_support.models import (
        ANSWERED,
        NEEDS_INFO,
        OPEN,
        SOLVED,
        Question,
        SupportCategory,
    )

    # its own random numbers: the content generated before does not depend on the plugin
    rng = random.Random(seed * 7919 + 23)
    window = dt.timedelta(weeks=SUPPORT_WEEKS)
    first_day = now - window
    hour = dt.timedelta(hours=1)
    rows = []
    for rank, (topic_id, asker, created, replies) in enumerate(topics):
        asked = (first_day + window * ((rank + rng.random()) / len(topics))).replace(
            microsecond=0)
        came = [(post_id, user, asked + (when - created)) for post_id, user, when in replies
                if asked + (when - created) <= now]
        others = [reply for reply in came if reply[1] != asker]
        row = {"topic_id": topic_id, "category_id": category["id"], "asker_id": asker,
               "state": OPEN, "asked_at": asked, "first_response_at": None,
               "last_reply_at": None, "solved_at": None, "accepted_post_id": None,
               "accepted_by_id": None, "claimed_by_id": None, "claimed_at": None,
               "helpful": None, "private_topic_id": None}
        # a question needs some days to be solved: the newest are answered more often
        ripe = min(1.0, (now - asked) / dt.timedelta(days=10))
        state = rng.choices((OPEN, NEEDS_INFO, ANSWERED, SOLVED),
                            (0.10, 0.05, 0.25 + 0.60 * (1 - ripe), 0.60 * ripe))[0]
        if others and state != OPEN:
            row.update(state=state, first_response_at=others[0][2], last_reply_at=came[-1][2])
        if row["state"] == SOLVED:
            post_id, _author, written = rng.choice(others[:5])
            row.update(accepted_post_id=post_id,
                       accepted_by_id=asker if rng.random() < 0.85 else staff_id,
                       solved_at=min(now, written + hour * rng.uniform(0.2, 72)).replace(
                           microsecond=0))
            if rng.random() < 0.5:
                row["helpful"] = rng.random() < 0.85
        elif rng.random() < 0.2:
            row.update(claimed_by_id=staff_id,
                       claimed_at=min(now, asked + hour * rng.uniform(0.1, 48)).replace(
                           microsecond=0))
        rows.append(row)
    conn.execute(insert(SupportCategory), [{"category_id": category["id"],
                                            "experts_group_id": None, "close_after_days": 0,
                                            "created_at": first_day - window}])
    if rows:
        conn.execute(insert(Question), rows)
    states = {state: sum(row["state"] == state for row in rows)
              for state in (OPEN, ANSWERED, NEEDS_INFO, SOLVED)}
    return {"support_category": category["slug"], "support_questions": len(rows),
            "support_weeks": SUPPORT_WEEKS, "support_states": states,
            "support_claimed": sum(row["claimed_by_id"] is not None for row in rows)}


#: articles of the knowledge base's benchmark section, each of six headed parts
KB_ARTICLES = 40


def knowledge_base(env: Any, rng: random.Random) -> dict[str, Any]:
    """A knowledge base section of published articles (when the kb plugin is enabled),
    written through the plugin's own service as the administrator; the facts name the
    section's and one article's addresses."""
    from forum_kb.services import KnowledgeBase
    from pyramid.authorization import Authenticated, Everyone

    from forum_core.accounts.models import User
    from forum_core.cli import db_session
    from forum_core.visibility import Viewer

    with db_session(env) as session:
        admin = session.scalar(select(User).where(User.username == ADMIN))
        viewer = Viewer(admin, frozenset({Everyone, Authenticated, f"user:{admin.id}",
                                          "role:admin"}), env.hooks)
        kb = KnowledgeBase(session, viewer)
        section = kb.save_section(None, "Guides", "How-to articles of the benchmark.")
        article = None
        for _ in range(KB_ARTICLES):
            body = "\n\n".join(f"## {title(rng)}\n\n{markdown_body(rng)[:4000]}"
                                 for _ in range(6))
            article = kb.create_article(section, title(rng), body, publish=True)
        assert article is not None
        return {"kb_section": section.slug,
                "kb_article": f"/kb/a/{article.id}/{article.slug}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    facts = generate(args.config, args.topics, args.posts, args.seed,
                     log=lambda *a, **k: print(*a, **k))
    print(json.dumps(facts, indent=2, default=str))


if __name__ == "__main__":
    main()
