"""What the rest of the forum may ask of discussions; the implementation is in services.py."""

from __future__ import annotations

from zope.interface import Interface


class IContentService(Interface):
    """Writing discussions: ``request.find_service(IContentService)`` in a view,
    ``content_service(session)`` elsewhere. Raises ``ValidationError`` for bad input."""

    def create_category(name, description="", slug=None, parent=None, read_access="everyone",
                        topic_access="members", reply_access="members", position=None,
                        colour=None, icon=None):
        """Create a category; raises ValidationError for a bad name, level, taken slug, or a
        colour or icon that is not one of the built-in ones."""

    def create_topic(author, category, title, source):
        """Start a topic with its first post; raises ValidationError for bad input."""

    def reply(author, topic, source, hold=False):
        """Add a post to a topic; numbers and counters stay exact under concurrency. With
        ``hold`` it waits for the moderators' approval."""

    def edit_post(editor, post, source):
        """Replace a post's text, keeping the previous text as a revision."""

    def revisions(post):
        """Earlier texts of a post, newest first."""

    def mark_read(user, topic, number):
        """Record that a member has read a topic up to post ``number``."""


class ITagService(Interface):
    """Tags: ``request.find_service(ITagService)`` in a view (it applies ``forum.tagging``
    and ``forum.max_tags_per_topic``). Raises ``ValidationError`` (or its kinds) for bad
    input. A plugin's content type opts in by tagging its items under its type's name:
    ``set_tags(request.user, "idea", idea.id, ["linux"])``, shown with ``tags_of``."""

    def create_tag(name, description="", group=None):
        """Create a tag; refuses a bad name or an address that is taken."""

    def update_tag(tag, name, description, group):
        """Rename, describe or regroup a tag."""

    def delete_tag(tag):
        """Delete a tag, keeping the content it was on."""

    def may_tag(user):
        """Whether ``user`` may put tags on what they may edit."""

    def check_tags(actor, names, content_type=None, key=None):
        """Refuse what ``set_tags`` would refuse, writing nothing (before creating an item)."""

    def set_tags(actor, content_type, key, names):
        """Make the tags of one item those named ``names``; returns the tags."""
