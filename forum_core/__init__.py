"""The forum's core. The WSGI application is built in :mod:`forum_core.app`; plugins use
:mod:`forum_core.api` only.

Importing this package loads nothing else of the core, so ``import forum_core.errors`` costs
what that one module costs.
"""

from __future__ import annotations

import warnings
from importlib.metadata import PackageNotFoundError, version

# Pyramid 2.1 imports pkg_resources, which warns on every start; nothing for owners to act on.
# (Here, so the filter is in place before any module of the core imports Pyramid.)
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
warnings.filterwarnings("ignore", message="Deprecated call to `pkg_resources.declare_namespace",
                        category=DeprecationWarning)

try:
    __version__ = version("forum-core")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"
