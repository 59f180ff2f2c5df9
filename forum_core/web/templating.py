"""Templates, themes and static files.

Templates are Jinja2 through pyramid_jinja2. A template name is looked up in the active theme's
``templates/`` first, then the default theme's, then the core's, then the plugins' (each plugin
under its own sub-folder, ``<id>/...``). So a theme overrides any core or plugin template by
placing a file at the same relative path. Static files of a theme are served from
``/static/theme/<name>/``; a file missing from the active theme comes from the default theme.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from jinja2.bccache import Bucket, BytecodeCache
from markupsafe import Markup, escape
from pyramid.events import BeforeRender, subscriber
from pyramid.renderers import render
from pyramid_jinja2.i18n import GetTextWrapper

from .. import limits
from ..accounts.csrf import printed_token
from ..db import utcnow
from ..errors import StartupError
from ..hookspecs import TEMPLATE_SLOTS
from ..i18n import (
    JUST_NOW,
    RELATIVE_UNTIL,
    _,
    format_ago,
    format_count,
    format_moment,
    language_names,
    machine_moment,
)
from ..plugins import AccessHookFailed
from .httpcache import keep_private
from .marks import Marks
from .quotes import quote_sources
from .static import add_static

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

DEFAULT_THEME = "default"
#: environ: draw this page without the plugins' template slots
WITHOUT_SLOTS = "forum.without_slots"
THEME_INFO = "theme.json"


class Theme:
    """A folder under the themes directory: ``theme.json``, ``templates/``, ``static/``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        info_file = path / THEME_INFO
        self.info: dict[str, Any] = {}
        if info_file.exists():
            try:
                self.info = json.loads(info_file.read_text("utf-8"))
            except ValueError as exc:
                raise StartupError(_("Theme '${theme}' has an unreadable ${file}: ${error}",
                                     mapping={"theme": self.name, "file": THEME_INFO,
                                              "error": str(exc)})) from None
        self.has_theme_css = (self.static / "theme.css").is_file()

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


CORE_STATIC = Path(__file__).resolve().parent.parent / "static"


def theme_chain(settings: dict[str, Any]) -> list[Theme]:
    """The active theme, then the default theme it falls back to."""
    themes_dir = Path(settings["forum.themes_dir"])
    name = settings["forum.theme"]
    path = themes_dir / name
    if not path.is_dir():
        available = sorted(p.name for p in themes_dir.iterdir() if p.is_dir()) \
            if themes_dir.is_dir() else []
        raise StartupError(_(
            "Theme '${theme}' (forum.theme) is not a folder in ${dir}. Available themes: "
            "${available}.",
            mapping={"theme": name, "dir": str(themes_dir),
                     "available": ", ".join(available) or "(none)"}))
    chain = [Theme(path)]
    if name != DEFAULT_THEME and (themes_dir / DEFAULT_THEME).is_dir():
        chain.append(Theme(themes_dir / DEFAULT_THEME))
    return chain


_NOTHING = Markup("")
_SLOT_HOOKS = {name: f"forum_tpl_{name}" for name in TEMPLATE_SLOTS}


def render_slot(request: Request, name: str, **context: Any) -> Markup:
    """HTML of template slot ``name``: every plugin's ``forum_tpl_<name>`` result, joined
    (``context`` holds the slot's other arguments, e.g. ``topic``).

    A plugin that fails is logged and left out; the page still renders. On the answer to a
    failed access hook (``WITHOUT_SLOTS`` in the environ) no slot is asked: a slot may ask
    the hook that failed. A slot no plugin fills costs a dictionary look-up or two: a topic
    page asks three slots per post.
    """
    hook = _SLOT_HOOKS.get(name)
    if hook is None:
        raise ValueError(f"unknown template slot {name!r}")
    hooks = request.registry.forum.hooks
    if not hooks.implementations(hook) or request.environ.get(WITHOUT_SLOTS):
        return _NOTHING
    try:
        parts = hooks.collect(hook, request=request, **context)
    except AccessHookFailed:
        if getattr(request, "exception", None) is None:
            raise  # a page: the whole answer fails closed
        return _NOTHING  # an error page already says no; it shows nothing of the slot
    return Markup("\n").join(Markup(part) for part in parts)


def filled_slots(request: Request) -> SimpleNamespace:
    """``slotted.<name>`` in templates: whether any plugin fills slot ``name``. A template
    that asks a slot for every item of a list asks only when it is true."""
    hooks = request.registry.forum.hooks
    return SimpleNamespace(**{name: bool(hooks.implementations(hook))
                              for name, hook in _SLOT_HOOKS.items()})


def theme_static_url(request: Request, path: str) -> str:
    """URL of a theme static file, from the first theme in the chain that has it."""
    return request.static_path(_theme_file(tuple(request.registry["forum.themes"]), path))


