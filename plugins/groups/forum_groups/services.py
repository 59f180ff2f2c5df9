"""What happens to groups: creating them and their spaces, joining, requests, invitations,
and announcements to one or more groups."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import delete, func, select

from forum_core.api import (
    AudienceJoined,
    Category,
    ConflictError,
    NotAllowedError,
    NotFoundError,
    NotificationKind,
    Post,
    Topic,
    User,
    ValidationError,
    _,
    emit,
    get_or_insert,
    govern,
    insert_if_absent,
    limits,
    lock_row,
    notify,
    slugify,
    utcnow,
)

from . import PRINCIPAL, plugin
from .models import KINDS, Group, Invitation, JoinRequest, Membership, Space

#: members of a group are told about an announcement to it (e-mailed by the group's own
#: announcement mail, to the members who ask for it per group: not again in digests)
ANNOUNCEMENT = NotificationKind("groups.announcement",
                                _("${actor} posted an announcement: ${title}"),
                                _("Announcements to my groups"), email="never")

RESERVED = {"new", "invite", "announce", "api"}
#: how long an invitation lasts, and the longest an invitation link may
INVITE_DAYS, INVITE_DAYS_MAX = 7, 90
GROUP_NAME_MIN, GROUP_NAME_MAX = 2, 80
JOIN_MESSAGE_MAX = 500
#: a deliberately loose check: the address is proven by the mail reaching it
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def attach_space(session, category: Category, group_id: int) -> Space:
    """Make ``category`` a space of the group ``group_id``. The plugin governs it: while the
    plugin is disabled, nobody but administrators sees it (its filter is not there)."""
    govern(category, plugin.id)
    space = Space(category_id=category.id, group_id=group_id)
    session.add(space)
    return space


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class GroupService:
    def __init__(self, session, content=None):
        self.db = session
        self.content = content  # the core's IContentService, to create a space's category

    # -- looking up ------------------------------------------------------------------------

    def membership(self, group: Group, user: User | None) -> Membership | None:
        if user is None:
            return None
        return self.db.scalar(select(Membership).where(Membership.group_id == group.id,
                                                       Membership.user_id == user.id))

    def can_manage(self, group: Group, user: User | None, principals) -> bool:
        """Owners of the group, and the forum's moderators and administrators."""
        if user is None:
            return False
        if "role:admin" in principals or "role:moderator" in principals:
            return True
        membership = self.membership(group, user)
        return membership is not None and membership.role == "owner"

    def listed(self, mine: list[int], is_admin: bool) -> list[Group]:
        """Groups a person may know about: all but hidden ones, plus hidden ones they are in
        (``mine``, the ids of their groups)."""
        query = select(Group).order_by(Group.name)
        if not is_admin:
            query = query.where((Group.kind != "hidden") | Group.id.in_(mine))
        return list(self.db.scalars(query))

    def members(self, group: Group) -> list[Membership]:
        return list(self.db.scalars(select(Membership).where(Membership.group_id == group.id)
                                    .order_by(Membership.role.desc(), Membership.id)))

    def requests(self, group: Group) -> list[JoinRequest]:
        return list(self.db.scalars(select(JoinRequest).where(JoinRequest.group_id == group.id)
                                    .order_by(JoinRequest.id)))

    def spaces(self, group: Group) -> list[Space]:
        return list(self.db.scalars(select(Space).join(Category)
                                    .where(Space.group_id == group.id)
                                    .order_by(Category.position, Category.id)))

    def invitations(self, group: Group) -> list[Invitation]:
        """Invitations not yet used or expired: to members, to e-mail addresses, links."""
        return list(self.db.scalars(select(Invitation).where(
            Invitation.group_id == group.id, Invitation.expires_at > utcnow())
            .order_by(Invitation.id)))

    def announceable(self, user: User | None, principals) -> list[Group]:
        """The groups ``user`` may send announcements to: every group for administrators,
        the groups they own for everyone else."""
        if user is None:
            return []
        query = select(Group).order_by(Group.name)
        if "role:admin" not in principals:
            query = query.join(Membership).where(Membership.user_id == user.id,
                                                 Membership.role == "owner")
        return list(self.db.scalars(query))

    def pending_invitation(self, group: Group, user: User | None) -> Invitation | None:
        if user is None:
            return None
        return self.db.scalar(select(Invitation).where(
            Invitation.group_id == group.id, Invitation.user_id == user.id,
            Invitation.expires_at > utcnow()))

    # -- changes ---------------------------------------------------------------------------

    def create_group(self, owner: User, name: str, description: str, kind: str) -> Group:
        if limits.has_line_controls(name) or len(name.strip()) < GROUP_NAME_MIN \
                or len(name) > GROUP_NAME_MAX:
            raise ValidationError(_("A group name has ${minimum} to ${maximum} characters.",
                                    mapping={"minimum": GROUP_NAME_MIN,
                                             "maximum": GROUP_NAME_MAX}))
        if limits.has_text_controls(description) or len(description) > limits.DESCRIPTION_MAX:
            raise ValidationError(_("A description has at most ${maximum} characters, and no "
                                    "control characters.",
                                    mapping={"maximum": limits.DESCRIPTION_MAX}))
        if kind not in KINDS:
            raise ValidationError(_("Choose what kind of group it is."))
        name = limits.one_line(name)
        slug = slugify(name)
        # the same name sent twice at once (a double click) makes one group, and one refusal
        if slug in RESERVED or not insert_if_absent(
                self.db, Group, {"slug": slug, "name": name,
                                 "description": description.strip(), "kind": kind},
                ("slug",)):
            raise ConflictError(_("A group with the address ${slug} exists already.",
                                  mapping={"slug": slug}))
        group = self.db.scalars(select(Group).where(Group.slug == slug)).one()
        self.add_member(group, owner, "owner")
        return group

    def add_space(self, group: Group, name: str, description: str = ""):
        """A category of the group's own: only its members (and administrators) see it."""
        category = self.content.create_category(name, description, read_access="members",
                                                topic_access="members",
                                                reply_access="members")
        attach_space(self.db, category, group.id)
        self.db.flush()
        return category

    def add_member(self, group: Group, user: User, role: str = "member") -> Membership:
        """The member's membership of the group, made with ``role`` if they were not in it
        (their request to join and invitations are then used up). Joining twice at once,
        from two tabs or a retrying script, makes one membership and answers both alike."""
        membership, created = get_or_insert(
            self.db, Membership, {"group_id": group.id, "user_id": user.id, "role": role},
            ("group_id", "user_id"))
        if created:
            # the defaults an administrator set for the group's members (follow levels)
            emit(self.db, AudienceJoined(user.id, f"{PRINCIPAL}{group.id}"))
            self.db.execute(delete(JoinRequest).where(JoinRequest.group_id == group.id,
                                                      JoinRequest.user_id == user.id))
            self.db.execute(delete(Invitation).where(Invitation.group_id == group.id,
                                                     Invitation.user_id == user.id))
        return membership

    def join(self, group: Group, user: User, message: str = "") -> str:
        """Join an open group, ask to join one on request; returns "joined" or "requested"."""
        if self.membership(group, user) is not None:
            return "joined"
        if self.pending_invitation(group, user) is not None or group.kind == "open":
            self.add_member(group, user)
            return "joined"
        if group.kind == "request":
            # asking twice keeps the first request (and its message)
            insert_if_absent(self.db, JoinRequest,
                             {"group_id": group.id, "user_id": user.id,
                              "message": limits.one_line(message)[:JOIN_MESSAGE_MAX]},
                             ("group_id", "user_id"))
            return "requested"
        raise NotAllowedError(_("This group is by invitation only."))

    def leave(self, group: Group, user: User) -> None:
        membership = self.membership(group, user)
        if membership is None:
            return
        if membership.role == "owner" and self._owners(group) <= 1:
            raise ConflictError(_("You are the group's only owner; make someone else an "
                                  "owner first."))
        self.db.delete(membership)

    def _owners(self, group: Group) -> int:
        return self.db.scalar(select(func.count()).where(Membership.group_id == group.id,
                                                         Membership.role == "owner")) or 0

    def set_role(self, group: Group, user: User, role: str) -> None:
        membership = self.membership(group, user)
        if membership is None or role not in ("owner", "member"):
            raise NotFoundError(_("That member is not in the group."))
        if membership.role == "owner" and role == "member" and self._owners(group) <= 1:
            raise ConflictError(_("The group needs at least one owner."))
        membership.role = role

    def remove(self, group: Group, user: User) -> None:
        membership = self.membership(group, user)
        if membership is None:
            raise NotFoundError(_("That member is not in the group."))
        if membership.role == "owner" and self._owners(group) <= 1:
            raise ConflictError(_("The group needs at least one owner."))
        self.db.delete(membership)

    def decide(self, group: Group, request_id: int, approve: bool) -> None:
        found = self.db.scalar(select(JoinRequest).where(JoinRequest.id == request_id,
                                                         JoinRequest.group_id == group.id))
        if found is None:
            raise NotFoundError(_("That request does not exist (any more)."))
        user = found.user
        self.db.delete(found)
        if approve:
            self.add_member(group, user)

    def invite(self, group: Group, inviter: User, user: User) -> Invitation:
        # invitations to one member have no unique key (expired ones are kept): inviting
        # waits for another invitation to the group being written at the same moment, so
        # two clicks on "invite" make one invitation
        lock_row(self.db, Group, group.id)
        if self.membership(group, user) is not None:
            raise ConflictError(_("${name} is a member already.", mapping={"name": user.name}))
        invitation = self.pending_invitation(group, user)
        if invitation is None:
            invitation = Invitation(group_id=group.id, user_id=user.id,
                                    invited_by_id=inviter.id,
                                    expires_at=utcnow() + dt.timedelta(days=INVITE_DAYS))
            self.db.add(invitation)
        return invitation

    def invitation_link(self, group: Group, inviter: User, days: int = INVITE_DAYS,
                        email: str | None = None) -> str:
        """A new invitation link's token (only its hash is stored); ``email`` is the address
        it is sent to, for someone who has no account yet."""
        if not 1 <= days <= INVITE_DAYS_MAX:
            raise ValidationError(_("A link is valid for 1 to ${maximum} days.",
                                    mapping={"maximum": INVITE_DAYS_MAX}))
        if email is not None:
            email = email.strip().lower()
            if len(email) > limits.EMAIL_MAX or not EMAIL.match(email) \
                    or limits.has_line_controls(email):
                raise ValidationError(_("${email} is not an e-mail address.",
                                        mapping={"email": email[:limits.EMAIL_MAX]}))
        token = secrets.token_urlsafe(24)
        self.db.add(Invitation(group_id=group.id, token_hash=token_hash(token), email=email,
                               invited_by_id=inviter.id,
                               expires_at=utcnow() + dt.timedelta(days=days)))
        return token

    def revoke(self, group: Group, invitation_id: int) -> None:
        found = self.db.scalar(select(Invitation).where(Invitation.id == invitation_id,
                                                        Invitation.group_id == group.id))
        if found is None:
            raise NotFoundError(_("That invitation does not exist (any more)."))
        self.db.delete(found)

    def set_email_announcements(self, group: Group, user: User, wanted: bool) -> None:
        membership = self.membership(group, user)
        if membership is None:
            raise ConflictError(_("Only members get a group's announcements."))
        membership.email_announcements = wanted

    # -- announcements ---------------------------------------------------------------------

    def announce(self, author: User, groups: list[Group], title: str, body: str,
                 ) -> list[tuple[Group, Topic]]:
        """Post the same announcement as a pinned topic in the first space of each group,
        and notify each group's members (each member once per topic)."""
        if not groups:
            raise ValidationError(_("Choose at least one group."))
        spaces = {}
        for group in groups:
            found = self.spaces(group)
            if not found:
                raise ConflictError(_("${name} has no space to post in yet.",
                                      mapping={"name": group.name}))
            spaces[group.id] = found[0].category
        posted = []
        for group in groups:
            topic = self.content.create_topic(author, spaces[group.id], title, body)
            topic.is_pinned = True
            first = self.db.scalar(select(Post).where(Post.topic_id == topic.id,
                                                      Post.number == 1))
            notify(self.db, self.member_ids(group), ANNOUNCEMENT.name, first, actor=author)
            posted.append((group, topic))
        return posted

    def member_ids(self, group: Group) -> list[int]:
        return list(self.db.scalars(select(Membership.user_id)
                                    .where(Membership.group_id == group.id)))

    def email_recipients(self, groups: list[Group], author: User) -> list[tuple[User, Group]]:
        """Members of ``groups`` who want announcements by e-mail, each once (with one of
        their groups among ``groups``), never the author or a banned member."""
        by_id = {group.id: group for group in groups}
        rows = self.db.execute(
            select(User, Membership.group_id).join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id.in_(by_id), Membership.email_announcements.is_(True),
                   User.id != author.id, User.status != "banned")
            .order_by(User.id, Membership.group_id))
        chosen: dict[int, tuple[User, Group]] = {}
        for user, group_id in rows:
            chosen.setdefault(user.id, (user, by_id[group_id]))
        return list(chosen.values())

    def for_token(self, token: str) -> Invitation | None:
        if not token or len(token) > 100:
            return None
        return self.db.scalar(select(Invitation).where(
            Invitation.token_hash == token_hash(token), Invitation.expires_at > utcnow()))


