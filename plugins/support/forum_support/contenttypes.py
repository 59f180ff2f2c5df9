"""The question as a kind of content: searchable (filterable by state), and what notifications
about a question point at. Questions are topics, so feeds and the sitemap have them already as
topics; private conversations are no questions at all."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum_core.api import (
    ContentItem,
    ContentType,
    Post,
    SearchDocument,
    Topic,
    _,
    plain_text,
    visible_posts,
)

from .models import STATE_LABELS, Question


class QuestionType(ContentType):
    """A support question: its title and text (the topic's first post), with its state."""

    name = "question"
    label = _("Questions")
    item_label = _("Question")
    model = Question
    structured_data = "QAPage"
    searchable = True
    statuses = tuple(STATE_LABELS.items())
    watches = (Question, Topic, Post)
    #: search lists a question once, as a question, not also as the topic it is
    stands_for = "topic"

    def changed(self, session, obj):
        # called while the session flushes: no queries; keys that are not questions are
        # ignored
        if isinstance(obj, Question):
            return (obj.topic_id,)
        if isinstance(obj, Topic):
            return (obj.id,)
        if isinstance(obj, Post) and obj.number == 1:
            return (obj.topic_id,)
        return ()

    def documents(self, session, keys=None):
        last = 0
        while True:
            query = (select(Question, Topic, Post).join(Topic, Topic.id == Question.topic_id)
                     .join(Post, (Post.topic_id == Topic.id) & (Post.number == 1))
                     .order_by(Question.topic_id))
            if keys is not None:
                query = query.where(Question.topic_id.in_(list(keys)))
            else:
                query = query.where(Question.topic_id > last).limit(500)
            rows = session.execute(query).all()
            for question, topic, post in rows:
                yield SearchDocument("question", topic.id, topic.title, plain_text(post.html),
                                     topic.created_at, topic.category_id, topic.user_id,
                                     status=question.state)
            if keys is not None or not rows:
                return
            last = rows[-1][0].topic_id

    def count(self, session):
        return session.scalar(select(func.count()).select_from(Question)) or 0

    @staticmethod
    def _query(request, keys):
        # the opening post through the visibility choke point: its topic must be visible too
        return (visible_posts(request.viewer).join(Question, Question.topic_id == Post.topic_id)
                .where(Post.number == 1, Post.topic_id.in_(list(keys))))

    def visible(self, request, keys):
        return set(request.db.scalars(self._query(request, keys)
                                      .with_only_columns(Post.topic_id)))

    def items(self, request, keys):
        rows = request.db.execute(
            self._query(request, keys).add_columns(Question)
            .options(joinedload(Post.topic).joinedload(Topic.category),
                     joinedload(Post.author)))
        return {post.topic_id: ContentItem(
            "question", post.topic_id, post.topic.title,
            request.route_path("content.topic", topic_id=post.topic_id, slug=post.topic.slug),
            post.topic.created_at, post.author, post.topic.category, status=question.state,
            html=post.html, updated_at=question.solved_at) for post, question in rows}
