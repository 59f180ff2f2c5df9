from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from forum_core.api import Base


class Item(Base):
    __tablename__ = "alpha_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(50), default="")
