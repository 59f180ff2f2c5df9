"""Test plugin 'kbanswers': provides the ``accepted_answer`` capability (as a support Q&A
plugin would), answering from :data:`ACCEPTED`, which a test fills in."""

from __future__ import annotations

from forum_core.api import Plugin, hookimpl

plugin = Plugin(id="kbanswers", description="Accepted answers (knowledge base tests).",
                api_version=2)

#: the accepted post's id of each topic id, as a test sets them
ACCEPTED: dict[int, int] = {}


class AcceptedAnswers:
    def accepted_answers(self, session, topic_ids):
        return {topic_id: ACCEPTED[topic_id] for topic_id in topic_ids if topic_id in ACCEPTED}


@hookimpl
def forum_register_capabilities():
    return {"accepted_answer": AcceptedAnswers()}
