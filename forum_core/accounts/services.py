"""Accounts: creating members, roles, passwords and sign-in sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from ..db import insert_if_absent, lock_row, utcnow
from ..errors import ConflictError, ValidationError
from ..events import UserRegistered, UserRoleChanged, emit
from ..i18n import _, time_zone
from ..limits import (
    API_TOKENS_MAX,
    BIO_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PROFILE_TITLE_MAX,
    TOKEN_NAME_MAX,
    USERNAME_MAX,
    USERNAME_PATTERN,
    has_line_controls,
    has_text_controls,
    one_line,
)
from .interfaces import IUserService
from .models import ROLES, ApiToken, AuthSession, PasswordReset, User

TOKEN_PREFIX = "forum_"

USERNAME_RE = re.compile(USERNAME_PATTERN, re.ASCII)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Where a member's profile lives; mentions in posts link here.
PROFILE_ROUTE = "/u/{username}"

# Argon2id with one of OWASP's recommended settings: 7 MiB of memory, 5 passes, 1 lane (OWASP
# lists it with 19 MiB/2 passes and 46 MiB/1 pass as equally strong, trading memory for CPU).
# The library's default (64 MiB, 4 lanes) made each sign-in take 64 MiB: 8 server threads
# signing members in at once needed half a gigabyte. Hashes made with other parameters still
# verify, and are made again with these at the member's next sign-in (check_needs_rehash).
_hasher = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)
# verified against when the login matches nobody, so both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Every signed-in request runs one of these two: built once, so SQLAlchemy finds their
# compiled form without building and keying them again.
_SESSION_USER = (select(User).join(AuthSession, AuthSession.user_id == User.id)
                 .where(AuthSession.token_hash == bindparam("token_hash"),
                        AuthSession.expires_at > bindparam("now"), User.status != "banned"))
_API_TOKEN_USER = (select(User).join(ApiToken, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("token_hash"),
                          User.status != "banned"))


def user_for_session_token(db: Session, token: str) -> User | None:
    """The member signed in with the session cookie ``token``, or None (unknown, expired,
    signed out or banned)."""
    return db.scalar(_SESSION_USER, {"token_hash": hash_token(token), "now": utcnow()})


#: the start of a personal feed's secret, so it is recognised where it is pasted
FEED_TOKEN_PREFIX = "feed_"
_FEED_USER = select(User).where(User.feed_token_hash == bindparam("token_hash"),
                                User.status != "banned")


def user_for_feed_token(db: Session, secret: str) -> User | None:
    """The member whose personal feed's address holds ``secret``, or None (unknown,
    replaced, turned off or banned)."""
    if not secret.startswith(FEED_TOKEN_PREFIX) or len(secret) > 128:
        return None
    return db.scalar(_FEED_USER, {"token_hash": hash_token(secret)})


def user_for_api_token(db: Session, secret: str) -> User | None:
    """The member whose personal API token is ``secret``, or None (unknown, revoked or
    banned)."""
    return db.scalar(_API_TOKEN_USER, {"token_hash": hash_token(secret)})


@implementer(IUserService)
class DatabaseUserService:
    def __init__(self, session: Session) -> None:
        self.db = session

    # -- members ---------------------------------------------------------------------------

    def create_user(self, username: str, email: str, password: str, role: str = "member",
                    display_name: str = "", is_demo: bool = False) -> User:
        username, email = username.strip(), email.strip()
        if not USERNAME_RE.match(username):
            raise ValidationError(_(
                "A username has 3 to 30 characters: letters, digits, '_', '.' or '-', "
                "starting and ending with a letter or digit."))
        if not EMAIL_RE.match(email) or len(email) > EMAIL_MAX:
            raise ValidationError(_("Enter a valid e-mail address, like name@example.com."))
        self._check_password(password)
        self._check_role(role)
        self._check_free(username, email)
        # the same name or address sent twice at once (a double click, two tabs): the
        # database's unique keys decide, and the later request gets the form's answer
        if not insert_if_absent(self.db, User, {
                "username": username, "email": email,
                "password_hash": self.hash_password(password), "role": role,
                "display_name": display_name.strip(), "is_demo": is_demo}):
            self._check_free(username, email)
            raise ValidationError(_("The username ${username} is taken.",
                                    mapping={"username": username}))
        user = self.db.scalars(select(User).where(
            func.lower(User.username) == username.lower())).one()
        emit(self.db, UserRegistered(user_id=user.id, username=user.username))
        return user

    def _check_free(self, username: str, email: str) -> None:
        if self.get_by_username(username) is not None:
            raise ValidationError(_("The username ${username} is taken.",
                                    mapping={"username": username}))
        if self.db.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
            raise ValidationError(_("An account with this e-mail address exists already."))

    def mention_url(self, name: str) -> str | None:
        """The profile path of the member called ``name``, for @mentions (None: nobody)."""
        member = self.get_by_username(name)
        return None if member is None else PROFILE_ROUTE.format(username=member.username)

    def get_by_username(self, username: str) -> User | None:
        if len(username) > USERNAME_MAX:
            return None  # no member has such a name: no need to ask the database
        return self.db.scalar(select(User).where(func.lower(User.username) == username.lower()))

    def list_users(self, after_id: int | None = None, limit: int = 50) -> list[User]:
        query = select(User).order_by(User.id).limit(limit)
        if after_id is not None:
            query = query.where(User.id > after_id)
        return list(self.db.scalars(query))

    def set_role(self, user: User, role: str) -> None:
        self._check_role(role)
        if user.role == role:
            return
        old, user.role = user.role, role
        emit(self.db, UserRoleChanged(user_id=user.id, old_role=old, new_role=role))

    def set_password(self, user: User, password: str) -> None:
        self._check_password(password)
        user.password_hash = self.hash_password(password)

    def hash_password(self, password: str) -> str:
        """What is stored of a new ``password``: its argon2id hash, with a fresh salt."""
        return _hasher.hash(password)

    def verify_password(self, user: User, password: str) -> bool:
        try:
            return _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def change_password(self, user: User, current: str, new: str, keep_token: str | None
                        ) -> None:
        """Change the password after checking the current one; signs out every other browser."""
        if not self.verify_password(user, current):
            raise ValidationError(_("The current password is not right."))
        self.set_password(user, new)
        self.end_all_sessions(user, except_token=keep_token)

    def change_email(self, user: User, password: str, email: str) -> None:
        email = email.strip()
        if not self.verify_password(user, password):
            raise ValidationError(_("The current password is not right."))
        if not EMAIL_RE.match(email) or len(email) > EMAIL_MAX:
            raise ValidationError(_("Enter a valid e-mail address, like name@example.com."))
        taken = self.db.scalar(select(User.id).where(func.lower(User.email) == email.lower(),
                                                      User.id != user.id))
        if taken is not None:
            raise ValidationError(_("An account with this e-mail address exists already."))
        user.email = email

    def update_profile(self, user: User, display_name: str, title: str, bio: str) -> None:
        if has_line_controls(display_name + title) or has_text_controls(bio):
            raise ValidationError(_("The profile contains control characters; remove them."))
        display_name, title = one_line(display_name), one_line(title)
        if len(display_name) > DISPLAY_NAME_MAX or len(title) > PROFILE_TITLE_MAX:
            raise ValidationError(_("A name has at most ${name} characters, a title at most "
                                    "${title}.", mapping={"name": DISPLAY_NAME_MAX,
                                                          "title": PROFILE_TITLE_MAX}))
        if len(bio) > BIO_MAX:
            raise ValidationError(_("The bio has at most ${maximum} characters.",
                                    mapping={"maximum": BIO_MAX}))
        user.display_name, user.title, user.bio = display_name, title, bio.strip()

    def new_feed_token(self, user: User) -> str:
        """A new secret for the address of the member's personal feed; the old address
        stops working at once. The secret is returned once and only its hash is kept."""
        secret = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
        user.feed_token_hash = hash_token(secret)
        return secret

    def end_feed(self, user: User) -> None:
        """Turn the member's personal feed off: its address answers "not found"."""
        user.feed_token_hash = None

    def set_auto_track(self, user: User, enabled: bool) -> None:
        """Whether topics the member starts or replies to are tracked for them from now on
        (topics tracked already stay tracked)."""
        user.auto_track = enabled

    def set_keyboard_shortcuts(self, user: User, enabled: bool) -> None:
        """Whether pages answer the member's keyboard shortcuts (j/k, r, /, ?)."""
        user.keyboard_shortcuts = enabled

    def set_locale(self, user: User, locale: str | None, available: list[str]) -> None:
        if locale is not None and locale not in available:
            # not naming what was sent: it may be blank, and then the sentence reads wrong
            raise ValidationError(_("Choose one of the languages offered."))
        user.locale = locale

    def set_time_zone(self, user: User, name: str | None) -> None:
        """Read times in zone ``name`` from now on (None: the forum's)."""
        if name is not None and time_zone(name) is None:
            raise ValidationError(_("Choose one of the time zones offered."))
        user.time_zone = name

    def take_browser_time_zone(self, user: User, name: str | None) -> None:
        """What the browser said at sign-in or registration becomes the member's zone when
        they have none yet; anything that is not a zone is ignored (it is a hint, not an
        answer the member typed)."""
        if user.time_zone is None and time_zone(name) is not None:
            user.time_zone = name

    # -- password reset ----------------------------------------------------------------------

    def start_password_reset(self, email: str, hours: int = 2) -> tuple[User, str] | None:
        """A reset token for the member with this e-mail address, or None if there is none."""
        user = self.db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            return None
        token = secrets.token_urlsafe(32)
        now = utcnow()
        self.db.add(PasswordReset(user_id=user.id, token_hash=hash_token(token), created_at=now,
                                  expires_at=now + dt.timedelta(hours=hours)))
        return user, token

    def reset_for_token(self, token: str) -> PasswordReset | None:
        """The unused, unexpired reset of ``token``, or None."""
        if not token or len(token) > 128:
            return None
        return self.db.scalar(select(PasswordReset).where(
            PasswordReset.token_hash == hash_token(token), PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > utcnow()))

    def finish_password_reset(self, token: str, password: str) -> User:
        """Set the new password, use up the link and sign out every browser of the member."""
        reset = self.reset_for_token(token)
        if reset is None:
            raise ValidationError(_("This link to reset a password has expired or was used "
                                    "already; ask for a new one."))
        user = self.db.get(User, reset.user_id)
        assert user is not None  # foreign key
        self.set_password(user, password)
        reset.used_at = utcnow()
        self.end_all_sessions(user)
        return user

    def end_all_sessions(self, user: User, except_token: str | None = None) -> None:
        """Sign ``user`` out of every browser (except the one holding ``except_token``)."""
        query = delete(AuthSession).where(AuthSession.user_id == user.id)
        if except_token:
            query = query.where(AuthSession.token_hash != hash_token(except_token))
        self.db.execute(query)

    @staticmethod
    def _check_password(password: str) -> None:
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise ValidationError(_(
                "A password has ${minimum} to ${maximum} characters.",
                mapping={"minimum": PASSWORD_MIN, "maximum": PASSWORD_MAX}))

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise ValidationError(_("Choose one of the roles ${roles}.",
                                    mapping={"roles": ", ".join(ROLES)}))

    # -- signing in ------------------------------------------------------------------------

    def authenticate(self, login: str, password: str) -> User | None:
        login = login.strip().lower()
        user = self.db.scalar(select(User).where(
            (func.lower(User.username) == login) | (func.lower(User.email) == login)))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return user

    def start_session(self, user: User, days: int) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        self.db.add(AuthSession(token_hash=hash_token(token), user=user, created_at=now,
                                last_seen_at=now, expires_at=now + dt.timedelta(days=days)))
        return token

    def user_for_token(self, token: str) -> User | None:
        return user_for_session_token(self.db, token)

    # -- personal API tokens ---------------------------------------------------------------

    def create_api_token(self, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for ``user``; the secret is returned once and only its hash is kept."""
        name = one_line(name)
        if not 1 <= len(name) <= TOKEN_NAME_MAX or has_line_controls(name):
            raise ValidationError(_("Give the token a name of 1 to ${maximum} characters, such "
                                    "as the script that will use it.",
                                    mapping={"maximum": TOKEN_NAME_MAX}))
        # one member's tokens are made one at a time, so two at once cannot both slip
        # under the limit (SQLite writes one transaction at a time anyway)
        lock_row(self.db, User, user.id)
        if len(self.api_tokens(user)) >= API_TOKENS_MAX:
            raise ValidationError(_("You have ${maximum} tokens already; revoke one first.",
                                    mapping={"maximum": API_TOKENS_MAX}))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        # names are unique per member: the form sent twice at once makes one token (its
        # secret is shown once, to the first request), the second is told the name is used
        if not insert_if_absent(self.db, ApiToken, {
                "user_id": user.id, "name": name, "token_hash": hash_token(secret),
                "hint": secret[:len(TOKEN_PREFIX) + 4]}, ("user_id", "name")):
            raise ConflictError(_("You have a token named ${name} already; choose another "
                                  "name, or revoke that token first.", mapping={"name": name}))
        token = self.db.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.name == name)).one()
        return token, secret

    def api_tokens(self, user: User) -> list[ApiToken]:
        return list(self.db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                    .order_by(ApiToken.id)))

    def revoke_api_token(self, user: User, token_id: int) -> bool:
        """Delete one of ``user``'s tokens; False if they have no token with that id."""
        token = self.db.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                      ApiToken.user_id == user.id))
        if token is None:
            return False
        self.db.delete(token)
        return True

    def user_for_api_token(self, secret: str) -> User | None:
        return user_for_api_token(self.db, secret)

    def end_session(self, token: str) -> None:
        found = self.db.scalar(
            select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
        if found is not None:
            self.db.delete(found)
