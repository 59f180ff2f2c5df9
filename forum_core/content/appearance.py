"""How a category looks: a colour from a fixed palette and an optional icon of the built-in
set. Both are names, never free values: pages use them as class names and icon ids
(``cat-colour-<name>``, ``#icon-<name>`` in ``forum_core/static/icons.svg``), since the
Content-Security-Policy forbids inline styles, and the theme decides what each colour looks
like in the light and the dark scheme (``--cat-<name>`` tokens in forum.css)."""

from __future__ import annotations

from ..errors import ValidationError
from ..i18n import _

#: the palette an administrator chooses from (forum.css has a light and a dark value of each)
CATEGORY_COLOURS = ("red", "orange", "amber", "green", "teal", "cyan", "blue", "indigo",
                    "purple", "pink", "brown", "slate")
#: the built-in icons (symbols ``icon-<name>`` of forum_core/static/icons.svg)
CATEGORY_ICONS = ("chat", "megaphone", "lightbulb", "question", "book", "calendar", "star",
                  "wrench", "users", "lock", "heart", "flag")
#: the longest colour or icon name a column holds
APPEARANCE_NAME_MAX = 20


def clean_appearance(colour: str | None, icon: str | None) -> tuple[str | None, str | None]:
    """``(colour, icon)`` as stored: a palette colour and a known icon, or None for "none"
    (an empty value); a ValidationError naming the choices for anything else."""
    colour = (colour or "").strip().lower() or None
    icon = (icon or "").strip().lower() or None
    if colour is not None and colour not in CATEGORY_COLOURS:
        raise ValidationError(_("Choose the colour from the palette: ${colours}.",
                                mapping={"colours": ", ".join(CATEGORY_COLOURS)}))
    if icon is not None and icon not in CATEGORY_ICONS:
        raise ValidationError(_("Choose the icon from the built-in ones: ${icons}.",
                                mapping={"icons": ", ".join(CATEGORY_ICONS)}))
    return colour, icon
