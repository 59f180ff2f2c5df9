"""``forum health``: ask a running forum's ``/healthz``, for process supervisors and container
health checks (``deploy/forum.service``, ``Containerfile``)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from ..errors import ForumError
from ..i18n import _
from . import cli, config_path_option, say

HEALTH_PATH = "/healthz"
#: a listening address that means "every interface" is asked on the loopback interface
_ANY = {"0.0.0.0": "127.0.0.1", "*": "127.0.0.1", "": "localhost", "[::]": "[::1]",
        "::": "[::1]"}


def served_url(config_path: Path) -> str:
    """``/healthz`` on the first address the configuration's ``[server:main]`` listens on
    (what ``forum serve`` uses without ``--host``/``--port``)."""
    host, port = "localhost", "6543"
    if config_path.is_file():
        import plaster

        server = plaster.get_loader(str(config_path.resolve()), protocols=["wsgi"]) \
            .get_settings("server:main")
        listen = str(server.get("listen", "")).split()
        if listen:
            host, _sep, port = listen[0].rpartition(":")
        else:
            host, port = str(server.get("host", host)), str(server.get("port", port))
    return f"http://{_ANY.get(host, host)}:{port}{HEALTH_PATH}"


def ask(url: str, timeout: float) -> str | None:
    """None when ``url`` answers 200, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return str(getattr(error, "reason", None) or error)


@cli.command("health")
@config_path_option
@click.option("--url", help="The address to ask (default: /healthz on the address "
                            "[server:main] listens on).")
@click.option("--wait", type=click.FloatRange(0, 3600), default=0.0, show_default=True,
              help="Ask again for up to this many seconds until the forum answers ok (while it "
                   "starts).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=5.0, show_default=True,
              help="Seconds to wait for each answer.")
def health_command(config_path: Path, url: str | None, wait: float, timeout: float) -> None:
    """Ask a running forum whether it can serve pages (its /healthz answers ok when its
    database answers). Exit status 0 when it does, 1 when it does not."""
    url = url or served_url(config_path)
    deadline = time.monotonic() + wait
    while (problem := ask(url, timeout)) is not None and time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    if problem is not None:
        raise ForumError(_("The forum at ${url} is not healthy: ${problem}.",
                           mapping={"url": url, "problem": problem}))
    say("The forum at ${url} is healthy.", url=url)
