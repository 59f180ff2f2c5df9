"""The content pipeline: Markdown to safe HTML, once, when a post is written.

Posts store their Markdown source and the cooked HTML; pages never render Markdown. The steps:
cheap checks that refuse input Python-Markdown would choke on (deep nesting, long bracket runs),
Markdown with the core's and the plugins' extensions (raw HTML in the source stays text),
then bleach with an allowlist, which also turns bare URLs into links and marks every outside
link ``rel="nofollow ugc"``. bleach is deprecated upstream (security fixes only), which is why
this module is its only user.
"""

from __future__ import annotations

import functools
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from html import unescape
from typing import TYPE_CHECKING, Any

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .errors import ValidationError
from .i18n import _
from .limits import BODY_MAX, ID_DIGITS, USERNAME_CHARS, has_text_controls

if TYPE_CHECKING:
    from .plugins import Hooks

#: Longest post source in characters.
MAX_LENGTH = BODY_MAX
MAX_NESTING = 20
MAX_BRACKETS = 50
#: Python-Markdown re-splits a block for every heading or rule inside it, so the work grows
#: with the square of a block's lines; blank lines end blocks.
MAX_BLOCK_LINES = 500
#: Highlighting costs about half a millisecond per code block.
MAX_CODE_BLOCKS = 200

USERNAME = USERNAME_CHARS
MENTION_RE = r"(?<![\w@/])@(" + USERNAME + r")\b"
QUOTE_OPEN_RE = re.compile(rf"^\[quote\s+post=([0-9]{{1,{ID_DIGITS}}})(?:\s+user=({USERNAME}))?"
                           r"\s*\]$")
QUOTE_CLOSE = "[/quote]"
QUOTE_PREFIX_RE = re.compile(r"[ \t]*((?:>[ \t]?)+)")
LIST_PREFIX_RE = re.compile(r"((?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)+)")

#: Never allowed, whatever a plugin adds to the allowlist.
FORBIDDEN_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "form", "input", "button", "textarea", "select", "option", "link", "meta", "base",
    "noscript", "template", "xmp", "plaintext", "noembed", "noframes",
})
FORBIDDEN_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "srcset", "background"})
FORBIDDEN_PROTOCOLS = frozenset({"javascript", "data", "vbscript", "file", "filesystem"})


class RenderError(ValidationError):
    """Base of the reasons a text cannot be rendered."""


class ContentInvalid(RenderError):
    """The text cannot be posted as it is (empty, or with control characters)."""


class ContentTooLong(RenderError):
    """The text is longer than the forum accepts."""


class ContentTooComplex(RenderError):
    """The text is nested too deeply to be rendered safely and quickly."""


@dataclass(frozen=True)
class Cooked:
    html: str
    mentions: tuple[str, ...] = ()
    quoted_post_ids: tuple[int, ...] = ()


@dataclass
class Allowlist:
    """What survives sanitizing: tags, attributes per tag ("*": every tag) and URL schemes."""

    tags: set[str] = field(default_factory=set)
    attributes: dict[str, set[str]] = field(default_factory=dict)
    protocols: set[str] = field(default_factory=set)

    def harden(self) -> None:
        """Take out what must never pass, whoever added it."""
        self.tags -= FORBIDDEN_TAGS
        self.protocols = {p.lower() for p in self.protocols} - FORBIDDEN_PROTOCOLS
        for tag in list(self.attributes):
            if tag in FORBIDDEN_TAGS:
                del self.attributes[tag]
                continue
            self.attributes[tag] = {a.lower() for a in self.attributes[tag]
                                    if not a.lower().startswith("on")
                                    and a.lower() not in FORBIDDEN_ATTRIBUTES}


