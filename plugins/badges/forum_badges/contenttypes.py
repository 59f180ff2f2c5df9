"""A badge as content: what an award's notification is about, and what links to it."""

from __future__ import annotations

from sqlalchemy import select

from forum_core.api import ContentItem, ContentType, _

from .defaults import shown_name
from .models import Badge


class BadgeType(ContentType):
    """Badges are public while enabled; a disabled one is nowhere (its notifications say
    nothing about it)."""

    name = "badge"
    label = _("Badges")
    item_label = _("Badge")
    model = Badge

    def items(self, request, keys):
        if not keys:
            return {}
        badges = request.db.scalars(select(Badge).where(Badge.id.in_(list(keys)),
                                                        Badge.enabled.is_(True)))
        return {badge.id: ContentItem(
            type=self.name, key=badge.id, title=shown_name(request.localizer, badge),
            url=request.route_path("badges.badge", slug=badge.slug),
            created_at=badge.created_at) for badge in badges}
