"""Declared settings: every setting of the core and of each plugin has a type, default and help.

Settings are read once at start-up from the ``.ini`` (``forum.<key>`` for the core,
``forum.<plugin>.<key>`` for a plugin) or from the environment (``FORUM_<KEY>`` and
``FORUM_<PLUGIN>_<KEY>``, which win over the file). A bad value stops start-up with one line
naming the setting. ``forum settings`` prints them all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import StartupError
from .i18n import _, time_zone
from .limits import parse_id

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("expected one of true, false, yes, no, on, off, 1, 0"))


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("expected a whole number")) from None


def _to_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value).replace(",", " ").split()


def _to_str(value: Any) -> str:
    return str(value).strip()


def _to_zone(value: Any) -> str:
    name = str(value).strip()
    if time_zone(name) is None:
        raise ValueError(_("expected a time zone such as UTC or Europe/Amsterdam"))
    return name


def _to_rate(value: Any) -> Any:
    return value if isinstance(value, Limit) else Limit.parse(str(value))


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"

    @classmethod
    def parse(cls, text: str) -> Limit:
        raw_count, _sep, raw_seconds = text.partition("/")
        count, seconds = parse_id(raw_count.strip()), parse_id(raw_seconds.strip())
        if count is None or seconds is None or seconds < 1:
            raise ValueError(_("expected attempts/seconds, like 10/600"))
        return cls(count, seconds)


#: Type name shown in ``forum settings`` -> parser.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": _to_str,
    "int": _to_int,
    "bool": _to_bool,
    "list": _to_list,
    "rate": _to_rate,
    "zone": _to_zone,
}


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` without the ``forum.`` / ``forum.<plugin>.`` prefix.

    ``type`` is one of ``str``, ``int``, ``bool``, ``list`` (space or comma separated),
    ``rate`` (``attempts/seconds``, ``0/1`` for no limit) or ``zone`` (an IANA time zone).
    ``choices`` limits the accepted values (each item for a list); ``minimum`` bounds an int.
    """

    name: str
    type: str
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    secret: bool = False

    def __post_init__(self) -> None:
        if self.type not in PARSERS:
            raise ValueError(f"setting {self.name}: unknown type {self.type!r}")

    def parse(self, value: Any) -> Any:
        """Convert a raw value; raises ValueError with a short reason."""
        parsed = PARSERS[self.type](value)
        items = parsed if self.type == "list" else [parsed]
        if self.choices is not None:
            for item in items:
                if item not in self.choices:
                    raise ValueError(_("expected one of ${choices}",
                                       mapping={"choices": ", ".join(self.choices)}))
        if self.minimum is not None and parsed < self.minimum:
            raise ValueError(_("expected at least ${minimum}", mapping={"minimum": self.minimum}))
        return parsed


@dataclass
class SettingsGroup:
    """The settings of the core (``owner`` None) or of one plugin."""

    owner: str | None
    settings: list[Setting] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return "forum." if self.owner is None else f"forum.{self.owner}."

    def key(self, setting: Setting) -> str:
        return self.prefix + setting.name

    def env_var(self, setting: Setting) -> str:
        return self.key(setting).upper().replace(".", "_")