class GroupsCapability:
    """The ``groups`` capability: what other plugins (and plugin authors' tests) may do with
    groups without importing this plugin."""

    def group_ids_of(self, session, user_id: int) -> list[int]:
        return list(session.scalars(select(Membership.group_id)
                                    .where(Membership.user_id == user_id)))

    def group_names(self, session) -> dict[int, str]:
        return dict(session.execute(select(Group.id, Group.name)
                                    .order_by(Group.name, Group.id)).tuples().all())

    def members_among(self, session, group_id: int, user_ids) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        return set(session.scalars(select(Membership.user_id).where(
            Membership.group_id == group_id, Membership.user_id.in_(ids))))

    def member_ids(self, session, group_id: int) -> list[int]:
        return list(session.scalars(select(Membership.user_id).where(
            Membership.group_id == group_id).order_by(Membership.user_id)))

    def create_group(self, session, name: str, owner_id: int, members=(),
                     kind: str = "invite") -> int:
        service = GroupService(session)
        group = service.create_group(session.get(User, owner_id), name, "", kind)
        for user_id in members:
            service.add_member(group, session.get(User, user_id))
        return group.id

    def add_space(self, session, group_id: int, name: str) -> str:
        slug = slugify(name)
        if session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
            raise ValidationError(_("A category with the address ${slug} exists already.",
                                    mapping={"slug": slug}))
        category = Category(slug=slug, name=" ".join(name.split())[:80],
                            description="", read_access="members", topic_access="members",
                            reply_access="members")
        session.add(category)
        session.flush()  # the space row needs the category's id
        attach_space(session, category, group_id)
        return slug

