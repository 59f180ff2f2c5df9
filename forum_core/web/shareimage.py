"""The picture that link previews show (``og:image``, Twitter's large summary card).

Sites that show a preview of a shared link (chat apps, social networks) want an image of about
1200×630 pixels at an absolute address. The forum draws one from its name with Pillow, once per
name: it is kept in the data folder as ``share/<digest>.png``, and its address carries the
digest, so it is cached for a year and a renamed forum gets a new picture at a new address.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPMovedPermanently
from pyramid.response import FileResponse

from ..datadir import data_dir

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

WIDTH, HEIGHT = 1200, 630
ROUTE = "core.share_image"
#: colours of the default theme's light scheme (--accent, --accent-fg)
BACKGROUND, FOREGROUND = "#0b57d0", "#ffffff"
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int = WIDTH
    height: int = HEIGHT


def _site_name(request: Request) -> str:
    return request.site["site_name"] or request.registry.settings["forum.site_name"]


def digest(name: str) -> str:
    return hashlib.blake2b(f"{WIDTH}x{HEIGHT}:{name}".encode(), digest_size=8).hexdigest()


def share_image(request: Request) -> ShareImage:
    """The absolute address of the forum's preview picture."""
    return ShareImage(request.route_url(ROUTE, digest=digest(_site_name(request))))


def draw(name: str, path: Path) -> None:
    """Draw the picture of a forum called ``name`` into ``path`` (atomically: two requests
    drawing at once each write a whole file, and the last one stays)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    lines = textwrap.wrap(name, width=22)[:3] or [name]
    size = 96 if len(lines) == 1 else 80
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    font_file = next((f for f in FONTS if Path(f).is_file()), None)
    font = ImageFont.truetype(font_file, size) if font_file else ImageFont.load_default(size)
    gap = size // 4
    heights = [pen.textbbox((0, 0), line, font=font)[3] for line in lines]
    top = (HEIGHT - sum(heights) - gap * (len(lines) - 1)) // 2
    for line, height in zip(lines, heights, strict=True):
        left = (WIDTH - pen.textlength(line, font=font)) // 2
        pen.text((left, top), line, font=font, fill=FOREGROUND)
        top += height + gap
    pen.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=FOREGROUND)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".png")
    try:
        with os.fdopen(handle, "wb") as out:
            image.save(out, "PNG", optimize=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def share_image_view(request: Request) -> Response:
    name = _site_name(request)
    current = digest(name)
    if request.matchdict["digest"] != current:
        # an old name's address (a preview made before a rename): the current picture
        return HTTPMovedPermanently(location=request.route_url(ROUTE, digest=current))
    path = data_dir(request.registry.settings) / "share" / f"{current}.png"
    if not path.is_file():
        draw(name, path)
    response = FileResponse(str(path), request=request, content_type="image/png")
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def includeme(config: Configurator) -> None:
    config.add_route(ROUTE, "/share/{digest}.png")
    config.add_view(share_image_view, route_name=ROUTE, request_method=("GET", "HEAD"))
    config.add_request_method(share_image, "share_image", reify=True)
