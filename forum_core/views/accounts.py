"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import FileResponse
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..accounts.avatars import NAME_RE, avatar_dir, remove_avatar, store_avatar
from ..accounts.interfaces import IUserService
from ..accounts.security import COOKIE_NAME
from ..accounts.services import PROFILE_ROUTE
from ..content.follows import LEVELS
from ..errors import ValidationError
from ..i18n import _, language_names, time_zone_names
from ..limits import FORM_FIELD_MAX, PASSWORD_MAX, parse_id
from ..mail import Mail, check_mail_can_be_queued, queue_mail
from ..notifications import email_choices, preferences, watching
from ..ratelimit import hit
from ..visibility.queries import member_activity, recent_activity
from ..web.httpcache import keep_private, same_for_every_visitor
from ..web.redirects import safe_next

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.register", "/register")
    config.add_route("accounts.forgot", "/password/forgot")
    config.add_route("accounts.reset", "/password/reset/{token}")
    config.add_route("accounts.settings", "/account")
    config.add_route("accounts.profile", PROFILE_ROUTE)
    config.add_route("accounts.card", PROFILE_ROUTE + "/card")
    config.add_route("accounts.avatar", "/avatars/{name}")
    config.scan(__name__)


@view_config(route_name="accounts.login", request_method="GET", renderer="accounts/login.html")
def login_form(request: Request) -> dict[str, Any]:
    return {"login": "", "error": None, "next": safe_next(request, request.GET.get("next"))}


@view_config(route_name="accounts.login", request_method="POST", renderer="accounts/login.html")
def login(request: Request) -> Any:
    login_name = request.POST.get("login", "")[:FORM_FIELD_MAX]
    # no password longer than PASSWORD_MAX was ever stored; earlier releases cut it there
    password = request.POST.get("password", "")[:PASSWORD_MAX]
    next_url = safe_next(request, request.POST.get("next"))
    settings = request.registry.settings
    # per account from one address (guessing one password), and per address over all
    # accounts (trying one password on many accounts)
    hit(request.db, "login", f"{request.client_addr}:{login_name.strip().lower()}",
        settings["forum.rate_login"])
    hit(request.db, "login-address", str(request.client_addr), settings["forum.rate_login_address"])
    user = request.find_service(IUserService).authenticate(login_name, password)
    if user is None:
        request.response.status = 400
        return {"login": login_name, "next": next_url,
                "error": request.translate(_("Wrong username, e-mail address or password."))}
    if user.status == "banned":
        request.response.status = 403
        return {"login": login_name, "next": next_url, "error": request.translate(_(
            "This account is banned. Contact the administrator if you think this is a "
            "mistake."))}
    request.find_service(IUserService).take_browser_time_zone(user, _browser_zone(request))
    return HTTPSeeOther(next_url, headers=remember(request, user))


def _browser_zone(request: Request) -> str:
    """The time zone the sign-in and registration forms' script read from the browser."""
    return request.POST.get("time_zone", "")[:FORM_FIELD_MAX]


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_path("core.home"), headers=forget(request))


def _error(request: Request, exc: ValidationError) -> str:
    request.response.status = 400
    return request.translate(exc.message)


@view_config(route_name="accounts.register", renderer="accounts/register.html")
def register(request: Request) -> Any:
    # where the new member goes once registered (an invitation's page): a path on this forum
    next_url = safe_next(request, request.params.get("next"), request.route_path("core.home"))
    values = {"username": "", "email": "", "next": next_url}
    if request.user is not None:
        return HTTPSeeOther(next_url)
    if request.method == "POST":
        values = {"username": request.POST.get("username", "")[:FORM_FIELD_MAX],
                  "email": request.POST.get("email", "")[:FORM_FIELD_MAX], "next": next_url}
        password = request.POST.get("password", "")[:FORM_FIELD_MAX]
        hit(request.db, "register", str(request.client_addr),
            request.registry.settings["forum.rate_register"])
        if password != request.POST.get("password_again", "")[:FORM_FIELD_MAX]:
            return {**values, "error": _error(request, ValidationError(
                _("The passwords do not match.")))}
        users = request.find_service(IUserService)
        try:
            user = users.create_user(values["username"], values["email"], password)
        except ValidationError as exc:
            return {**values, "error": _error(request, exc)}
        users.take_browser_time_zone(user, _browser_zone(request))
        return HTTPSeeOther(next_url, headers=remember(request, user))
    return {**values, "error": None}


