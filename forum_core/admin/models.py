"""Site settings an administrator changes in the browser (the rest live in forum.ini)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class SiteSetting(Base):
    """One value set on the admin pages; it wins over the configuration file's."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
