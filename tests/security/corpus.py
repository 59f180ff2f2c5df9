"""The hostile inputs of xss_corpus.txt, shared by the sanitizer and browser tests."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).with_name("xss_corpus.txt")
SEPARATOR = "\n%%%%\n"


def load_corpus() -> list[str]:
    """Every payload of the corpus (the header before the first separator is not one)."""
    records = CORPUS.read_text(encoding="utf-8").split(SEPARATOR)[1:]
    return [record.rstrip("\n") for record in records]


#: Topic titles, display names, member titles and bios: text members control outside posts.
TITLES = [
    "<script>window.__xss(201)</script> title",
    '"><img src=x onerror=window.__xss(202)>',
    "</title><script>window.__xss(203)</script>",
    "' onmouseover='window.__xss(204)' x='",
    '<svg onload=alert(205)> {{ 7*7 }} ${alert(205)}',
    "javascript:window.__xss(206)",
    "</textarea><img src=x onerror=window.__xss(207)>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss(208)">',
    "&lt;img src=x onerror=window.__xss(209)&gt;",
    "--><img src=x onerror=window.__xss(210)><!--",
    '\u2028"};window.__xss(211);//',
    "<a href=javascript:window.__xss(212)>t</a>",
    "<iframe srcdoc='<script>parent.__xss(213)</script>'>",
    "<img src=x onerror=alert(214)> ]]> <!-- x",
]
DISPLAY_NAME = '"><img src=x onerror=window.__xss(301)>'
MEMBER_TITLE = "<svg onload=window.__xss(302)>"
BIO = ("<script>window.__xss(303)</script>\n[x](javascript:window.__xss(304))\n"
       '"><img src=x onerror=window.__xss(305)>\n</p><iframe src=javascript:alert(306)>')


#: Hostile values for every form field, path segment, query parameter and API string of the
#: forum (tests/security/test_hostile_everywhere.py): text a view must refuse or accept
#: quickly, never with a 500 or a stall. Bytes are sent as they are (%-encoded in URLs and
#: forms), so they can be what no browser sends: bytes that are not UTF-8.
HOSTILE: list[tuple[str, str | bytes]] = [
    ("nul", "a\x00b"),
    ("not-utf8", b"\xff\xfe"),
    ("utf8-surrogate", b"\xed\xa0\x80"),
    ("overlong-utf8", b"\xc0\xaf"),
    ("empty", ""),
    ("white-space", " \t\u3000\u200b "),
    ("controls", "\x1b[31m\x07\x7f"),
    ("line-breaks", "a\r\nSet-Cookie: x=1\r\n\r\nb"),
    ("bidi", "\u202egnp.exe\u2066x"),
    ("astral", "\U0001f600" * 500),
    ("huge", "x" * 100_001),
    ("over-a-post", "y" * 32_001),
    ("fence-and-spaces", "```" + " " * 30_000),
    ("fence-and-quotes", '```hl_lines="\n' + '"\n' * 15_000),
    ("brackets", "[" * 10_000),
    ("quotes-deep", "> " * 5_000 + "x"),
    ("words", "a " * 60_000),
    ("entities", "&amp;" * 24_000),
    ("big-number", "9" * 40),
    ("negative", "-1"),
    ("float", "1e309"),
    ("nan", "NaN"),
    ("sql", "' OR 1=1; DROP TABLE users; --"),
    ("format", "%s%n%x{0}${x}{{7*7}}%(x)s"),
    ("traversal", "../../../etc/passwd"),
    ("percent", "%00%ff%2e%2e"),
    ("html", TITLES[1]),
    ("script-url", "javascript:alert(1)//"),
    ("other-host", "//evil.example/x"),
]