@view_config(route_name="accounts.forgot", renderer="accounts/forgot.html")
def forgot_password(request: Request) -> dict[str, Any]:
    if request.method != "POST":
        return {"sent": False}
    email = request.POST.get("email", "")[:FORM_FIELD_MAX]
    # first, so that the answer is the same for a known and an unknown address
    check_mail_can_be_queued(request)
    found = request.find_service(IUserService).start_password_reset(email)
    if found is not None:
        user, token = found
        link = request.route_url("accounts.reset", token=token)
        body = request.translate(_(
            "Hello ${name},\n\nsomeone asked to reset your password on ${site}. To choose a new "
            "password, open this link within two hours:\n\n${link}\n\nIf it was not you, ignore "
            "this message; your password stays as it is.",
            mapping={"name": user.name, "site": request.registry.settings["forum.site_name"],
                     "link": link}))
        subject = request.translate(_("Reset your password on ${site}", mapping={
            "site": request.registry.settings["forum.site_name"]}))
        queue_mail(request, Mail(to=user.email, subject=subject, body=body))
    # the same answer whether or not the address is known, so it reveals no accounts
    return {"sent": True}


@view_config(route_name="accounts.reset", renderer="accounts/reset.html")
def reset_password(request: Request) -> Any:
    token = request.matchdict["token"]
    users = request.find_service(IUserService)
    if users.reset_for_token(token) is None:
        request.response.status = 404
        return {"valid": False, "error": None}
    if request.method == "POST":
        password = request.POST.get("password", "")[:FORM_FIELD_MAX]
        if password != request.POST.get("password_again", "")[:FORM_FIELD_MAX]:
            return {"valid": True, "error": _error(request, ValidationError(
                _("The passwords do not match.")))}
        try:
            user = users.finish_password_reset(token, password)
        except ValidationError as exc:
            return {"valid": True, "error": _error(request, exc)}
        return HTTPSeeOther(request.route_path("core.home"), headers=remember(request, user))
    return {"valid": True, "error": None}


@view_config(route_name="accounts.settings", permission="account",
             renderer="accounts/settings.html")
def account_settings(request: Request) -> Any:
    user = request.user
    users = request.find_service(IUserService)
    locales = request.registry.settings["forum.available_locales"]
    result: dict[str, Any] = {
        "error": None, "done": None, "locales": locales,
        "locale_names": language_names(tuple(locales)), "time_zones": time_zone_names(),
        "forum_time_zone": request.registry.settings["forum.time_zone"]}
    result["tokens"] = users.api_tokens(user)
    result["new_token"] = None
    result["feed_url"] = None
    registries = request.registry.forum.registries
    result["notification_choices"] = preferences.choices(request.db, registries, user.id)
    result["followed"] = watching.followed(request.db, request.viewer)
    result["place_kinds"] = watching.place_kinds()
    result["levels"] = LEVELS
    result["pending_defaults"] = watching.pending_defaults(request.db, request.viewer)
    result["email_choices"] = email_choices.email_choices(request.db, registries, user.id)
    result["email_modes"] = EMAIL_MODE_LABELS
    if request.method != "POST":
        return result
    action = request.POST.get("action", "")
    password = request.POST.get("current_password", "")[:FORM_FIELD_MAX]
    try:
        if action == "password":
            new = request.POST.get("new_password", "")[:FORM_FIELD_MAX]
            if new != request.POST.get("new_password_again", "")[:FORM_FIELD_MAX]:
                raise ValidationError(_("The passwords do not match."))
            users.change_password(user, password, new, request.cookies.get(COOKIE_NAME))
            result["done"] = _("Your password was changed; other browsers were signed out.")
        elif action == "email":
            users.change_email(user, password, request.POST.get("email", "")[:FORM_FIELD_MAX])
            result["done"] = _("Your e-mail address was changed.")
        elif action == "language":
            locale = request.POST.get("locale", "")[:10] or None
            users.set_locale(user, locale, result["locales"])
            result["done"] = _("Your language was saved.")
        elif action == "time_zone":
            users.set_time_zone(user, request.POST.get("time_zone", "")[:FORM_FIELD_MAX] or None)
            result["done"] = _("Your time zone was saved.")
        elif action == "following":
            users.set_auto_track(user, request.POST.get("auto_track") == "1")
            result["done"] = _("Your following settings were saved.")
        elif action == "apply_defaults":
            watching.apply_defaults(request.db, user.id, request.viewer.principals)
            result["done"] = _("The levels suggested for you were applied.")
        elif action == "feed_new":
            secret = users.new_feed_token(user)
            result["feed_url"] = request.route_url("content.feed_personal", secret=secret)
            result["done"] = _("Your personal feed's address is below. Copy it into your "
                               "feed reader now: it is not shown again.")
        elif action == "feed_off":
            users.end_feed(user)
            result["done"] = _("Your personal feed was turned off; its address no longer "
                               "works.")
        elif action == "shortcuts":
            users.set_keyboard_shortcuts(user, request.POST.get("keyboard_shortcuts") == "1")
            result["done"] = _("Your keyboard shortcuts were saved.")
        elif action == "profile":
            users.update_profile(user, request.POST.get("display_name", "")[:FORM_FIELD_MAX],
                                 request.POST.get("title", "")[:FORM_FIELD_MAX],
                                 request.POST.get("bio", "")[:FORM_FIELD_MAX])
            result["done"] = _("Your profile was saved.")
        elif action == "avatar":
            _change_avatar(request, user)
            result["done"] = _("Your picture was saved.")
        elif action == "notifications":
            # every declared kind is on the form: a box left unticked is a kind turned off
            chosen = set(request.POST.getall("notify"))
            preferences.save_choices(request.db, registries, user.id, {
                kind: kind in chosen for kind in registries.notification_kinds})
            result["done"] = _("Your notification settings were saved.")
        elif action == "email_notifications":
            # every declared kind has its select on the form; one left out keeps its mode
            email_choices.save_email_choices(request.db, registries, user.id, {
                kind: request.POST[f"email.{kind}"][:20]
                for kind in registries.notification_kinds if f"email.{kind}" in request.POST})
            result["done"] = _("Your e-mail settings were saved.")
        elif action == "signout_everywhere":
            users.end_all_sessions(user, except_token=request.cookies.get(COOKIE_NAME))
            result["done"] = _("You were signed out everywhere else.")
        elif action == "create_token":
            token, result["new_token"] = users.create_api_token(
                user, request.POST.get("token_name", "")[:FORM_FIELD_MAX])
            result["done"] = _("Token ${name} created. Copy it now: it is not shown again.",
                               mapping={"name": token.name})
        elif action == "revoke_token":
            token_id = parse_id(request.POST.get("token_id", ""))
            if token_id is None or not users.revoke_api_token(user, token_id):
                raise ValidationError(_("That token does not exist (any more)."))
            result["done"] = _("The token was revoked; programs using it are refused from now on.")
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        result["error"] = _error(request, exc)
        return result
    result["done"] = request.translate(result["done"])
    result["tokens"] = users.api_tokens(user)
    result["notification_choices"] = preferences.choices(request.db, registries, user.id)
    result["followed"] = watching.followed(request.db, request.viewer)
    result["pending_defaults"] = watching.pending_defaults(request.db, request.viewer)
    result["email_choices"] = email_choices.email_choices(request.db, registries, user.id)
    return result