@lru_cache(maxsize=256)
def _theme_file(chain: tuple[Theme, ...], path: str) -> str:
    # looked up once per file, not on every page
    for theme in chain:
        if (theme.static / path).is_file():
            return str(theme.static / path)
    raise ValueError(f"no theme has static file {path!r}")


def _static_urls(request: Request) -> tuple[str, str, tuple[str, ...]]:
    """The core's script and icon and the theme's style sheets: the same on every page of
    the process (for one script name), so they are made once."""
    key = ("forum.static_urls", request.script_name)
    found = request.registry.get(key)
    if found is None:
        css = [theme_static_url(request, "forum.css")]
        chain = request.registry["forum.themes"]
        if len(chain) > 1 and chain[0].has_theme_css:
            css.append(theme_static_url(request, "theme.css"))
        found = request.registry[key] = (
            request.static_path(str(CORE_STATIC / "forum.js")),
            request.static_path(str(CORE_STATIC / "favicon.svg")), tuple(css))
    return found


#: the core's own files that every page may refer to, by the name templates know them by
CORE_FILES = {"cards_script": "cards.js", "likes_script": "likes.js",
              "reading_script": "reading.js", "icon_sprite": "icons.svg"}


def _core_file_urls(request: Request) -> dict[str, str]:
    """The URLs of :data:`CORE_FILES` (user cards and header menus, the hearts of posts, topic
    lists' "Load more" and the reading position, the icon sprite), made once like
    :func:`_static_urls`."""
    key = ("forum.core_file_urls", request.script_name)
    found = request.registry.get(key)
    if found is None:
        found = request.registry[key] = {
            name: request.static_path(str(CORE_STATIC / file)) for name, file in CORE_FILES.items()}
    return found



def shortcuts_dialog(request: Request) -> Markup:
    """``shortcuts_dialog()`` in ``base.html``: the keyboard shortcuts' list and its texts
    (``_shortcuts.html``), the same on every page for readers of one language who have them on
    (or off, or are visitors), so drawn once per process for each and reused: it holds no
    content, no token and nothing of the member but that choice."""
    member = request.user
    enabled = member is None or bool(member.keyboard_shortcuts)
    drawn = request.registry.setdefault("forum.shortcuts_dialogs", {})  # per application
    key = (request.script_name, request.locale_name, member is not None, enabled)
    found = drawn.get(key)
    if found is None:
        found = drawn[key] = Markup(render(
            "_shortcuts.html", {"shortcuts_member": member is not None,
                                "shortcuts_enabled": enabled}, request=request))
    return found


def request_marks(request: Request) -> Marks:
    """``request.marks``: icons, members' pictures and categories' marks for this request."""
    return Marks(request, _core_file_urls(request)["icon_sprite"])


def _css_urls(request: Request, theme_css: tuple[str, ...]) -> list[str]:
    urls = list(theme_css)
    for extra in request.registry.forum.hooks.collect("forum_extra_css_urls", request=request):
        urls.extend(extra)
    return urls


def _script_urls(request: Request) -> list[str]:
    urls: list[str] = []
    for extra in request.registry.forum.hooks.collect("forum_extra_script_urls",
                                                      request=request):
        urls.extend(extra)
    return urls


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form's ``csrf_token`` field (a slot's or a view's own
    HTML). A page that shows it belongs to one browser: it is kept private (never shared
    by a reverse proxy between visitors), and the browser gets the token's cookie. Each form
    gets the token masked differently (:mod:`forum_core.accounts.csrf`), so the page can be
    compressed safely."""
    keep_private(request)
    return printed_token(request)


def time_tag(moment: Any, locale: Any, just_now: str = "just now") -> Markup:
    """``when(moment)`` in templates: the moment in the reader's language, "3 hours ago" (or
    a date when older, "just now" when under a minute) with the full date and time on hover.
    The same HTML as the macro in ``_macros/time.html`` (which themes may still import),
    without a macro call per post."""
    if moment.tzinfo is not None and utcnow() - moment > RELATIVE_UNTIL:
        return _dated_tag(moment, locale)  # shown as a date: the same HTML from now on
    return _time_tag(moment, locale, just_now)


@lru_cache(maxsize=4096)
def _dated_tag(moment: Any, locale: Any) -> Markup:
    return _time_tag(moment, locale, "")


def _time_tag(moment: Any, locale: Any, just_now: str) -> Markup:
    # (concatenated: Markup.format's escaping formatter took four fifths of the time)
    return Markup(f'<time datetime="{machine_moment(moment)}" '
                  f'title="{escape(format_moment(moment, locale))}">'
                  f'{escape(format_ago(moment, locale, just_now=just_now))}</time>')


class _JustNow:
    """"just now" in the request's language, translated the first time a page needs it."""

    __slots__ = ("request", "text")

    def __init__(self, request: Request) -> None:
        self.request, self.text = request, ""

    def __call__(self) -> str:
        if not self.text:
            self.text = self.request.localizer.translate(JUST_NOW)
        return self.text


