"""The one id parser and the patterns the API's document declares agree with what the server
checks, character for character (and in the validator's reading of a pattern too)."""

from __future__ import annotations

import datetime as dt
import re
import sys

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum_core import limits
from forum_core.pagination import BadCursor, cursor_pattern, decode_cursor, encode_cursor


@pytest.mark.parametrize(("raw", "expected"), [
    ("0", 0), ("7", 7), ("007", 7), ("9" * 18, 10**18 - 1),
    ("9" * 19, None), ("", None), ("²", None), ("٣", None), ("１", None), ("1²", None),
    ("-1", None), ("+1", None), (" 1", None), ("1 ", None), ("1.0", None), ("1_000", None),
    (None, None), (5, None),
])
def test_parse_id_takes_ascii_digits_that_fit_64_bits(raw, expected):
    assert limits.parse_id(raw) == expected


def test_parse_id_refuses_a_number_above_the_maximum():
    assert limits.parse_id("99", maximum=99) == 99
    assert limits.parse_id("100", maximum=99) is None
    assert limits.MAX_ID < 2**63


def test_white_space_is_what_python_strips_less_the_control_characters():
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    declared = {chr(c) for c in range(sys.maxunicode + 1)
                if re.fullmatch(f"[{limits.WHITESPACE}]", chr(c))}
    assert declared == {c for c in spaces if not limits.has_text_controls(c)}


def _fullmatch_as_declared(pattern: str, text: str) -> bool:
    """What JSON Schema's validator makes of ``pattern`` (ECMA-262, searched)."""
    return jsonschema_rs.Draft202012Validator({"pattern": pattern}).is_valid(text)


#: text that is likely to hit the edges: white space of every kind, control characters
EDGY = st.text(st.sampled_from(
    "ab é\t\n\r\x00\x01\x0b\x1f\x7f\x85\x9f\xa0\u1680\u2000\u200b\u2028\u3000\ufeff"),
    max_size=8)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=EDGY, minimum=st.integers(0, 3))
def test_a_line_pattern_is_the_rule_the_services_check(text, minimum):
    server = not limits.has_line_controls(text) and len(text.strip()) >= minimum
    assert _fullmatch_as_declared(limits.line_pattern(minimum), text) == server
    assert (re.fullmatch(limits.line_pattern(minimum), text) is not None) == server


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=EDGY, required=st.booleans())
def test_a_text_pattern_is_the_rule_the_services_check(text, required):
    server = not limits.has_text_controls(text) and (bool(text.strip()) or not required)
    assert _fullmatch_as_declared(limits.text_pattern(required), text) == server


TOPIC_KINDS = (bool, dt.datetime, int)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.one_of(st.text(max_size=40),
                      st.from_regex(cursor_pattern(TOPIC_KINDS).rstrip("$"), fullmatch=True),
                      st.from_regex(r"[0-9.²٣-]{1,40}", fullmatch=True)))
def test_every_cursor_of_the_pattern_decodes_and_nothing_else_does(text):
    kinds = TOPIC_KINDS
    try:
        decoded = decode_cursor(text, kinds)
    except BadCursor:
        assert not _fullmatch_as_declared(cursor_pattern(kinds), text)
    else:
        assert _fullmatch_as_declared(cursor_pattern(kinds), text)
        assert decode_cursor(encode_cursor(decoded), kinds) == decoded


def test_a_cursor_keeps_its_time_to_the_microsecond():
    moment = dt.datetime(2026, 12, 6, 15, 14, 24, 123456, tzinfo=dt.UTC)
    kinds = TOPIC_KINDS
    cursor = encode_cursor([True, moment, 42])
    assert decode_cursor(cursor, kinds) == [True, moment, 42]
    assert re.fullmatch(cursor_pattern(kinds), cursor)
