"""Uploaded avatars: checked, cropped square, resized and re-encoded as PNG.

The uploaded file's name is never used: avatars are stored as ``<user id>-<random>.png`` under
``<data_dir>/avatars`` and served as PNG with ``nosniff``, so an upload can never become a page
or a script. Only PNG, JPEG, GIF and WebP pictures of reasonable size are accepted.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import secrets
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from ..datadir import StorageUnavailable, describe
from ..errors import ValidationError
from ..i18n import _

log = logging.getLogger(__name__)

SIZE = 256
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
NAME_RE = re.compile(r"^\d{1,18}-[0-9a-f]{16}\.png$")


def avatar_dir(data_dir: str) -> Path:
    return Path(data_dir) / "avatars"


def store_avatar(upload: BinaryIO, user_id: int, data_dir: str) -> str:
    """Check and convert an upload; returns the stored file name."""
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The picture is larger than 2 MB; choose a smaller one."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in FORMATS:
                raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP picture."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels; choose a smaller one."))
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP picture.")) from None
    square = image.convert("RGBA")
    side = min(square.size)
    left, top = (square.width - side) // 2, (square.height - side) // 2
    square = square.crop((left, top, left + side, top + side)).resize(
        (SIZE, SIZE), Image.Resampling.LANCZOS)
    folder = avatar_dir(data_dir)
    name = f"{user_id}-{secrets.token_hex(8)}.png"
    tmp = folder / f".{name}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        square.save(tmp, format="PNG")
        tmp.replace(folder / name)
    except OSError as exc:  # a read-only or full disk: the member keeps their old picture
        log.error("cannot save an avatar in %s (%s): check forum.data_dir", folder,
                  describe(exc))
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StorageUnavailable(_("Your picture was not saved"), _(
            "The forum cannot store pictures at the moment. Your profile is unchanged; please "
            "try again later.")) from None
    return name


def remove_avatar(name: str, data_dir: str) -> None:
    if name and NAME_RE.match(name):
        try:
            (avatar_dir(data_dir) / name).unlink(missing_ok=True)
        except OSError as exc:  # left behind, unused: nothing links to it any more
            log.warning("cannot remove the replaced avatar %s (%s)", name, describe(exc))
