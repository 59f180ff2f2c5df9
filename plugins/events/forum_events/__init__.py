"""Events, from invitation to follow-up.

An event is a topic of any category (a group's space too) plus a row of
:class:`~.models.Event`: its time in the organiser's zone, place, seats and rules, and its
dates (:class:`~.models.Occurrence`, several for a recurring event). Whoever may read the
category sees the event: visibility, search, notifications and the topic's replies (the
event's discussion) are the core's. Members answer going, maybe or not going per date, with
a waiting list when it is full; organisers invite members, groups and e-mail addresses, check
attendees in and read the feedback. Reminders, changes and cancellations reach everyone who
answered, with an .ics that calendar programs take.
"""

from __future__ import annotations

from pathlib import Path

from forum_core.api import (
    Markup,
    Plugin,
    _,
    escape,
    hookimpl,
    once_per_request,
    read_rows,
    static_file_path,
)

from . import models  # noqa: F401  (registers the plugin's tables)

plugin = Plugin(
    id="events",
    description="Events: invitations, RSVPs with waiting lists, reminders, check-in, "
                "follow-up and calendar feeds.",
    api_version=2,
)

#: served by the core under /static/plugins/events
STATIC = Path(__file__).resolve().parent / "static"


def is_event(request, topic_id: int) -> bool:
    """Whether topic ``topic_id`` is an event (one indexed read per topic and request)."""
    from sqlalchemy import bindparam, select

    from .models import Event

    query = select(Event.topic_id).where(Event.topic_id == bindparam("topic_id"))
    return once_per_request(request, ("events", "is", topic_id), lambda: read_rows(
        request.db, query, {"topic_id": topic_id}).first() is not None)


# -- who sees what -------------------------------------------------------------------------

@hookimpl
def forum_extra_principals(request, user):
    """A member who went to an event (or runs it) gets its follow-up's principal."""
    if user is None:
        return []
    from .followup import followup_principals

    return followup_principals(request.db, user.id)


@hookimpl
def forum_visibility_filter(viewer, model):
    """Follow-up spaces are for those who went, the organisers and staff; the category
    they are in decides the rest, as for any topic."""
    from forum_core.api import Topic, governed_topics_for

    from .followup import PRINCIPAL_PREFIX

    if model is not Topic or viewer.is_staff:
        return None
    return governed_topics_for(plugin.id, viewer.principals, PRINCIPAL_PREFIX)


# -- declarations --------------------------------------------------------------------------

@hookimpl
def forum_register_content_types():
    from .contenttypes import EventType

    return [EventType()]


@hookimpl
def forum_register_notification_kinds():
    from .services import KINDS

    return list(KINDS)


@hookimpl
def forum_register_capabilities():
    from .services import EventAttendance

    return {"attendance": EventAttendance()}


@hookimpl
def forum_register_badge_rules():
    """Went to an event (:mod:`.recognition`): the badges plugin's Attendee badge."""
    from .recognition import Attended

    return [Attended()]


@hookimpl
def forum_register_api_endpoints():
    from .api import ENDPOINTS

    return ENDPOINTS


@hookimpl
def forum_register_jobs():
    from .mails import jobs

    return jobs()


@hookimpl
def forum_demo_data(session, admin):
    from .demo import create_demo_events

    create_demo_events(session, admin)


# -- what pages show -----------------------------------------------------------------------

@hookimpl
def forum_extra_css_urls(request):
    return [static_file_path(request, STATIC / "events.css")]


@hookimpl
def forum_tpl_nav(request):
    label = escape(request.translate(_("Events")))
    return Markup('<li><a class="nav-events" href="{}">{}</a></li>').format(
        request.route_path("events.index"), label)


@hookimpl
def forum_tpl_topic(request, topic):
    """The event box under an event's title: when (on the reader's clock), where (for
    attendees), seats, the reader's answer, and the organisers' tools."""
    if not is_event(request, topic.id):
        return None
    from .views import event_box

    return event_box(request, topic)


def includeme(config):
    """Pages under /events (the fixed addresses before those with an event's id)."""
    config.add_route("events.index", "/")
    config.add_route("events.month", "/month")
    config.add_route("events.mine", "/mine")
    config.add_route("events.feed_settings", "/mine/feed")
    config.add_route("events.new", "/new")
    config.add_route("events.import", "/import")
    config.add_route("events.member_feed", "/feed/{token}.ics")
    config.add_route("events.category_feed", "/c/{slug}.ics")
    config.add_route("events.invitation", "/invitation/{token}")
    config.add_route("events.edit", "/{topic_id}/edit")
    config.add_route("events.rsvp", "/{topic_id}/rsvp")
    config.add_route("events.cancel", "/{topic_id}/cancel")
    config.add_route("events.date", "/{topic_id}/date")
    config.add_route("events.invite", "/{topic_id}/invite")
    config.add_route("events.checkin", "/{topic_id}/checkin")
    config.add_route("events.feedback", "/{topic_id}/feedback")
    config.add_route("events.ics", "/{topic_id}/event.ics")
    config.scan(".views")
