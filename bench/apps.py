"""Baseline apps on the forum's stack, served with waitress exactly like ``forum serve``.

    .venv/bin/python bench/apps.py hello|template --host 127.0.0.1 --port P [--threads 8]

``hello``: a Pyramid view returning a fixed text response (the stack's limit).
``template``: a Pyramid view rendering a 20-item loop with Jinja2 through pyramid_jinja2
(what a page costs before any database work).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import waitress
from pyramid.config import Configurator
from pyramid.response import Response

HERE = Path(__file__).resolve().parent

ITEMS = [{"id": i, "slug": f"topic-number-{i}", "title": f"Topic number {i} about things",
          "author": f"member{i:03d}", "replies": i * 3,
          "excerpt": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."}
         for i in range(1, 21)]


def hello(request):
    return Response("Hello world!", content_type="text/plain")


def page(request):
    return {"title": "Twenty items", "items": ITEMS}


def make_app(kind: str):
    with Configurator() as config:
        if kind == "hello":
            config.add_route("hello", "/")
            config.add_view(hello, route_name="hello")
        else:
            config.include("pyramid_jinja2")
            config.add_jinja2_search_path(str(HERE / "templates"), name=".jinja2")
            config.add_route("page", "/")
            config.add_view(page, route_name="page", renderer="loop.jinja2")
        return config.make_wsgi_app()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["hello", "template"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    # the options forum serve passes to waitress (forum_core/cli/commands.py serve)
    waitress.serve(make_app(args.kind), host=args.host, port=args.port, threads=args.threads,
                   ident="forum")


if __name__ == "__main__":
    main()