def default_allowlist() -> Allowlist:
    return Allowlist(
        tags={"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code",
              "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr",
              "th", "td", "span", "div", "sup", "sub"},
        attributes={
            "a": {"href", "title", "class"},
            "img": {"src", "alt", "title"},
            "span": {"class"}, "code": {"class"},
            # tabindex="0": code blocks and table boxes scroll sideways by keyboard too
            "div": {"class", "tabindex"}, "pre": {"class", "tabindex"},
            # table alignment as classes: the CSP forbids style="", HTML5 dropped align=""
            "th": {"class"}, "td": {"class"},
            "blockquote": {"class", "data-post"}, "p": {"class"}, "ol": {"start"},
        },
        protocols={"http", "https", "mailto"},
    )


# -------------------------------------------------------------------------------------------------
# Limits checked before Markdown runs
# -------------------------------------------------------------------------------------------------


def check_source(source: str, max_length: int = MAX_LENGTH) -> str:
    """Normalise line ends and refuse what cannot be posted; returns the text to render."""
    if len(source) > max_length:
        raise ContentTooLong(_("The text is longer than ${limit} characters; shorten it.",
                               mapping={"limit": max_length}))
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    if has_text_controls(source):
        raise ContentInvalid(_("The text contains control characters; remove them and try "
                               "again."))
    if not source.strip():
        raise ContentInvalid(_("Write something first: the text is empty."))
    _check_nesting(source)
    return source


def _check_nesting(source: str) -> None:
    # Python-Markdown recurses per nesting level: ~500 nested list markers exhaust the stack
    # and long bracket runs take seconds, so the text is refused before it gets there.
    quote_blocks = block_lines = code_blocks = fence_lines = 0
    fence = ""
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            # Markdown looks for the end of a code block from every line that could open
            # one, through the rest of the text, whether or not it opens one here
            fence_lines += 1
            if fence_lines > 2 * MAX_CODE_BLOCKS:
                raise ContentTooComplex(_(
                    "The text has more than ${limit} code blocks; put some of them together.",
                    mapping={"limit": MAX_CODE_BLOCKS}))
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue  # code is stashed before Markdown splits blocks
        if stripped.startswith(("```", "~~~")):
            fence, code_blocks = stripped[:3], code_blocks + 1
            if code_blocks > MAX_CODE_BLOCKS:
                raise ContentTooComplex(_(
                    "The text has more than ${limit} code blocks; put some of them together.",
                    mapping={"limit": MAX_CODE_BLOCKS}))
            continue
        block_lines = block_lines + 1 if stripped else 0
        if block_lines > MAX_BLOCK_LINES:
            raise ContentTooComplex(_(
                "The text has more than ${limit} lines without a blank line between them; "
                "add blank lines.", mapping={"limit": MAX_BLOCK_LINES}))
        if QUOTE_OPEN_RE.match(stripped):
            quote_blocks += 1
        elif stripped == QUOTE_CLOSE:
            quote_blocks = max(quote_blocks - 1, 0)
        quotes = QUOTE_PREFIX_RE.match(line)
        if quote_blocks > MAX_NESTING:
            raise ContentTooComplex(_(
                "The text has quotes nested more than ${limit} levels deep; simplify it.",
                mapping={"limit": MAX_NESTING}))
        if quotes and quotes.group(1).count(">") > MAX_NESTING:
            raise ContentTooComplex(_(
                "The text has quotes nested more than ${limit} levels deep; simplify it.",
                mapping={"limit": MAX_NESTING}))
        markers = LIST_PREFIX_RE.match(line[quotes.end():] if quotes else line)
        if markers:
            prefix = markers.group(1)
            indent = len(prefix) - len(prefix.lstrip(" \t"))
            depth = len(re.findall(r"(?:[-*+]|\d+[.)])[ \t]+", prefix)) + indent // 4
            if depth > MAX_NESTING:
                raise ContentTooComplex(_(
                    "The text has lists nested more than ${limit} levels deep; simplify it.",
                    mapping={"limit": MAX_NESTING}))
    depth = run = 0
    previous = ""
    for char in source:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(depth - 1, 0)
        run = run + 1 if char == previous and char in "[]()*_~`" else 1
        previous = char
        if depth > MAX_BRACKETS or run > MAX_BRACKETS:
            raise ContentTooComplex(_(
                "The text has more than ${limit} brackets or emphasis marks in a row; "
                "simplify it.", mapping={"limit": MAX_BRACKETS}))


