"""Build hook of ``forum-core``: everything else is in ``pyproject.toml``.

The core's catalogs (``locale/``) and the themes (``themes/``) live at the top of the checkout,
beside ``forum_core/``, where translators and theme authors find them. An installed release
(a wheel, or ``pip install .`` without ``-e``) has no checkout, so the build copies both into the
package as ``forum_core/_shipped/locale`` and ``forum_core/_shipped/themes``; the core looks
there first (``forum_core.i18n.CORE_LOCALE_DIR``, ``forum_core.environment.THEMES_DIR``). An
editable install keeps reading the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("locale", "themes")


class BuildWithCatalogsAndThemes(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "forum_core" / "_shipped"
        for name in SHIPPED:
            if (target / name).exists():
                shutil.rmtree(target / name)
            # with the catalogs compiled beside them (make dist, make install)
            shutil.copytree(HERE / name, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.tmp"))


setup(cmdclass={"build_py": BuildWithCatalogsAndThemes})