#: the e-mail modes as the account page offers them
EMAIL_MODE_LABELS = (
    (email_choices.IMMEDIATELY, _("At once")),
    (email_choices.DAILY, _("In a daily digest")),
    (email_choices.WEEKLY, _("In a weekly digest")),
    (email_choices.NEVER, _("Never")),
)


def _change_avatar(request: Request, user: Any) -> None:
    data_dir = request.registry.settings["forum.data_dir"]
    upload = request.POST.get("avatar")
    old = user.avatar
    if request.POST.get("remove"):
        user.avatar = ""
    elif getattr(upload, "file", None) is None:
        raise ValidationError(_("Choose a picture to upload."))
    else:
        user.avatar = store_avatar(upload.file, user.id, data_dir)
    if old and old != user.avatar:
        # the old file goes once the new name is committed
        def remove_old(committed: bool) -> None:
            if committed:
                remove_avatar(old, data_dir)

        request.tm.get().addAfterCommitHook(remove_old)


@view_config(route_name="accounts.avatar")
def avatar_file(request: Request) -> FileResponse:
    name = request.matchdict["name"]
    path = avatar_dir(request.registry.settings["forum.data_dir"]) / name
    if not NAME_RE.match(name) or not path.is_file():
        raise HTTPNotFound()
    response = FileResponse(str(path), request=request, content_type="image/png",
                            cache_max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@view_config(route_name="accounts.profile", renderer="accounts/profile.html")
def profile(request: Request) -> dict[str, Any]:
    member = request.find_service(IUserService).get_by_username(
        request.matchdict["username"])
    if member is None:
        raise HTTPNotFound()
    before = parse_id(request.GET.get("before", ""))
    topics, posts, post_count = member_activity(request.db, request.viewer, member.id, before)
    same_for_every_visitor(request)
    return {"member": member, "topics": topics, "posts": posts, "post_count": post_count,
            "can_moderate": bool(request.has_permission("moderate"))
            and request.user is not None and request.user.id != member.id}


@view_config(route_name="accounts.card", renderer="accounts/card.html")
def card(request: Request) -> dict[str, Any]:
    """A member's card, the small box that opens over an author's name (cards.js): name,
    title, join date and their latest posts that the viewer may see. The page of the
    profile without its frame; it never goes to a shared cache, as it differs per viewer."""
    member = request.find_service(IUserService).get_by_username(
        request.matchdict["username"])
    if member is None:
        raise HTTPNotFound()
    keep_private(request)
    request.response.headers["X-Robots-Tag"] = "noindex"  # a piece of the profile page
    return {"member": member,
            "recent": recent_activity(request.db, request.viewer, member.id)}