CORE_SETTINGS = SettingsGroup(
    None,
    [
        Setting("site_name", "str", "Community forum",
                _("The forum's name, shown in every page title.")),
        Setting("plugins", "list", [],
                _("Plugin ids to enable, space separated (see 'forum plugins' for the "
                  "installed ones).")),
        Setting("database_url", "str", "sqlite:///var/forum.sqlite",
                _("SQLAlchemy URL of the database: sqlite:///path or "
                  "postgresql://user@host/db.")),
        Setting("secret", "str", "",
                _("Secret key for signing cookies; 'forum init' generates one."), secret=True),
        Setting("theme", "str", "default",
                _("Theme name: a folder under the themes directory.")),
        Setting("themes_dir", "str", "",
                _("Folder holding the themes (default: the themes that come with the forum).")),
        Setting("data_dir", "str", "var",
                _("Folder for uploads, outgoing mail and the search index.")),
        Setting("default_locale", "str", "en",
                _("Language used when neither member nor browser picks one."),
                choices=("en", "nl", "ru")),
        Setting("available_locales", "list", ["en", "nl", "ru"],
                _("Languages members can choose."), choices=("en", "nl", "ru")),
        Setting("time_zone", "zone", "UTC",
                _("Time zone for visitors and for members who chose none and whose browser "
                  "did not say (an IANA name such as Europe/Amsterdam).")),
        Setting("cookie_secure", "bool", False,
                _("Send cookies only over HTTPS (set behind TLS).")),
        Setting("session_days", "int", 30, _("Days a sign-in stays valid."), minimum=1),
        Setting("hold_first_posts", "int", 0,
                _("How many first posts of a new member wait for a moderator's approval "
                  "(0: none)."), minimum=0),
        Setting("tagging", "str", "members",
                _("Who may put tags on topics: members (on their own topics; staff on any), "
                  "staff (moderators and administrators only) or off."),
                choices=("members", "staff", "off")),
        Setting("max_tags_per_topic", "int", 5,
                _("The most tags one topic may have."), minimum=1),
        Setting("max_body_bytes", "int", 4 * 1024 * 1024,
                _("Largest request body accepted, in bytes (forms and uploads)."), minimum=1024),
        Setting("rate_login", "rate", "10/600",
                _("Sign-in attempts allowed per address and account (attempts/seconds).")),
        Setting("rate_login_address", "rate", "50/600",
                _("Sign-in attempts allowed per address over all accounts (attempts/seconds).")),
        Setting("rate_register", "rate", "5/3600",
                _("Registrations allowed per address (attempts/seconds).")),
        Setting("rate_post", "rate", "20/600",
                _("Topics and replies a member may post (posts/seconds).")),
        Setting("mail_from", "str", "forum@localhost",
                _("Sender address of the forum's e-mail.")),
        Setting("smtp_host", "str", "",
                _("SMTP server for e-mail; when empty, e-mail is written to <data_dir>/outbox.")),
        Setting("smtp_port", "int", 587, _("Port of the SMTP server."), minimum=1),
        Setting("smtp_username", "str", "", _("SMTP user name, if the server needs one.")),
        Setting("smtp_password", "str", "", _("SMTP password."), secret=True),
        Setting("smtp_tls", "str", "starttls", _("SMTP encryption: starttls, ssl or none."),
                choices=("starttls", "ssl", "none")),
        Setting("site_url", "str", "http://localhost:6543",
                _("The forum's address as members reach it (https://forum.example.org), for "
                  "the links in its e-mail.")),
        Setting("reply_by_email", "str", "",
                _("Reply by e-mail: the address members reply to, with {token} where each "
                  "message's token goes (reply+{token}@forum.example.org); your mail server "
                  "pipes what arrives there to 'forum mail receive'. Empty: off.")),
        Setting("email_batch_minutes", "int", 5,
                _("Minutes the forum waits before e-mailing a notification a member gets "
                  "at once, to send what follows in the same message (0: at once)."),
                minimum=0),
        Setting("digest_hour", "str", "7",
                _("Hour of the day (UTC, 0 to 23) at which daily and weekly digests are "
                  "e-mailed."), choices=tuple(str(hour) for hour in range(24))),
        Setting("digest_weekday", "str", "monday",
                _("Day of the week on which weekly digests are e-mailed."),
                choices=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                         "sunday")),
        Setting("search_backend", "str", "whoosh",
                _("Search index: whoosh (files in <data_dir>/search, one machine) or postgresql "
                  "(full-text search in the forum's PostgreSQL database, for several machines)."),
                choices=("whoosh", "postgresql")),
        Setting("http_cache_seconds", "int", 0,
                _("Seconds a reverse proxy may keep a page that is the same for every visitor "
                  "who is not signed in (s-maxage); 0: it asks the forum again every time, "
                  "which answers 304 when the page has not changed."), minimum=0),
        Setting("jobs_url", "str", "",
                _("Where background jobs wait: empty for <data_dir>/jobs.sqlite, worked through "
                  "by 'forum serve' itself (one machine), or redis://host:6379/0 for 'forum "
                  "worker' processes (several machines)."), secret=True),
        Setting("jobs_queue", "str", "forum",
                _("Name of the job queue; forums that share one Redis database need different "
                  "names.")),
        Setting("jobs_threads", "int", 2,
                _("Threads that run jobs inside 'forum serve' when jobs are kept in SQLite (0: "
                  "none; run 'forum worker' instead)."), minimum=0),
        Setting("count_queries", "bool", False,
                _("Add the header X-Forum-Queries (SQL statements run for the request) to "
                  "every response, for benchmarks and profiling.")),
    ],
)


