"""The sanitizer's promise, checked on its output: whatever a member writes, the cooked HTML
holds only the allowlist's tags and attributes and only its URL schemes, as a browser would
read them. Checked on every payload of the XSS corpus and on inputs Hypothesis generates
from dangerous tags, attributes, obfuscated schemes and Markdown syntax."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum_core.rendering import (
    FORBIDDEN_ATTRIBUTES,
    FORBIDDEN_PROTOCOLS,
    FORBIDDEN_TAGS,
    Cooker,
    RenderError,
)
from tests.security.corpus import load_corpus

COOKER = Cooker()
ALLOW = COOKER.allowlist
# The test's own list of what must never come out, whatever the module's constants say (a
# change that loosens them must fail here).
NEVER_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "svg", "math", "form",
              "input", "button", "textarea", "select", "link", "meta", "base", "noscript",
              "template", "xmp", "plaintext", "noembed", "title", "body", "html", "details"}
NEVER_ATTRIBUTES = {"style", "srcdoc", "formaction", "srcset", "background", "autofocus"}
NEVER_SCHEMES = {"javascript", "vbscript", "data", "file", "filesystem", "blob"}
#: Attributes the sanitizer itself adds: bleach's linkifier marks outside links.
ADDED = {"a": {"rel"}}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
# what a browser ignores in a URL before reading its scheme (the URL standard)
URL_NOISE = re.compile(r"[\t\n\r]")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


FORUM = "https://forum.example/t/1/a-topic"


def leaves_the_forum(href: str) -> bool:
    """Whether a browser on a forum page follows ``href`` to another site (or scheme)."""
    url = URL_NOISE.sub("", href).strip("".join(map(chr, range(0x21)))).replace("\\", "/")
    try:
        target = urlsplit(urljoin(FORUM, url))
    except ValueError:  # e.g. "//[": no browser follows it to this forum either
        return True
    return (target.scheme, target.netloc) != ("https", "forum.example")


def mention_url(name: str) -> str | None:
    return f"/u/{name}" if name == "mira" else None


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOW.tags or tag in FORBIDDEN_TAGS | NEVER_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOW.attributes.get(tag, set()) | ALLOW.attributes.get("*", set()) \
            | ADDED.get(tag, set())
        for name, value in attrs:
            if name not in allowed or name.startswith("on") \
                    or name in FORBIDDEN_ATTRIBUTES | NEVER_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                url = URL_NOISE.sub("", value).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                      "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                      "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                      "\x1e\x1f ")
                scheme = SCHEME.match(url)
                if scheme and (scheme.group(1).lower() not in ALLOW.protocols
                               or scheme.group(1).lower() in FORBIDDEN_PROTOCOLS | NEVER_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

        values = dict(attrs)
        if tag == "a" and values.get("href") is not None and leaves_the_forum(values["href"]) \
                and values.get("rel") != "nofollow ugc":
            self.problems.append(f"link to another site without nofollow: {values['href']!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data}]>")


def problems_of(html: str) -> list[str]:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


def cooked(source: str) -> str | None:
    """The cooked HTML of ``source``, or None when the forum refuses the text."""
    try:
        return COOKER.cook(source, mention_url).html
    except RenderError:
        return None


def test_the_checker_catches_what_the_sanitizer_must_remove():
    """The checker itself can fail: raw dangerous HTML is reported."""
    assert problems_of('<p><img src="x" onerror="alert(1)"></p>') == ["attribute onerror on <img>"]
    assert problems_of('<a href="jav&#x09;ascript:alert(1)">x</a>') == [
        "href='jav\\tascript:alert(1)' on <a>",
        "link to another site without nofollow: 'jav\\tascript:alert(1)'"]
    assert problems_of('<svg onload="x"></svg><!-- c -->') == [
        "tag <svg>", "attribute onload on <svg>", "comment <!-- c -->"]
    assert problems_of('<a href="https://example.com/?q=javascript:x" rel="nofollow ugc">x</a>'
                       '<a href="/t/1">y</a>') == []
    assert problems_of('<a href="/&#9;/evil.example">x</a>') == [
        "link to another site without nofollow: '/\\t/evil.example'"]


@pytest.mark.parametrize("source", [
    "[x](/\\evil.example)", "[x](/&#9;/evil.example)", "[x](/&#92;evil.example)",
    "[x](/&#x2F;evil.example)", "[x](&#32;//evil.example)", "[x](/&#10;/evil.example)",
    "[x](//evil.example)", "[x](https://evil.example)", "<https://evil.example>",
    "www.evil.com", "[x][r]\n\n[r]: /&#x5C;evil.example",
])
def test_links_to_other_sites_are_never_followable(source):
    """Only paths on the forum itself stay followable: a link a browser takes to another host
    (however its slashes are written) is marked ``rel="nofollow ugc"``."""
    html = cooked(source)
    assert html is not None and "<a " in html, html
    assert problems_of(html) == [], html
    assert 'rel="nofollow ugc"' in html, html


def test_links_inside_the_forum_stay_followable():
    for source, href in (("@mira", "/u/mira"), ("[t](/t/1/a-topic)", "/t/1/a-topic"),
                         ("[s](/search?q=%5Cx)", "/search?q=%5Cx")):
        html = cooked(source)
        assert f'<a class="mention" href="{href}">' in html or f'<a href="{href}">' in html, html


@pytest.mark.parametrize("payload", load_corpus())
def test_every_corpus_payload_is_cooked_to_allowlisted_html(payload):
    html = cooked(payload)
    assert html is not None, "the corpus is meant to be posted, not refused"
    assert problems_of(html) == [], html


# -- generated inputs -----------------------------------------------------------------------

TAGS = sorted(FORBIDDEN_TAGS | ALLOW.tags | {"body", "details", "video", "audio", "source",
                                             "isindex", "marquee", "img", "a", "mglyph",
                                             "mtext", "title", "keygen", "image", "use"})
ATTRIBUTES = ["onerror", "onload", "onmouseover", "ONCLICK", "onfocus", "style", "href", "src",
              "srcdoc", "formaction", "xlink:href", "class", "title", "data-post", "srcset",
              "background", "autofocus", "action", "align"]
SCHEMES = ["javascript:", "JaVaScRiPt:", "jav&#x09;ascript:", "&#106;avascript:", "java\tscript:",
           "jav&#x0A;ascript:", "javascript&colon;", "&#x6A;avascript&#58;", " javascript:",
           "\\javascript:", "vbscript:", "VBScript:", "data:text/html,", "data:image/svg+xml,",
           "file:///", "filesystem:", "http://", "https://", "mailto:", "//", "", "java%0ascript:"]
CALL = st.sampled_from(["alert(1)", "window.__xss(1)", "x", "<script>alert(1)</script>", '"',
                        "'", ">", '" onmouseover="alert(1)', "&quot;><img src=x onerror=alert(1)>"])
WORD = st.text(alphabet="ab <>\"'=/&#;:()[]`*_-!@\n", max_size=8)


@st.composite
def urls(draw) -> str:
    return draw(st.sampled_from(SCHEMES)) + draw(CALL)


@st.composite
def html_tags(draw) -> str:
    tag = draw(st.sampled_from(TAGS))
    if draw(st.booleans()):
        tag = tag.upper()
    attrs = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(ATTRIBUTES))
        value = draw(st.one_of(urls(), CALL))
        quote = draw(st.sampled_from(['"', "'", "", "`"]))
        attrs.append(f"{name}={quote}{value}{quote}")
    closing = draw(st.sampled_from(["", f"</{tag}>", "/>", "<!--", "-->", "]]>"]))
    inner = draw(st.one_of(WORD, CALL))
    return f"<{tag} {' '.join(attrs)}>{inner}{closing}"


@st.composite
def markdown_bits(draw) -> str:
    url = draw(urls())
    text = draw(st.one_of(WORD, CALL))
    title = draw(CALL)
    return draw(st.sampled_from([
        f"[{text}]({url})", f"![{text}]({url})", f'[{text}]({url} "{title}")',
        f"[{text}]({url} '{title}')", f"[{text}](<{url}>)", f"<{url}>", url,
        f"[{text}][r]\n\n[r]: {url} \"{title}\"\n", f"![{text}][r]\n\n[r]: {url}\n",
        f"`{text}{url}`", f"```{title}\n{url}\n```\n", f"> {text}[x]({url})",
        f"* {text}\n* [y]({url})", f"@mira{text}", f"@{text}",
        f"[quote post=1 user=mira]\n{text}[z]({url})\n[/quote]\n", f"# {text}",
        f"| a | b |\n|---|---|\n| {text} | [x]({url}) |\n", f"**{text}**", f"&{text};",
        f"www.example.com/{text}", f"http://example.com/{title}",
    ]))


SOURCES = st.lists(st.one_of(html_tags(), markdown_bits(), WORD, CALL), min_size=1,
                   max_size=8).map(lambda parts: "".join(parts))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SOURCES)
@example('[x](jav&#x09;ascript:alert(1) "a" onmouseover="alert(1)")')
@example("<svg><a xlink:href=javascript:alert(1)>x</a></svg>[y](data:text/html,<b>)")
def test_generated_input_never_yields_a_disallowed_tag_attribute_or_scheme(source):
    html = cooked(source)
    if html is None:
        return  # refused with a message (control characters, too complex): nothing shown
    assert problems_of(html) == [], (source, html)