# -------------------------------------------------------------------------------------------------
# Markdown extensions of the core: mentions and quote blocks
# -------------------------------------------------------------------------------------------------


class _MentionProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(pattern, md)
        self.state = state

    # (the stubs give InlineProcessor.handleMatch Pattern's one-argument signature)
    def handleMatch(  # type: ignore[override]  # noqa: N802
            self, m: re.Match[str], data: str) -> tuple[Any, int, int]:
        name = m.group(1)
        url = self.state.mention_url(name)
        # an unknown name is shown as plain text (the span only marks it for the collector)
        element = etree.Element("span", {"class": "mention-unknown"}) if url is None else \
            etree.Element("a", {"class": "mention", "href": url})
        element.text = f"@{name}"
        return element, m.start(0), m.end(0)


class _MentionCollector(Treeprocessor):
    """Collects the names mentioned in the post's own words: a mention inside a quote of
    another post was already announced when that post was written."""

    def __init__(self, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        self._collect(root)

    def _collect(self, element: etree.Element) -> None:
        for child in element:
            if child.tag == "blockquote" and child.get("class") == "quote":
                continue
            if child.get("class") in ("mention", "mention-unknown") and child.text:
                self.state.mentions.append(child.text[1:])
            self._collect(child)


class _QuoteProcessor(BlockProcessor):
    """``[quote post=12 user=alice]`` ... ``[/quote]`` becomes a quote of that post."""

    def __init__(self, parser: Any, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        return QUOTE_OPEN_RE.match(block.split("\n", 1)[0].strip()) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        first, _, rest = blocks.pop(0).partition("\n")
        opening = QUOTE_OPEN_RE.match(first.strip())
        assert opening is not None  # test() matched
        inner_lines: list[str] = []
        depth, pending = 1, rest.split("\n") if rest else []
        while True:
            for index, line in enumerate(pending):
                stripped = line.strip()
                if QUOTE_OPEN_RE.match(stripped):
                    depth += 1
                elif stripped == QUOTE_CLOSE:
                    depth -= 1
                    if depth == 0:
                        remainder = "\n".join(pending[index + 1:]).strip("\n")
                        if remainder:
                            blocks.insert(0, remainder)
                        break
                inner_lines.append(line)
            else:
                if not blocks:
                    break  # an unclosed quote runs to the end of the text
                inner_lines.append("")
                pending = blocks.pop(0).split("\n")
                continue
            break
        post_id = int(opening.group(1))
        self.state.quoted_post_ids.append(post_id)
        quote = etree.SubElement(parent, "blockquote",
                                 {"class": "quote", "data-post": str(post_id)})
        if opening.group(2):
            source = etree.SubElement(quote, "p", {"class": "quote-source"})
            source.text = f"{opening.group(2)}:"
        self.parser.parseChunk(quote, "\n".join(inner_lines))
        return True


#: a table column's alignment (``---:``, ``:---:``, ``:---``) as the class forum.css aligns by
ALIGN_CLASSES = {"right": "align-right", "center": "align-center", "left": "align-left"}


class _Tables(Treeprocessor):
    """Turns the ``align`` attribute the table extension writes into a class, and puts each
    table in a box that scrolls sideways, so a wide table never widens a phone's page."""

    def run(self, root: etree.Element) -> None:
        for cell in root.iter():
            if cell.tag in ("th", "td") and "align" in cell.attrib:
                found = ALIGN_CLASSES.get(cell.attrib.pop("align"))
                if found:
                    cell.set("class", found)
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    box = etree.Element("div", {"class": "table-scroll"})
                    box.tail, child.tail = child.tail, None
                    parent.remove(child)
                    box.append(child)
                    parent.insert(index, box)


@dataclass
class _RenderState:
    mention_url: Callable[[str], str | None] = lambda name: None
    mentions: list[str] = field(default_factory=list)
    quoted_post_ids: list[int] = field(default_factory=list)


#: Python-Markdown's pattern of a fenced code block (``fenced_code``), made linear. Its
#: spaces after the fence and after the language were two runs that could share out a run of
#: spaces in every way, and its ``hl_lines="..."`` value could reach across lines: a fence
#: followed by 30,000 spaces, or by ``hl_lines="`` and 15,000 lines of a quote, took tens of
#: seconds, and every other request of the process waited. Runs of spaces are possessive
#: here (Python 3.11+) and the value stays on its line; the blocks found are the same
#: (tests/unit/test_rendering.py compares the two patterns).
FENCED_BLOCK_RE = re.compile(r"""
    (?P<fence>^(?:~{3,}|`{3,}))[ ]*+                      # opening fence
    ((\{(?P<attrs>[^\n]*)\})|                            # optional {attrs}, or
    (\.?(?P<lang>[\w#.+-]*)[ ]*+)?                        # optional (.)lang
    (hl_lines=(?P<quot>"|')(?P<hl_lines>[^\n]*?)(?P=quot)[ ]*+)?)  # and optional hl_lines
    \n                                                   # end of the opening fence
    (?P<code>.*?)(?<=\n)                                 # the code block
    (?P=fence)[ ]*$                                      # closing fence
""", re.MULTILINE | re.DOTALL | re.VERBOSE)


class _LinearFencedBlocks(FencedBlockPreprocessor):
    FENCED_BLOCK_RE = FENCED_BLOCK_RE


class _ForumMarkdown(Extension):
    def __init__(self, state: _RenderState) -> None:
        super().__init__()
        self.state = state

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # raw HTML in a post is shown as text, never passed through
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(_MentionProcessor(MENTION_RE, md, self.state), "mention", 65)
        # after the inline processor (priority 20) has made the mention elements
        md.treeprocessors.register(_MentionCollector(md, self.state), "forum_mentions", 5)
        md.parser.blockprocessors.register(_QuoteProcessor(md.parser, self.state),
                                           "forum_quote", 105)
        md.treeprocessors.register(_Tables(md), "forum_tables", 4)
        if "table" in md.parser.blockprocessors:
            _quick_table_test(md.parser.blockprocessors["table"])
        if "fenced_code_block" in md.preprocessors:
            fenced = md.preprocessors["fenced_code_block"]
            # the same processor with its configuration, at its priority in fenced_code
            md.preprocessors.register(_LinearFencedBlocks(md, getattr(fenced, "config", {})),
                                      "fenced_code_block", 25)


def _quick_table_test(processor: Any) -> None:
    """Markdown's table processor splits a whole block into lines to test whether it is a
    table, and is asked again for what is left after each heading line: 500 headings in a row
    took a second and a half. A table's first line has a pipe; without one the answer is the
    same, without splitting anything."""
    full_test = processor.test

    def test(parent: Any, block: str) -> bool:
        return "|" in block.partition("\n")[0] and full_test(parent, block)

    processor.test = test


# -------------------------------------------------------------------------------------------------
# The cooker
# -------------------------------------------------------------------------------------------------


_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _inside_forum(href: str) -> bool:
    """Whether a browser reads ``href`` as a path on this site: entities decoded, tabs and
    line breaks dropped, and a backslash read as a slash ("/&#9;/x", "/\\x" are other hosts)."""
    url = re.sub(r"[\t\n\r]", "", unescape(href)).strip(_C0_AND_SPACE)
    return url.startswith("/") and url[1:2] not in ("/", "\\")


def _nofollow(attrs: MutableMapping[tuple[str | None, str], str], new: bool = False,
              ) -> MutableMapping[tuple[str | None, str], str]:
    href = attrs.get((None, "href"), "")
    if _inside_forum(href):
        return attrs  # links inside the forum (mentions) stay followable
    attrs[(None, "rel")] = "nofollow ugc"
    return attrs


class Cooker:
    """Turns Markdown into safe HTML. Build one per application; ``cook`` is thread-safe."""

    def __init__(self, hooks: Hooks | None = None, max_length: int = MAX_LENGTH) -> None:
        self.max_length = max_length
        self.extra_extensions: list[Extension] = []
        allowlist = default_allowlist()
        if hooks is not None:
            for extensions in hooks.collect("forum_register_markdown_extensions"):
                self.extra_extensions.extend(extensions)
            hooks.collect("forum_prepare_allowlist", allowlist=allowlist)
        allowlist.harden()
        self.allowlist = allowlist
        self.cleaner = bleach.Cleaner(
            tags=allowlist.tags, protocols=allowlist.protocols,
            attributes={tag: sorted(names) for tag, names in allowlist.attributes.items()},
            strip=True, strip_comments=True,
            filters=[_linkify_filter],
        )
        self._local = threading.local()

    def _markdown(self) -> tuple[markdown.Markdown, _RenderState]:
        # Markdown instances keep state while converting, so each thread gets its own
        if not hasattr(self._local, "md"):
            state = _RenderState()
            md = markdown.Markdown(
                extensions=["fenced_code", "tables", "sane_lists", "codehilite",
                            _ForumMarkdown(state), *self.extra_extensions],
                extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False,
                                                  "use_pygments": True, "noclasses": False},
                                   "tables": {"use_align_attribute": True}},
                output_format="html",
            )
            self._local.md, self._local.state = md, state
        return self._local.md, self._local.state

    def cook(self, source: str,
             mention_url: Callable[[str], str | None] = lambda name: None) -> Cooked:
        """Render ``source``; ``mention_url(name)`` gives the profile URL of a real member.

        :raises ContentInvalid, ContentTooLong, ContentTooComplex: with a message for the
            author.
        """
        text = check_source(source, self.max_length)
        md, state = self._markdown()
        md.reset()
        state.mention_url, state.mentions, state.quoted_post_ids = mention_url, [], []
        try:
            html = md.convert(text)
        except RecursionError:
            raise ContentTooComplex(_("The text is nested too deeply to be shown; simplify "
                                      "it.")) from None
        return Cooked(html=self.cleaner.clean(_focusable_scrollers(html)),
                      mentions=tuple(dict.fromkeys(state.mentions)),
                      quoted_post_ids=tuple(dict.fromkeys(state.quoted_post_ids)))


