"""The Whoosh backend on its own: what a search returns as the index changes under the
searcher it keeps (its segments, their documents' lengths and hits held in memory)."""

from __future__ import annotations

import datetime as dt

from forum_core.contenttypes import SearchDocument
from forum_core.search.backends import WhooshBackend
from forum_core.search.query import IndexQuery, parse_text

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def doc(type_: str, key: int, body: str, title: str = "", category: int = 1) -> SearchDocument:
    return SearchDocument(type_, key, title, body, WHEN + dt.timedelta(minutes=key),
                          category, 1)


def found(backend: WhooshBackend, text: str, newest: bool = False,
          hidden: tuple[int, ...] = ()) -> list[tuple[str, int]]:
    return backend.search(IndexQuery(parse_text(text), newest=newest,
                                     hidden_category_ids=hidden))


def test_hits_stay_right_across_segments_updates_and_merges(tmp_path):
    backend = WhooshBackend(tmp_path / "search", background=False)
    backend.rebuild([doc("topic", key, "harbour crane") for key in range(1, 6)])
    assert sorted(found(backend, "harbour")) == [("topic", key) for key in range(1, 6)]
    # each write adds a segment: numbers of documents go on from the earlier segments
    for first in (100, 200, 300):
        backend.update([doc("post", key, f"harbour batch{first}")
                        for key in range(first, first + 4)], [])
        assert sorted(found(backend, f"batch{first}")) == \
            [("post", key) for key in range(first, first + 4)]
    # an updated document moves to a new segment; a removed one is gone
    backend.update([doc("topic", 3, "lighthouse")], [("topic", 1), ("post", 201)])
    assert ("topic", 3) not in found(backend, "harbour")
    assert found(backend, "lighthouse") == [("topic", 3)]
    expected = {("topic", 2), ("topic", 4), ("topic", 5),
                *(("post", key) for key in (100, 101, 102, 103, 200, 202, 203,
                                            300, 301, 302, 303))}
    assert set(found(backend, "harbour")) == expected
    # the same hits, read again from segments the searcher already met, in the same order
    assert found(backend, "harbour", newest=True) == found(backend, "harbour", newest=True)
    assert found(backend, "harbour", newest=True)[:2] == [("post", 303), ("post", 302)]
    # a full rebuild (new segments throughout) forgets every earlier number
    backend.rebuild([doc("idea", 7, "harbour")])
    assert found(backend, "harbour") == [("idea", 7)]


def test_shorter_fields_rank_first_with_lengths_held_in_memory(tmp_path):
    backend = WhooshBackend(tmp_path / "search", background=False)
    backend.rebuild([doc("post", 1, "anchor " + "filler " * 60),
                     doc("post", 2, "anchor and rope"),
                     doc("post", 3, "anchor " + "filler " * 10)])
    assert found(backend, "anchor") == [("post", 2), ("post", 3), ("post", 1)]
    backend.update([doc("post", 4, "anchor")], [])  # a new segment, its lengths read too
    assert found(backend, "anchor") == [("post", 4), ("post", 2), ("post", 3), ("post", 1)]


def test_an_empty_index_finds_nothing(tmp_path):
    backend = WhooshBackend(tmp_path / "search", background=False)
    backend.rebuild([])
    assert found(backend, "harbour") == []
    backend.update([doc("post", 1, "harbour")], [])
    assert found(backend, "harbour") == [("post", 1)]


def test_closed_categories_stay_left_out_as_documents_move(tmp_path):
    """The documents of closed categories are listed once per searcher: a document moved
    into a closed category (or added there) is left out at once, one moved out is found."""
    backend = WhooshBackend(tmp_path / "search", background=False)
    backend.rebuild([doc("topic", 1, "ferry", category=1), doc("topic", 2, "ferry", category=2),
                     doc("topic", 3, "ferry", category=3)])
    assert sorted(found(backend, "ferry", hidden=(2,))) == [("topic", 1), ("topic", 3)]
    assert sorted(found(backend, "ferry", hidden=(2, 3))) == [("topic", 1)]
    backend.update([doc("topic", 1, "ferry", category=2), doc("topic", 4, "ferry", category=2),
                    doc("topic", 2, "ferry", category=1)], [])
    assert sorted(found(backend, "ferry", hidden=(2,))) == [("topic", 2), ("topic", 3)]
    assert found(backend, "ferry", hidden=(3, 2)) == [("topic", 2)]
    assert len(found(backend, "ferry")) == 4


def test_every_documents_hit_is_read_ahead_when_a_segment_opens(tmp_path):
    """In the web application a thread reads the hits of a new segment's documents, so that
    searches find them in memory, also those no search has returned yet."""
    from forum_core.search.backends import _TYPE_NAMES

    backend = WhooshBackend(tmp_path / "search", background=True)
    backend.rebuild([doc("topic", key, f"word{key} common") for key in range(1, 301)])
    backend.update([doc("post", 1000, "common")], [("topic", 5)])
    assert found(backend, "word7") == [("topic", 7)]  # opens the searcher
    backend._learning.join(30)
    with backend._searcher() as searcher:
        _, segments = searcher.forum_segments
        readers = [reader for reader, _ in searcher.reader().leaf_readers()]
        assert len(readers) == 2
        for reader, segment in zip(readers, segments, strict=True):
            for local in range(reader.doc_count_all()):
                if reader.is_deleted(local):
                    continue
                fields = reader.stored_fields(local)
                assert (_TYPE_NAMES[segment.types[local] - 1], segment.keys[local]) == \
                    (fields["type"], int(fields["key"]))
    hits = set(found(backend, "common"))
    assert hits == {("post", 1000), *(("topic", key) for key in range(1, 301) if key != 5)}
