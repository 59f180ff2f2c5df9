"""Uploaded badge icons: a picture re-encoded as a small PNG, or an SVG that holds nothing
but drawing.

A PNG, JPEG, GIF or WebP upload is decoded with Pillow (decompression bombs refused) and
saved anew as a 128 px PNG, so nothing of the uploaded file but its pixels survives. An SVG
is parsed with defusedxml (no entities, no external references) and kept only if every
element and attribute is on a list of drawing ones: no script, no event handler, no
``foreignObject``, no link or style that could fetch or run anything. Icons are served with
``nosniff`` and a sandboxing Content-Security-Policy, and shown through ``<img>``, where an
SVG cannot run script anyway.
"""

from __future__ import annotations

import io
import re
import warnings

from defusedxml import ElementTree  # type: ignore[import-untyped]
from defusedxml.common import DefusedXmlException  # type: ignore[import-untyped]
from PIL import Image, UnidentifiedImageError

from forum_core.api import ValidationError, _

from .models import ICON_MAX

SIZE = 128
MAX_PIXELS = 16_000_000
_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"
#: the SVG elements an icon may draw with
_ELEMENTS = {
    "svg", "g", "path", "circle", "ellipse", "line", "polyline", "polygon", "rect", "title",
    "desc", "defs", "lineargradient", "radialgradient", "stop", "use", "symbol", "clippath",
    "mask",
}
#: the attributes they may have (presentation and geometry; ids and references to them)
_ATTRIBUTES = {
    "viewbox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx",
    "ry", "d", "points", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
    "stroke-linecap", "stroke-linejoin", "stroke-opacity", "stroke-dasharray", "opacity",
    "transform", "id", "offset", "stop-color", "stop-opacity", "gradientunits",
    "gradienttransform", "clip-path", "clip-rule", "mask", "href", "version",
    "preserveaspectratio", "role", "aria-hidden", "aria-label", "class",
}
_LOCAL_REF = re.compile(r"^#[A-Za-z_][\w.-]{0,60}$")
_URL_VALUE = re.compile(r"url\(\s*(?!#)", re.IGNORECASE)
_NOT_AN_ICON = _("Upload the icon as a PNG, JPEG, GIF, WebP or SVG picture of at most 64 KB.")


def checked_icon(data: bytes) -> tuple[bytes, str]:
    """The icon to store for upload ``data``, and its media type.

    :raises ValidationError: for anything but a picture of at most :data:`ICON_MAX` bytes,
        or an SVG with anything in it but drawing (script, event handlers, foreign content,
        links elsewhere).
    """
    if not data or len(data) > ICON_MAX:
        raise ValidationError(_NOT_AN_ICON)
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return _checked_svg(data), "image/svg+xml"
    return _reencoded(data), "image/png"


def _reencoded(data: bytes) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in _FORMATS or image.width * image.height > MAX_PIXELS:
                raise ValidationError(_NOT_AN_ICON)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError(_NOT_AN_ICON) from None
    icon = image.convert("RGBA")
    icon.thumbnail((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    icon.save(out, format="PNG")
    return out.getvalue()


def _checked_svg(data: bytes) -> bytes:
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise ValidationError(_("The SVG icon could not be read; upload a valid SVG "
                                "file.")) from None
    if root.tag != f"{_SVG_NS}svg":
        raise ValidationError(_NOT_AN_ICON)
    for element in root.iter():
        tag = str(element.tag)
        if not tag.startswith(_SVG_NS) or tag[len(_SVG_NS):].lower() not in _ELEMENTS:
            raise ValidationError(_(
                "The SVG icon contains ${what}, which an icon may not have (only drawing: "
                "no script, links or embedded content).", mapping={"what": _short(tag)}))
        for name, value in element.attrib.items():
            plain = name[name.index("}") + 1:] if name.startswith("{") else name
            if name not in (_XLINK,) and (name.startswith("{")
                                           or plain.lower() not in _ATTRIBUTES):
                raise ValidationError(_(
                    "The SVG icon contains ${what}, which an icon may not have (only "
                    "drawing: no script, links or embedded content).",
                    mapping={"what": _short(plain)}))
            if plain.lower() == "href" and not _LOCAL_REF.match(value.strip()):
                raise ValidationError(_("The SVG icon links outside itself; an icon may "
                                        "only refer to its own parts."))
            if _URL_VALUE.search(value):
                raise ValidationError(_("The SVG icon links outside itself; an icon may "
                                        "only refer to its own parts."))
        if (element.text or "").strip() and tag[len(_SVG_NS):].lower() not in ("title",
                                                                                  "desc"):
            raise ValidationError(_NOT_AN_ICON)
    return data


def _short(name: str) -> str:
    plain = name[name.index("}") + 1:] if name.startswith("{") else name
    return plain[:40]
