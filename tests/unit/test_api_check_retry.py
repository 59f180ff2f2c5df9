"""check_api runs schemathesis once more only when it stopped on CPython 3.11's AST counter
race, never on an error that says something about the API."""
from types import SimpleNamespace

from forum_core.testing import _ast_counter_race


def test_only_the_interpreter_race_earns_a_second_run() -> None:
    race = SystemError("AST constructor recursion depth mismatch (before=66, after=90)")
    assert _ast_counter_race(SimpleNamespace(value=race))
    assert not _ast_counter_race(SimpleNamespace(value=SystemError("something else")))
    assert not _ast_counter_race(SimpleNamespace(value=ValueError("recursion depth mismatch")))
    assert not _ast_counter_race(SimpleNamespace())
