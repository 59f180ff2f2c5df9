"""How long the knowledge base takes to compare two long revisions of an article.

    .venv/bin/python bench/kb_diff.py [--chars 30000] [--rounds 7]

Makes a forum in a temporary folder (``forum init``: every bundled plugin, SQLite), an
article of ``--chars`` characters of Markdown and a second revision of it with about one word
in twenty changed, a paragraph removed and one added. It measures, as medians of
``--rounds``:

* the word-level comparison alone (``forum_kb.text.compare`` and its HTML);
* the diff page (``/kb/a/<id>/diff?from=1&to=2``) rendered through the real WSGI
  application for a visitor, uncached (a render every time);
* the yardstick: the core's Markdown pipeline rendering the same text once (what saving
  a post of that length costs), since the core's limits on a post's length are set so
  that this stays quick.

It prints one Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from generate import markdown_body, title
from scratch import new_forum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="forum-kbdiff-") as folder:
        run(Path(folder), args.chars, args.rounds)


def long_text(rng: random.Random, chars: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < chars:
        parts.append(f"## {title(rng)}" if len(parts) % 5 == 0 else markdown_body(rng)[:1500])
    return "\n\n".join(parts)[:chars]


def edited(rng: random.Random, text: str) -> str:
    paragraphs = text.split("\n\n")
    del paragraphs[len(paragraphs) // 3]
    paragraphs.insert(len(paragraphs) // 2, markdown_body(rng)[:800])
    words = "\n\n".join(paragraphs).split(" ")
    for index in range(0, len(words), 20):
        words[index] = title(rng).split()[0]
    return " ".join(words)


def median_ms(rounds: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(folder: Path, chars: int, rounds: int) -> None:
    import webtest
    from forum_kb.services import KnowledgeBase
    from forum_kb.text import changes_html, compare
    from pyramid.authorization import Authenticated, Everyone
    from sqlalchemy import select

    from forum_core.accounts.models import User
    from forum_core.app import close_app, make_wsgi_app
    from forum_core.cli import db_session
    from forum_core.rendering import Cooker
    from forum_core.visibility import Viewer

    env = new_forum(folder)
    rng = random.Random(7)
    old = long_text(rng, chars)
    new = edited(rng, old)[:32_000]
    with db_session(env) as session:
        admin = session.scalar(select(User).where(User.role == "admin"))
        viewer = Viewer(admin, frozenset({Everyone, Authenticated, f"user:{admin.id}",
                                          "role:admin"}), env.hooks)
        kb = KnowledgeBase(session, viewer)
        section = kb.save_section(None, "Bench", "Long articles.")
        article = kb.create_article(section, "A long article", old, publish=True)
        kb.save(article, article.latest_revision_id, "A long article", new, publish=True)
        article_id = article.id
    compared = median_ms(rounds, lambda: changes_html(compare(old, new)))
    cooker = Cooker()
    cooked = median_ms(rounds, lambda: cooker.cook(new))
    app = make_wsgi_app(env.settings, env)
    client = webtest.TestApp(app)
    path = f"/kb/a/{article_id}/diff?from=1&to=2"
    client.get(path)  # (the first request of a process builds its templates)
    page = median_ms(rounds, lambda: client.get(path))
    close_app(app)
    print(f"\nSQLite; revisions of {len(old):,} and {len(new):,} characters; median of "
          f"{rounds}.\n")
    print("| what | kind | ms |")
    print("|---|---|---:|")
    print(f"| compare the two revisions word by word, with its HTML | work | {compared:.1f} |")
    print(f"| the diff page, visitor | render | {page:.1f} |")
    print(f"| yardstick: render the newer text as a post (Markdown pipeline) | work | "
          f"{cooked:.1f} |")


if __name__ == "__main__":
    main()
