"""Languages: translation strings, catalogs, and choosing the language of a request.

The language of a request is, in order: the member's own setting, the browser's
Accept-Language header, then the ``forum.default_locale`` setting. Catalogs use the one gettext
domain ``forum`` for the core and every plugin; Pyramid merges same-domain catalogs from all
translation directories.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import zoneinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.dates import TIMEDELTA_UNITS, format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from pyramid.i18n import Localizer, TranslationString, TranslationStringFactory, make_localizer
from pyramid.interfaces import ITranslationDirectories
from webob.acceptparse import create_accept_language_header

from .compiling import compile_catalogs

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

log = logging.getLogger(__name__)

DOMAIN = "forum"

#: Marks a string for translation in domain ``forum``; plugins use this one too.
_ = TranslationStringFactory(DOMAIN)

#: The core's catalogs: ``locale/<lang>/LC_MESSAGES/forum.po`` at the top of the checkout, or
#: in the package, where an installed release carries them (see ``setup.py``).
CORE_LOCALE_DIR = next(
    (path for path in (Path(__file__).resolve().parent / "_shipped" / "locale",)
     if path.is_dir()), Path(__file__).resolve().parent.parent / "locale")


def uncompiled_catalogs(locale_dir: Path, domain: str = DOMAIN) -> list[str]:
    """The languages under ``locale_dir`` whose ``.po`` has no ``.mo`` as recent as itself."""
    found = []
    for po_path in sorted(Path(locale_dir).glob(f"*/LC_MESSAGES/{domain}.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            found.append(po_path.parent.parent.name)
    return found


@lru_cache(maxsize=64)
def check_compiled(locale_dir: Path, domain: str = DOMAIN) -> list[str]:
    """Warn once per process, in one line, about catalogs of ``locale_dir`` that were not
    compiled (or not since their ``.po`` changed): their texts are shown in English (or as
    the older ``.mo`` has them) until the forum is installed again. Returns those languages.
    """
    languages = uncompiled_catalogs(locale_dir, domain)
    if languages:
        log.warning("the catalogs %s in %s are not compiled or older than their .po files: "
                    "those texts are shown in English or as they were; run 'make install', or "
                    "'pybabel compile -D %s -d %s'", ", ".join(languages), locale_dir, domain,
                    locale_dir)
    return languages


LOCALE_COOKIE = "forum_locale"
#: past this age a date is shown as a date, not as "n days ago"
RELATIVE_UNTIL = dt.timedelta(days=30)


def negotiate_locale(request: Request) -> str:
    """Pyramid locale negotiator: the member's setting, then the language picked with the
    switcher (a cookie, for visitors too), then Accept-Language, then the default."""
    user = getattr(request, "user", None)
    return choose_locale(request.registry.settings, user.locale if user is not None else None,
                         request.cookies.get(LOCALE_COOKIE),
                         request.headers.get("Accept-Language"))


def choose_locale(settings: Any, member: str | None, switcher: str | None,
                  accept_language: str | None) -> str:
    """The member's language if the forum offers it, else the one picked with the switcher,
    else the best match of the Accept-Language header, else the default. Also used where no
    Pyramid request exists yet (the page cache)."""
    available = settings["forum.available_locales"]
    for locale_name in (member, switcher):
        if locale_name is not None and locale_name in available:
            return locale_name
    return _best_match(accept_language, tuple(available), settings["forum.default_locale"])


@lru_cache(maxsize=512)
def _best_match(accept_language: str | None, available: tuple[str, ...], default: str) -> str:
    """(browsers send a handful of distinct headers: each is parsed once)"""
    match = create_accept_language_header(accept_language).lookup(available, default=default)
    return match if match in available else default


def localizer_for(locale_name: str) -> Localizer:
    """A localizer outside a request (the command line), over the core's catalogs."""
    if locale_name != "en":
        check_compiled(CORE_LOCALE_DIR)
    return make_localizer(locale_name, [str(CORE_LOCALE_DIR)])


def localizer_of(registry: Any, locale_name: str | None) -> Localizer:
    """A localizer over the core's and every plugin's catalogs, for text that goes to someone
    other than the requester (an e-mail in the recipient's language); ``None`` or a language
    the forum does not offer means the default."""
    settings = registry.settings
    if locale_name not in settings["forum.available_locales"]:
        locale_name = settings["forum.default_locale"]
    cache = registry.setdefault("forum.localizers", {})
    if locale_name not in cache:
        directories = registry.queryUtility(ITranslationDirectories) or []
        cache[locale_name] = make_localizer(locale_name, directories)
    return cache[locale_name]


def render(message: str, localizer: Localizer | None = None) -> str:
    """Translate ``message`` (English when ``localizer`` is None) with its ``${}`` values filled
    in; values that are translation strings themselves are translated first."""
    if not isinstance(message, TranslationString):
        return str(message)
    mapping = {key: render(value, localizer) if isinstance(value, TranslationString) else value
               for key, value in (message.mapping or {}).items()}
    filled = TranslationString(message, mapping=mapping)
    return localizer.translate(filled) if localizer is not None else filled.interpolate()


def translate(message: str, locale_name: str | None = None) -> str:
    """Translate ``message`` for the terminal, using ``LANGUAGE``/``LC_ALL``/``LANG``."""
    if not isinstance(message, TranslationString):
        return str(message)
    return render(message, localizer_for(locale_name or terminal_locale()))


def terminal_text(message: Any, *locale_dirs: str | os.PathLike[str]) -> str:
    """``message`` translated for the terminal (``LANGUAGE``/``LC_ALL``/``LANG``), over the
    core's catalogs and ``locale_dirs`` (a plugin's own ``locale`` folder), for what a
    plugin's command prints."""
    if not isinstance(message, TranslationString):
        return str(message)
    locale_name = terminal_locale()
    if locale_name == "en":
        return render(message, localizer_for("en"))
    return render(message, make_localizer(locale_name, [str(CORE_LOCALE_DIR),
                                                        *map(str, locale_dirs)]))


