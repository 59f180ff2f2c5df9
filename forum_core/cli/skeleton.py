"""``forum plugin new``: write a working plugin distribution from plugin_template/."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from ..errors import ValidationError
from ..i18n import _

SKELETON = Path(__file__).resolve().parent / "plugin_template"
PLUGIN_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
RESERVED_IDS = {"core", "static", "api", "login", "logout", "admin", "forum"}


def write_skeleton(plugin_id: str, directory: Path, description: str = "") -> Path:
    """Create ``directory/forum-<id>/`` and return its path. Refuses to overwrite anything."""
    if not PLUGIN_ID_RE.match(plugin_id) or plugin_id in RESERVED_IDS:
        raise ValidationError(_(
            "A plugin id has 2 to 30 lower-case letters, digits or '_', starts with a letter, "
            "and is not one of: ${reserved}.",
            mapping={"reserved": ", ".join(sorted(RESERVED_IDS))}))
    target = directory / f"forum-{plugin_id}"
    if target.exists():
        raise ValidationError(_("${path} exists already; choose another id or directory.",
                                mapping={"path": str(target)}))
    values = {
        "plugin_id": plugin_id,
        "title": plugin_id.replace("_", " ").capitalize(),
        "description": description or f"The {plugin_id} plugin for the community forum.",
    }
    for source in sorted(SKELETON.rglob("*.tmpl")):
        relative = source.relative_to(SKELETON).with_suffix("")
        parts = [("forum_" + plugin_id) if p == "package" else p.replace("PLUGIN", plugin_id)
                 for p in relative.parts]
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(Template(source.read_text("utf-8")).substitute(values), "utf-8")
    return target
