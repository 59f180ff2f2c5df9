"""Every colour of the code highlighter (themes/default/static/forum.css) reaches WCAG AA
contrast (4.5:1) against the backgrounds code is shown on, in the light and the dark scheme:
the ``.highlight`` box and the post's ``pre`` (``--surface``), or a token's own background."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "themes" / "default" / "static" / "forum.css"
AA = 4.5
RULE = re.compile(r"^\s*([^{}@/][^{]*?)\s*\{([^}]*)\}", re.M)


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _declarations(body: str) -> dict[str, str]:
    found = {}
    for part in body.split(";"):
        name, _, value = part.partition(":")
        if value.strip():
            found[name.strip()] = value.strip()
    return found


def schemes() -> dict[str, tuple[str, str]]:
    """The highlighter's rules of each scheme, and the scheme's ``--surface``."""
    css = CSS.read_text("utf-8")
    surfaces = re.findall(r"--surface:\s*(#[0-9a-fA-F]{3,6})", css)
    start = css.index("/* Code highlighting")
    dark_start = css.index("@media (prefers-color-scheme: dark) {", start)
    dark_end = css.index("\n}", dark_start)
    return {"light": (css[start:dark_start], surfaces[0]),
            "dark": (css[dark_start:dark_end], surfaces[1])}


def token_pairs(scheme: str) -> list[tuple[str, str, str]]:
    """(selector, colour, background) for every coloured token and background it sits on."""
    text, surface = schemes()[scheme]
    rules = [(selector, _declarations(body)) for selector, body in RULE.findall(text)]
    box = next(d["background"] for s, d in rules if s.strip() == ".highlight")
    pairs = []
    for selector, declarations in rules:
        colour = declarations.get("color")
        if colour is None or not colour.startswith("#"):
            continue
        own = declarations.get("background-color")
        backgrounds = [own] if own and own.startswith("#") else [box, surface]
        pairs += [(selector, colour, background) for background in backgrounds]
    return pairs


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_token_colour_reaches_aa_contrast(scheme):
    pairs = token_pairs(scheme)
    assert len(pairs) > 60  # the rules were found
    failing = [f"{selector} {colour} on {background}: {contrast(colour, background):.2f}"
               for selector, colour, background in pairs if contrast(colour, background) < AA]
    assert not failing, "\n".join(failing)


def test_the_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # the namespace colour axe reported on the post's code box
    assert contrast("#0E84B5", "#f4f6f8") == pytest.approx(3.88, abs=0.05)
