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
