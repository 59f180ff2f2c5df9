"""The small pieces of HTML every page repeats: icons, members' pictures, categories' marks and
badges, drawn in Python and kept, not through a template macro per use.

A listing or a topic page shows dozens of them, and a Jinja2 macro call costs about as much as
the rest of a row; what they draw depends only on a few plain values (a name, a colour, a
member's username, display name and picture), so each is drawn once per process for those
values and reused. Templates call them through ``marks`` (``marks.icon("ui-bell")``,
``marks.avatar(member, 40)``); the macros in ``templates/_macros/`` that themes may import
call the same functions, so there is one drawing of each.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from pyramid.request import Request

_KEPT = 4096


def avatar_hue(username: str) -> int:
    """A stable colour (hue in degrees) for a member's generated avatar."""
    return sum(ord(char) * (index + 1) for index, char in enumerate(username)) % 360


@lru_cache(maxsize=256)
def _icon(sprite: str, name: str, css_class: str) -> Markup:
    return Markup(f'<svg class="{escape(css_class)}" width="20" height="20" aria-hidden="true" '
                  f'focusable="false"><use href="{escape(sprite)}#{escape(name)}"/></svg>')


@lru_cache(maxsize=_KEPT)
def _generated_avatar(username: str, name: str, size: int, decorative: bool) -> Markup:
    label = 'aria-hidden="true"' if decorative else f'role="img" aria-label="{escape(name)}"'
    return Markup(
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="0 0 48 48" {label}>'
        f'<rect width="48" height="48" rx="24" fill="hsl({avatar_hue(username)}, 50%, 34%)"/>'
        f'<text x="24" y="31" text-anchor="middle" font-size="22" '
        f'font-family="system-ui, sans-serif" fill="#fff">{escape(name[:1].upper())}</text>'
        f'</svg>')


@lru_cache(maxsize=_KEPT)
def _picture(src: str, name: str, size: int, decorative: bool) -> Markup:
    alt = "" if decorative else name
    return Markup(f'<img class="avatar" src="{escape(src)}" width="{size}" height="{size}" '
                  f'alt="{escape(alt)}" loading="lazy">')


@lru_cache(maxsize=_KEPT)
def _category_mark(sprite: str, colour: str | None, glyph: str | None, large: bool) -> Markup:
    classes = "cat-mark" + (" cat-mark-large" if large else "") \
        + f" cat-colour-{escape(colour or 'none')}" + ("" if glyph else " cat-mark-plain")
    inner = _icon(sprite, f"icon-{glyph}", "cat-icon") if glyph else ""
    return Markup(f'<span class="{classes}" aria-hidden="true">{inner}</span>')


class Marks:
    """``marks`` in templates: the pieces drawn for one request (its icon sprite's address and
    its routes)."""

    __slots__ = ("request", "sprite")

    def __init__(self, request: Request, sprite: str) -> None:
        self.request, self.sprite = request, sprite

    def icon(self, name: str, css_class: str = "icon") -> Markup:
        """An icon of the sprite (``forum_core/static/icons.svg``): ``icon-<name>`` for the
        categories' icons, ``ui-<name>`` for the page's own. Decorative: the text beside it,
        or a visually hidden label, says what it is for."""
        return _icon(self.sprite, name, css_class)

    def avatar(self, member: Any, size: int = 48, decorative: bool = False) -> Markup:
        """A member's picture: the uploaded one, or their initial on a colour derived from the
        username (nothing is fetched from elsewhere). ``decorative``: the name is written
        right beside it, so assistive technology skips the picture."""
        if member.avatar:
            return _picture(self.request.route_path("accounts.avatar", name=member.avatar),
                            member.name, size, decorative)
        return _generated_avatar(member.username, member.name, size, decorative)

    def category_mark(self, category: Any, large: bool = False) -> Markup:
        """A category's coloured square with its icon (both optional), decorative."""
        return _category_mark(self.sprite, getattr(category, "colour", None),
                              getattr(category, "icon", None), large)

    def category_badge(self, category: Any, link: bool = True) -> Markup:
        """The category's mark and name, a link to the category unless ``link`` is false."""
        inner = Markup(f'{self.category_mark(category)}<span class="cat-name">'
                       f'{escape(category.name)}</span>')
        if not link:
            return Markup(f'<span class="cat-badge">{inner}</span>')
        href = self.request.route_path("content.category", slug=category.slug)
        return Markup(f'<a class="cat-badge" href="{escape(href)}">{inner}</a>')