class TemplateTranslations(GetTextWrapper):
    """``_("...")`` in templates, each plain message translated once per language and
    process: the catalogs do not change while the forum runs, and a listing page asked
    Pyramid's localizer for the same words dozens of times (a fifth of its render)."""

    def gettext(self, message: str, mapping: dict[str, Any] | None = None) -> str:
        localizer = self.localizer
        if mapping or type(message) is not str:  # a translation string carries its own values
            return localizer.translate(message, domain=self.domain, mapping=mapping)
        known = localizer.__dict__.setdefault("_forum_template_messages", {})
        found = known.get(message)
        if found is None:
            found = known[message] = localizer.translate(message, domain=self.domain)
        return found


class LazyCsrfToken:
    """The request's CSRF token, made only when a template prints it. Making it sets the
    ``forum_csrf`` cookie for a browser that has none, and a page that shows a token belongs
    to one browser; a visitor's page that prints no token (no form that changes anything) sets
    no cookie and can be shared with every visitor (see :mod:`.httpcache`)."""

    __slots__ = ("request",)

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    def __html__(self) -> Markup:
        return escape(str(self))


@subscriber(BeforeRender)
def add_template_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is None:
        return
    settings = request.registry.settings
    site = request.site
    event.setdefault("site_name", site["site_name"] or settings["forum.site_name"])
    event.setdefault("site", site)
    event["core_script"], event["core_icon"], theme_css = _static_urls(request)
    event.update(_core_file_urls(request))
    event["marks"] = request.marks
    event["shortcuts_dialog"] = lambda: shortcuts_dialog(request)
    event["slot"] = lambda name, **context: render_slot(request, name, **context)
    event["slotted"] = filled_slots(request)
    event["static"] = lambda path: theme_static_url(request, path)
    event["css_urls"] = _css_urls(request, theme_css)
    event["script_urls"] = _script_urls(request)
    event["csrf_token"] = LazyCsrfToken(request)
    event["quote_sources"] = lambda posts: quote_sources(request, posts)
    event["share_image"] = request.share_image
    # forms show the same limits the services check (maxlength, minlength)
    event["limits"] = limits
    # dates and numbers in the request's language, through Babel
    locale = request.babel_locale
    just_now = _JustNow(request)
    event["ago"] = lambda moment: format_ago(moment, locale, just_now=just_now())
    event["moment_text"] = lambda moment: format_moment(moment, locale)
    event["machine_moment"] = machine_moment
    event["count"] = lambda number: format_count(number, locale)
    event["when"] = lambda moment: time_tag(moment, locale, just_now())
    event["languages"] = language_names(tuple(settings["forum.available_locales"]))


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, for every application in it (a forum's tests
    make one per test, and compiling the same templates again was a sixth of their time).

    A template is found by its name, its file and how the environment compiles (delimiters,
    whitespace control, extensions, new-style gettext); Jinja checks the source's checksum
    on every load, so a changed file is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment: Any, name: str, filename: str | None,
                   source: str) -> Bucket:
        compiling = (environment.block_start_string, environment.variable_start_string,
                     environment.comment_start_string, environment.line_statement_prefix,
                     environment.line_comment_prefix, environment.trim_blocks,
                     environment.lstrip_blocks, environment.newline_sequence,
                     environment.keep_trailing_newline, environment.optimized,
                     environment.is_async, sorted(environment.extensions),
                     getattr(environment, "newstyle_gettext", None),
                     getattr(environment.autoescape, "__qualname__", environment.autoescape))
        key = self.get_cache_key(f"{name}|{compiling!r}", filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    settings.setdefault("jinja2.bytecode_caching", COMPILED_TEMPLATES)
    config.add_request_method(request_marks, "marks", reify=True)
    settings.setdefault("jinja2.newstyle", "true")
    settings.setdefault("jinja2.trim_blocks", "true")
    settings.setdefault("jinja2.lstrip_blocks", "true")
    settings.setdefault("jinja2.undefined", "strict")
    settings.setdefault("jinja2.filters", "avatar_hue = forum_core.web.marks:avatar_hue")
    settings.setdefault("jinja2.i18n.gettext", "forum_core.web.templating:TemplateTranslations")
    config.include("pyramid_jinja2")
    chain = theme_chain(settings)
    config.registry["forum.themes"] = chain
    config.add_jinja2_renderer(".html")
    search_path = [str(t.templates) for t in chain if t.templates.is_dir()]
    search_path.append("forum_core:templates")
    for plugin in config.registry.forum.plugins:
        templates = plugin.folder("templates")
        if templates is not None:
            search_path.append(str(templates))
    for path in search_path:
        config.add_jinja2_search_path(path, name=".html")
    # static files at addresses that carry a hash of their bytes, kept a year (web/static.py)
    for theme in chain:
        if theme.static.is_dir():
            add_static(config, f"static/theme/{theme.name}", theme.static)
    # by path, not asset spec: pkg_resources cannot read an editable install's package
    add_static(config, "static/core", CORE_STATIC)
    config.scan(__name__)