#: the boxes that scroll sideways when their content is wider than a phone: code and tables
_SCROLLERS = re.compile(r'<(pre|div class="table-scroll")(?=[ >])')


def _focusable_scrollers(html: str) -> str:
    """Code blocks and table boxes can take the keyboard focus, so a keyboard user can scroll
    them too (WCAG 2.1.1; axe's scrollable-region-focusable). Every ``<`` in Markdown's
    output opens a tag Markdown made (raw HTML and code are escaped), and the sanitizer still
    checks the result."""
    return _SCROLLERS.sub(r'<\1 tabindex="0"', html)


#: after sanitizing, bare URLs become links, and links to other sites get rel="nofollow ugc"
_linkify_filter = functools.partial(LinkifyFilter, callbacks=[_nofollow],
                                    skip_tags={"pre", "code"}, parse_email=False)


# -- plain text of cooked HTML (search snippets, meta descriptions) --------------------------

_BLOCKS = frozenset("p div br li ul ol pre blockquote h1 h2 h3 h4 h5 h6 tr td th table hr "
                    "dd dt".split())


#: a comment, or a tag with its attributes (quoted values may hold ">")
_MARKUP = re.compile(r"<!--.*?-->|</?([a-zA-Z][a-zA-Z0-9]*)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
                     re.S)


def _tag_gap(match: re.Match[str]) -> str:
    return " " if (match.group(1) or "").lower() in _BLOCKS else ""


def plain_text(html: str) -> str:
    """The words of cooked HTML, tags removed and whitespace collapsed.

    Cooked HTML comes out of the sanitizer, so every ``<`` of the text is escaped and a
    regular expression finds the tags (four times as fast as ``HTMLParser``, which every
    search result's snippet and every indexed post went through)."""
    return " ".join(unescape(_MARKUP.sub(_tag_gap, html)).split())
