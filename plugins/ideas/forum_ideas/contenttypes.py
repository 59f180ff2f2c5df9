"""The idea as a kind of content: searchable (filterable by status), and what notifications
about an idea's status point at."""

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

from .models import STATUS_LABELS, Idea


class IdeaType(ContentType):
    """An idea: its title and description (the topic's first post), with its status. Ideas
    are topics, so feeds and the sitemap have them already as topics."""

    name = "idea"
    label = _("Ideas")
    item_label = _("Idea")
    model = Idea
    structured_data = "CreativeWork"
    searchable = True
    statuses = tuple(STATUS_LABELS.items())
    watches = (Idea, Topic, Post)
    #: search lists an idea once, as an idea, not also as the topic it is
    stands_for = "topic"

    def changed(self, session, obj):
        # called while the session flushes: no queries; keys that are not ideas are ignored
        if isinstance(obj, Idea):
            return (obj.topic_id,)
        if isinstance(obj, Topic):
            return (obj.id,)
        if isinstance(obj, Post) and obj.number == 1:
            return (obj.topic_id,)
        return ()

    def documents(self, session, keys=None):
        last = 0
        while True:
            query = (select(Idea, Topic, Post).join(Topic, Topic.id == Idea.topic_id)
                     .join(Post, (Post.topic_id == Topic.id) & (Post.number == 1))
                     .order_by(Idea.topic_id))
            if keys is not None:
                query = query.where(Idea.topic_id.in_(list(keys)))
            else:
                query = query.where(Idea.topic_id > last).limit(500)
            rows = session.execute(query).all()
            for idea, topic, post in rows:
                yield SearchDocument("idea", topic.id, topic.title, plain_text(post.html),
                                     topic.created_at, topic.category_id, topic.user_id,
                                     status=idea.status)
            if keys is not None or not rows:
                return
            last = rows[-1][0].topic_id

    def count(self, session):
        return session.scalar(select(func.count()).select_from(Idea)) or 0

    @staticmethod
    def _query(request, keys):
        # the opening post through the visibility choke point: its topic must be visible too
        return (visible_posts(request.viewer).join(Idea, Idea.topic_id == Post.topic_id)
                .where(Post.number == 1, Post.topic_id.in_(list(keys))))

    def visible(self, request, keys):
        return set(request.db.scalars(self._query(request, keys)
                                      .with_only_columns(Post.topic_id)))

    def items(self, request, keys):
        rows = request.db.execute(
            self._query(request, keys).add_columns(Idea)
            .options(joinedload(Post.topic).joinedload(Topic.category),
                     joinedload(Post.author)))
        return {post.topic_id: ContentItem(
            "idea", post.topic_id, post.topic.title,
            request.route_path("content.topic", topic_id=post.topic_id, slug=post.topic.slug),
            post.topic.created_at, post.author, post.topic.category, status=idea.status,
            html=post.html, updated_at=idea.status_changed_at) for post, idea in rows}
