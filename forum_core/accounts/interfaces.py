"""What the rest of the forum may ask of accounts; implementations live in services.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zope.interface import Interface

if TYPE_CHECKING:
    from .models import ApiToken, User


class IUserService(Interface):
    """Members and sign-in: ``request.find_service(IUserService)``."""

    def create_user(username: str, email: str, password: str, role: str = "member",
                    display_name: str = "", is_demo: bool = False) -> User:
        """Create a member after checking the username, e-mail and password rules.

        Raises ValidationError with a message for the person if any rule is broken or the
        username or e-mail is taken (compared without regard to case).
        """

    def get_by_username(username: str) -> User | None:
        """The member with this username, compared without regard to case."""

    def list_users(after_id: int | None = None, limit: int = 50) -> list[User]:
        """Members ordered by id, starting after ``after_id`` (keyset pagination)."""

    def set_role(user: User, role: str) -> None:
        """Change a member's role; raises ValidationError for an unknown role."""

    def authenticate(login: str, password: str) -> User | None:
        """The member whose username or e-mail and password match, or None."""

    def start_session(user: User, days: int) -> str:
        """Sign ``user`` in for ``days`` of inactivity; returns the token for the cookie."""

    def user_for_token(token: str) -> User | None:
        """The member signed in with ``token``, or None if unknown or expired."""

    def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
        """A new personal API token named ``name``: the stored row and the secret, which is
        shown to the member once (only its hash is kept).

        Raises ConflictError if the member has a token of that name already (names are
        unique per member), ValidationError for a bad name or too many tokens.
        """

    def api_tokens(user: User) -> list[ApiToken]:
        """The member's tokens, oldest first."""

    def revoke_api_token(user: User, token_id: int) -> bool:
        """Delete one of the member's tokens; False if there is no such token of theirs."""

    def user_for_api_token(secret: str) -> User | None:
        """The member a Bearer token belongs to, or None (unknown, revoked, or banned)."""

    def end_session(token: str) -> None:
        """Sign out the browser holding ``token``."""
