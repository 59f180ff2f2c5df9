"""What the groups plugin e-mails: invitations and announcements, each in the recipient's
language, queued as background jobs with the request's transaction (sent after it commits,
tried again while the mail server fails)."""

from __future__ import annotations

from sqlalchemy import func, select

from forum_core.api import IUserService, NotFoundError, User, ValidationError, _, limits, send_mail

from .models import Group
from .services import INVITE_DAYS, GroupService


def site_name(request) -> str:
    return request.site["site_name"] or request.registry.settings["forum.site_name"]


def invite_by_mail(request, service: GroupService, group: Group, who: str) -> str:
    """Invite a member by username or e-mail address, or someone without an account by
    e-mail (a link only the holder of the mailbox gets); tells them by e-mail. Returns the
    notice for the person who invited."""
    who = who.strip()
    if not who or limits.has_line_controls(who):
        raise ValidationError(_("Enter a username or an e-mail address."))
    site = site_name(request)
    target = request.find_service(IUserService).get_by_username(who) or request.db.scalar(
        select(User).where(func.lower(User.email) == who.lower()))
    if target is not None:
        service.invite(group, request.user, target)
        send_mail(request, target.email, _("You are invited to ${group} on ${site}", mapping={
            "group": group.name, "site": site}), _(
            "Hello ${name},\n\n${inviter} invites you to the group ${group} on ${site}. To "
            "accept, open the group's page within ${days} days:\n\n${link}\n",
            mapping={"name": target.name, "inviter": request.user.name, "group": group.name,
                     "site": site, "days": INVITE_DAYS,
                     "link": request.route_url("groups.group", slug=group.slug)}),
            target.locale)
        return _("${name} is invited and was told by e-mail.", mapping={"name": target.name})
    if "@" not in who:
        raise NotFoundError(_("There is no member ${author}.", mapping={"author": who}))
    token = service.invitation_link(group, request.user, email=who)
    who = who.strip().lower()
    send_mail(request, who, _("You are invited to ${group} on ${site}", mapping={
        "group": group.name, "site": site}), _(
        "Hello,\n\n${inviter} invites you to the group ${group} on ${site}. Open this link "
        "within ${days} days, create an account (or sign in), and accept:\n\n${link}\n\n"
        "If you do not know ${site}, ignore this message.",
        mapping={"inviter": request.user.name, "group": group.name, "site": site,
                 "days": INVITE_DAYS, "link": request.route_url("groups.invite", token=token)}))
    return _("An invitation was sent to ${email}.", mapping={"email": who})


def mail_announcement(request, service: GroupService, groups, posted) -> int:
    """E-mail an announcement to the members of ``groups`` who asked for it, in their
    language, with a link to the topic in their group; returns how many were sent."""
    site = site_name(request)
    topics = {group.id: topic for group, topic in posted}
    recipients = service.email_recipients(groups, request.user)
    for user, group in recipients:
        topic = topics[group.id]
        send_mail(request, user.email, _("[${group}] ${title}", mapping={
            "group": group.name, "title": topic.title}), _(
            "Hello ${name},\n\n${author} posted an announcement to ${group} on ${site}:\n\n"
            "${title}\n${link}\n\nYou get this because you asked for the group's "
            "announcements by e-mail. To stop them, untick the box on ${page}",
            mapping={"name": user.name, "author": request.user.name, "group": group.name,
                     "site": site, "title": topic.title,
                     "link": request.route_url("content.topic", topic_id=topic.id,
                                               slug=topic.slug),
                     "page": request.route_url("groups.group", slug=group.slug)}),
            user.locale)
    return len(recipients)
