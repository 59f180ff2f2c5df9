"""The WSGI application factory: the top of the core's layers.

``main`` is the PasteDeploy entry point (``use = egg:forum-core`` in the ``.ini``);
``make_config`` builds the Pyramid configuration and reads as the application's table of
contents.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone
from pyramid.config import Configurator

from . import __version__
from .accounts.security import RESTRICTED
from .datadir import check_data_dir
from .environment import ForumEnvironment, announce_notices, load_environment
from .errors import StartupError
from .i18n import _, check_compiled, translate
from .plugins import LoadedPlugin
from .web.static import add_static


class Root:
    """The root resource: site-wide permissions. Content resources refine them."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:moderator", "moderate"),
        (Allow, Everyone, "view"),
        (Allow, Authenticated, "account"),
        (Allow, RESTRICTED, "account"),
    ]

    def __init__(self, request: Any) -> None:
        self.request = request


def make_config(raw_settings: Mapping[str, Any], env: ForumEnvironment | None = None,
                ) -> Configurator:
    """The Pyramid configuration of the core plus the enabled plugins.

    :raises StartupError: for bad settings or plugins, with one line saying what to change.
    """
    if env is None:
        env = load_environment(raw_settings)
    settings = dict(env.settings)
    settings.setdefault("forum.version", __version__)
    # uploads, mail, jobs and the search index are written there: refuse to start without
    check_data_dir(settings)
    config = Configurator(settings=settings, root_factory=Root)
    config.registry.forum = env
    # languages first: later includes translate their start-up errors with it
    config.include(".i18n")
    # one database session and transaction per request
    config.include(".db")
    # services looked up with request.find_service(IThing)
    config.include("pyramid_services")
    # sign-in, principals, the ACL security policy and CSRF protection
    config.include(".accounts")
    # request.viewer: what the visibility choke point asks about the request
    config.include(".visibility")
    # discussions: categories, topics, posts, and the Markdown pipeline
    config.include(".content")
    # replies, quotes and mentions in the member's inbox
    config.include(".notifications")
    # drafts kept while members write, discarded when they post
    config.include(".drafts")
    # the search index, kept in step after each commit
    config.include(".search")
    # background jobs: enqueued with the request's transaction, handed to huey after it
    config.include(".worker")
    # the site's settings set in the browser (request.site)
    config.include(".admin")
    # input guards, security headers, HTTP validators, templates, themes, static files
    config.include(".web")
    # the JSON API under /api/v1 and its OpenAPI document (plugins' endpoints included)
    config.include(".webapi")
    # the pages, their routes, and the error pages every route shares
    config.include(".views")
    # settled core first, so plugins can override its views and extend its routes
    config.commit()
    for plugin in env.plugins:
        try:
            include_plugin(config, plugin)
            config.commit()
        except StartupError:
            raise
        except Exception as exc:  # a plugin's configuration error is one line naming it
            raise StartupError(_(
                "Plugin '${plugin}' failed while configuring the application: ${error}",
                mapping={"plugin": plugin.id,
                         "error": " ".join(f"{type(exc).__name__}: {exc}".split())})) from None
    return config


def include_plugin(config: Configurator, plugin: LoadedPlugin) -> None:
    """Wire one plugin's conventional folders and its ``includeme`` under ``/<id>``."""
    locale = plugin.folder("locale")
    if locale is not None:
        check_compiled(locale)  # compiled when the plugin was installed or built
        config.add_translation_dirs(str(locale))
    static = plugin.folder("static")
    if static is not None:
        add_static(config, f"static/plugins/{plugin.id}", static)
    if hasattr(plugin.module, "includeme"):
        config.include(plugin.module, route_prefix=f"/{plugin.id}")
        # a plugin's home is /<id>/; /<id>, as members type it, leads there
        config.add_route(f"{plugin.id}.__bare", f"/{plugin.id}")
        config.add_view(_to_plugin_home, route_name=f"{plugin.id}.__bare")


def _to_plugin_home(request: Any) -> Any:
    from pyramid.httpexceptions import HTTPMovedPermanently

    query = f"?{request.query_string}" if request.query_string else ""
    return HTTPMovedPermanently(location=f"{request.path}/{query}")


def make_wsgi_app(raw_settings: Mapping[str, Any], env: ForumEnvironment | None = None) -> Any:
    """The WSGI application: every request goes through Pyramid's security policy and a view."""
    return make_config(raw_settings, env).make_wsgi_app()


def close_app(app: Any) -> None:
    """Stop the threads of a WSGI application made by :func:`make_wsgi_app` and close its
    database connections: the visitors' view counter adds what it counted, members' visits are
    written, the search index writes what it was handed, the job queue closes its storage,
    and then the engine is disposed of. In that order, so no thread holds or opens a
    connection of a disposed engine (one returned to a discarded pool would be left open
    until the garbage collector finds it). For a process that ends the application and goes
    on (a test, an embedding server)."""
    close_registry(app.registry)


def close_registry(registry: Any) -> None:
    """:func:`close_app` for the registry of an application that was configured but never
    made into one (``make_config(...).registry``: what a job or a command takes routes and
    languages from)."""
    from .accounts.visits import close_visit_recorder
    from .content.viewcount import close_view_counter
    from .search.service import INDEX_KEY

    close_view_counter(registry)
    close_visit_recorder(registry)
    index = registry.get(INDEX_KEY)
    if index is not None:
        index.close()
    registry["forum.jobs"].close()
    registry["forum.db_engine"].dispose()


def main(global_config: Mapping[str, Any] | None, **settings: Any) -> Any:
    """PasteDeploy application factory. A bad configuration exits with one line, no traceback."""
    try:
        env = load_environment(settings)
        announce_notices(env)  # retired settings, misspelt FORUM_* variables
        return make_wsgi_app(settings, env)
    except StartupError as exc:
        print(f"forum: {translate(exc.message)}", file=sys.stderr)
        raise SystemExit(2) from None
