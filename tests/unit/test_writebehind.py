"""The writers behind (visits, views) of an application that is closed."""

from __future__ import annotations

import gc
import weakref

from forum_core.db import make_engine
from forum_core.writebehind import WriteBehind, close_writer, writer_of


class Counts(WriteBehind[int, int]):
    written: list[dict[int, int]] = []

    def combine(self, old: int, new: int) -> int:
        return old + new

    def write(self, connection, values):
        Counts.written.append(dict(values))


def test_a_closed_writer_is_written_out_and_not_kept_for_the_exit(tmp_path):
    """Closing writes what was gathered; the closed writer (with its application's engine
    and statement cache) is then not kept alive until the process exits: a process that
    goes on, such as a test run making thousands of applications, would keep all of them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    registry = {"forum.db_engine": engine}
    writer = writer_of(registry, "test.counts", Counts)
    assert writer_of(registry, "test.counts", Counts) is writer
    writer.add(7, 2)
    writer.add(7, 3)
    close_writer(registry, "test.counts")
    assert Counts.written[-1] == {7: 5}
    gone = weakref.ref(writer)
    del writer, registry
    gc.collect()
    assert gone() is None
    engine.dispose()