def parse_settings(
    raw: Mapping[str, Any],
    groups: Iterable[SettingsGroup],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return typed values for ``groups`` from ``raw`` (the .ini) and ``environ``.

    Raises StartupError naming the first bad setting. Keys that are not ``forum.*`` pass
    through untouched (they belong to Pyramid, pyramid_tm, jinja2, ...).
    """
    environ = os.environ if environ is None else environ
    parsed: dict[str, Any] = {}
    for group in groups:
        for setting in group.settings:
            key, env = group.key(setting), group.env_var(setting)
            source = None
            if env in environ:
                value, source = environ[env], env
            elif key in raw:
                value, source = raw[key], key
            else:
                parsed[key] = setting.parse(setting.default)
                continue
            try:
                parsed[key] = setting.parse(value)
            except ValueError as exc:
                raise StartupError(
                    _(
                        "Bad value ${value} for setting ${key} (from ${source}): ${reason}.",
                        mapping={"value": repr(value), "key": key, "source": source,
                                 "reason": exc.args[0]},
                    )
                ) from None
    return parsed


#: Settings earlier releases had: a configuration that still has one starts, with a notice.
RETIRED_SETTINGS = {
    "forum.page_cache_entries": _(
        "forum.page_cache_entries is no longer used: pages are rendered for every request and "
        "browsers and proxies revalidate them (ETag); remove the line."),
    "forum.page_cache_seconds": _(
        "forum.page_cache_seconds is no longer used: see forum.http_cache_seconds; remove the "
        "line."),
    "forum.page_cache_members": _(
        "forum.page_cache_members is no longer used: every member's page is rendered for them; "
        "remove the line."),
}


def check_unknown(raw: Mapping[str, Any], known_groups: Iterable[SettingsGroup],
                  disabled_ids: Iterable[str]) -> list[str]:
    """Refuse ``forum.*`` keys that no enabled part declares, to catch typos at start-up.

    Settings of installed but disabled plugins are left alone, so disabling a plugin never
    requires editing its settings out. Returns a notice for each retired setting found.
    """
    groups = list(known_groups)
    known = {g.key(s) for g in groups for s in g.settings}
    quiet_prefixes = tuple(f"forum.{pid}." for pid in disabled_ids)
    notices = []
    for key in raw:
        if key in RETIRED_SETTINGS:
            notices.append(RETIRED_SETTINGS[key])
            continue
        if not key.startswith("forum.") or key in known or key.startswith(quiet_prefixes):
            continue
        raise StartupError(
            _(
                "Unknown setting ${key}; 'forum settings' lists the settings of the core and "
                "the enabled plugins.",
                mapping={"key": key},
            )
        )
    return notices


#: ``FORUM_*`` variables that are not settings: the command line's own
COMMAND_VARIABLES = ("FORUM_CONFIG", "FORUM_DEBUG", "FORUM_ADMIN_USERNAME", "FORUM_ADMIN_EMAIL",
                     "FORUM_ADMIN_PASSWORD", "FORUM_USER_PASSWORD")
#: prefixes of ``FORUM_*`` variables that belong to others: the test suite's
FOREIGN_PREFIXES = ("FORUM_TEST_",)


def check_unknown_environ(environ: Mapping[str, str], known_groups: Iterable[SettingsGroup],
                          disabled_ids: Iterable[str]) -> list[str]:
    """A notice for each ``FORUM_*`` variable that is no setting of the core or an enabled
    plugin (nor the command line's), naming the closest known one: a misspelt variable is
    otherwise ignored without a word. Only a notice, not a refusal: the environment may be
    shared with other programs. Variables of installed but disabled plugins are left alone.
    """
    import difflib

    known = {g.env_var(s) for g in known_groups for s in g.settings} | set(COMMAND_VARIABLES)
    quiet = FOREIGN_PREFIXES + tuple(f"FORUM_{pid.upper()}_" for pid in disabled_ids)
    notices = []
    for name in sorted(environ):
        if not name.startswith("FORUM_") or name in known or name.startswith(quiet):
            continue
        # compared without the prefix every name shares, which would make any two alike
        close = difflib.get_close_matches(name[6:], sorted(k[6:] for k in known), n=1,
                                          cutoff=0.6)
        if close:
            notices.append(_(
                "The environment variable ${name} is not a setting and is ignored; did you "
                "mean ${known}? ('forum settings' lists every variable.)",
                mapping={"name": name, "known": "FORUM_" + close[0]}))
        else:
            notices.append(_(
                "The environment variable ${name} is not a setting and is ignored ('forum "
                "settings' lists every variable).", mapping={"name": name}))
    return notices
