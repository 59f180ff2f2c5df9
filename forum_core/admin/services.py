"""The administrator's work: site settings, categories, members' roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.services import DatabaseUserService
from ..db import insert_if_absent, read_rows, starts_with
from ..errors import ValidationError
from ..i18n import _
from ..moderation.services import DatabaseModerationService
from ..notifications import watching
from .models import SiteSetting

if TYPE_CHECKING:
    from pyramid.request import Request

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SiteField:
    """A site setting editable in the browser; ``setting`` names its forum.ini fallback."""

    key: str
    label: Any
    help: Any
    max_length: int
    setting: str | None = None
    multiline: bool = False


SITE_FIELDS = (
    SiteField("site_name", _("Site name"), _("Shown in the header, page titles and e-mail."), 80,
              setting="forum.site_name"),
    SiteField("site_description", _("Description"),
              _("One or two sentences on the home page and in search engines' results."), 300,
              multiline=True),
    SiteField("contact_email", _("Contact address"),
              _("Where members write when they need the administrators; shown on error "
                "pages. Leave empty to show none."), 200),
)


#: every page shows the site's name (built once)
_STORED = select(SiteSetting.key, SiteSetting.value)


def site_values(db: Session, settings: dict[str, Any]) -> dict[str, str]:
    """Every site field's value: set in the browser, else from forum.ini, else empty."""
    stored: dict[str, str] = dict(read_rows(db, _STORED).tuples().all())
    return {key: stored.get(key, value) for key, value in site_defaults(settings).items()}


def site_defaults(settings: dict[str, Any]) -> dict[str, str]:
    """Every site field's value from forum.ini, else empty: what a page drawn without the
    database (the "database not available" page) shows."""
    return {f.key: settings.get(f.setting, "") if f.setting else "" for f in SITE_FIELDS}


def request_site(request: Request) -> dict[str, str]:
    """The site's settings for this request (reified as ``request.site``)."""
    return site_values(request.db, request.registry.settings)


class AdminService:
    def __init__(self, session: Session) -> None:
        self.db = session

    def save_site(self, actor: User, values: dict[str, str]) -> None:
        """Store the site fields; raises ValidationError naming the first bad one."""
        cleaned = {}
        for field in SITE_FIELDS:
            value = " ".join(values.get(field.key, "").split())
            if len(value) > field.max_length:
                raise ValidationError(_("${field} has at most ${maximum} characters.",
                                        mapping={"field": field.label,
                                                 "maximum": field.max_length}))
            cleaned[field.key] = value
        if not cleaned["site_name"]:
            raise ValidationError(_("The site needs a name."))
        if cleaned["contact_email"] and not EMAIL.match(cleaned["contact_email"]):
            raise ValidationError(_("The contact address is not an e-mail address."))
        for key, value in cleaned.items():
            # two administrators saving at once: the later one's values win, no key clash
            if not insert_if_absent(self.db, SiteSetting, {"key": key, "value": value},
                                    ("key",)):
                self.db.execute(update(SiteSetting).where(SiteSetting.key == key)
                                .values(value=value))
        DatabaseModerationService(self.db).log(actor, "site_settings", "site", 0)

    def members(self, query: str = "", after_id: int | None = None, limit: int = 50,
                ) -> list[User]:
        """Members by id, those whose username or e-mail starts with ``query``."""
        statement = select(User).order_by(User.id).limit(limit)
        if query:
            statement = statement.where(starts_with(User.username, query)
                                        | starts_with(User.email, query))
        if after_id is not None:
            statement = statement.where(User.id > after_id)
        return list(self.db.scalars(statement))

    def set_role(self, actor: User, member: User, role: str) -> None:
        """Give ``member`` another role (logged); the last administrator cannot step down."""
        if member.role == "admin" and role != "admin":
            admins = self.db.scalar(select(func.count()).where(User.role == "admin")) or 0
            if admins <= 1:
                raise ValidationError(_("${name} is the only administrator; make someone else "
                                        "an administrator first.", mapping={"name": member.name}))
        old = member.role
        DatabaseUserService(self.db).set_role(member, role)
        if old != role:
            DatabaseModerationService(self.db).log(actor, "role", "user", member.id,
                                                   f"{old} → {role}")

    def set_follow_default(self, actor: User, principal: str, place: str, place_id: int,
                           level: str) -> None:
        """Give an audience a default level for a place (logged)."""
        watching.set_default(self.db, principal, place, place_id, level)
        DatabaseModerationService(self.db).log(actor, "follow_default", place, place_id,
                                               f"{principal} → {level}")

    def remove_follow_default(self, actor: User, principal: str, place: str,
                              place_id: int) -> None:
        watching.remove_default(self.db, principal, place, place_id)
        DatabaseModerationService(self.db).log(actor, "follow_default", place, place_id,
                                               f"{principal} → -")

    def save_stream(self, actor: User, stream: Any, name: str, description: str,
                    category_ids: list[int], tag_ids: list[int]) -> Any:
        """Make or change a stream (logged)."""
        saved = watching.save_stream(self.db, stream, name, description, category_ids,
                                     tag_ids)
        DatabaseModerationService(self.db).log(actor, "stream", "stream", saved.id, saved.name)
        return saved

    def delete_stream(self, actor: User, stream: Any) -> None:
        DatabaseModerationService(self.db).log(actor, "stream_deleted", "stream", stream.id,
                                               stream.name)
        watching.delete_stream(self.db, stream)
