"""The idea as a kind of content: searchable (filterable by status), and what notifications
about an idea's status point at."""

from __future__ import annotations

from forum_core.api import TopicRowType, _

from .models import STATUS_LABELS, Idea

#: the content type's name: what search documents, notifications and badges call an idea
TYPE_NAME = "idea"


class IdeaType(TopicRowType):
    """An idea: its title and description (the topic's first post), with its status. Ideas
    are topics, so feeds and the sitemap have them already as topics."""

    name = TYPE_NAME
    label = _("Ideas")
    item_label = _("Idea")
    model = Idea
    structured_data = "CreativeWork"
    statuses = tuple(STATUS_LABELS.items())

    def status_of(self, row: Idea) -> str:
        return row.status

    def updated_at_of(self, row: Idea):
        return row.status_changed_at
