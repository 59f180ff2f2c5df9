"""The question as a kind of content: searchable (filterable by state), and what notifications
about a question point at. Questions are topics, so feeds and the sitemap have them already as
topics; private conversations are no questions at all."""

from __future__ import annotations

from forum_core.api import TopicRowType, _

from .models import STATE_LABELS, Question


class QuestionType(TopicRowType):
    """A support question: its title and text (the topic's first post), with its state."""

    name = "question"
    label = _("Questions")
    item_label = _("Question")
    model = Question
    structured_data = "QAPage"
    statuses = tuple(STATE_LABELS.items())

    def status_of(self, row: Question) -> str:
        return row.state

    def updated_at_of(self, row: Question):
        return row.solved_at