def terminal_locale() -> str:
    """The language of the terminal from the usual environment variables, 'en' by default."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        code = value.split(":")[0].split(".")[0]
        if code and code not in ("C", "POSIX"):
            return code
    return "en"


def _translate(request: Request, message: str) -> str:
    return render(message, request.localizer)


def _babel_locale(request: Request) -> Locale:
    return babel_locale_of(request.locale_name)


@lru_cache(maxsize=64)
def babel_locale_of(name: str) -> Locale:
    """One ``Locale`` per language and process: the formatting helpers keep what they format
    by locale, and comparing a new ``Locale`` with a kept one on every look-up cost more than
    the look-up (a tenth of a listing page)."""
    return Locale.parse(name)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


#: a moment closer to now than this is "just now" (Babel's seconds read "45 seconds ago")
JUST_NOW_WITHIN = dt.timedelta(seconds=45)
#: the text of such a moment; translated by the caller, who has the request's localizer
JUST_NOW = _("just now")


def format_ago(moment: dt.datetime, locale: Locale, now: dt.datetime | None = None,
               just_now: str = "just now") -> str:
    """"3 hours ago" in ``locale``; a date for anything older than :data:`RELATIVE_UNTIL`;
    ``just_now`` (:data:`JUST_NOW` in the reader's language) within :data:`JUST_NOW_WITHIN`."""
    moment = _aware(moment)
    delta = moment - (now or dt.datetime.now(dt.UTC))
    if -delta > RELATIVE_UNTIL:
        return _date_text(moment, locale)
    if abs(delta) < JUST_NOW_WITHIN:
        return just_now
    return _relative_text(delta.total_seconds(), locale)


def machine_moment(moment: dt.datetime) -> str:
    """A moment for machines (``<time datetime>``, ``article:published_time``): UTC, whole
    seconds, ``Z``. The HTML checker refuses the microseconds ``isoformat()`` writes."""
    return _aware(moment).astimezone(dt.UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


#: Babel's own rule: the largest unit of which there is at least this much
_THRESHOLD = 0.85
_relative_texts: dict[tuple[str, int, bool, Locale], str] = {}


def _relative_text(seconds: float, locale: Locale) -> str:
    """``format_timedelta(seconds, add_direction=True)``, kept per unit, number and direction.

    Babel picks the unit and rounds the number as below and then fills that unit's pattern
    for the number, so equal keys give equal texts; a listing's "3 hours ago" is formatted
    once instead of once per row and page (Babel took a tenth of the home page)."""
    for unit, per_unit in TIMEDELTA_UNITS:
        value = abs(seconds) / per_unit
        if value >= _THRESHOLD or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            key = (unit, int(round(value)), seconds >= 0, locale)
            found = _relative_texts.get(key)
            if found is None:
                if len(_relative_texts) > 4096:
                    _relative_texts.clear()
                found = _relative_texts[key] = format_timedelta(
                    dt.timedelta(seconds=seconds), threshold=_THRESHOLD, add_direction=True,
                    locale=locale)
            return found
    return format_timedelta(dt.timedelta(seconds=seconds), add_direction=True, locale=locale)


# a page shows the same moments to every reader (Babel's formatting is a tenth of a topic
# page's time): their texts are kept, a few hundred bytes each
@lru_cache(maxsize=4096)
def _date_text(moment: dt.datetime, locale: Locale) -> str:
    return format_date(moment, "medium", locale=locale)


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def format_moment(moment: dt.datetime, locale: Locale) -> str:
    """A full date and time in ``locale`` (UTC), for tooltips and histories (kept: a listing
    shows the same moments on every view)."""
    return format_datetime(_aware(moment), "medium", tzinfo=dt.UTC, locale=locale) + " UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones a member may choose ("Europe/Amsterdam"), sorted; from the
    ``tzdata`` package when the system has no zone database."""
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if "/" in name or name == "UTC"))


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def time_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called ``name`` when it is one of :func:`time_zone_names`, else None (a
    name from a form or a browser is never trusted as a file name of the zone database)."""
    if not name or name not in _zone_set():
        return None
    return zoneinfo.ZoneInfo(name)


def time_zone_of(user: Any, settings: Any) -> zoneinfo.ZoneInfo:
    """The zone ``user`` reads times in: theirs, else the forum's (``forum.time_zone``);
    ``user`` None for a visitor."""
    chosen = time_zone(getattr(user, "time_zone", None))
    return chosen or time_zone(settings["forum.time_zone"]) or zoneinfo.ZoneInfo("UTC")


@lru_cache(maxsize=8)
def language_names(codes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Each language named in itself, as language pickers do ("Nederlands", "Русский")."""
    return {code: (Locale.parse(code).get_display_name(code) or code).capitalize()
            for code in codes}


@lru_cache(maxsize=4096)
def format_count(number: int, locale: Locale) -> str:
    return format_decimal(number, locale=locale)


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    check_compiled(CORE_LOCALE_DIR)  # compiled when installed, never here
    config.add_translation_dirs(str(CORE_LOCALE_DIR))
    config.set_locale_negotiator(negotiate_locale)
    # dates and numbers are formatted with Babel in the request's language
    config.add_request_method(_babel_locale, "babel_locale", reify=True)
    # request.translate(message): a translation string in the request's language, values filled
    config.add_request_method(_translate, "translate")
    settings.setdefault("jinja2.i18n.domain", DOMAIN)

__all__ = ["compile_catalogs"]  # forum plugin catalogs compiles with it
