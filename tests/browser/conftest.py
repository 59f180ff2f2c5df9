"""Real headless Chromium (Debian's package, /usr/bin/chromium) driven by Python Playwright
against the forum served by waitress on a free local port.

Without Chromium the browser tests are skipped locally and fail in CI (``.ci/run`` installs
it). A failing browser test leaves a full-page screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from forum_core.testing import served

CHROMIUM = Path(os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("FORUM_TEST_ARTIFACTS", "test-artifacts"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)  # the page fixture looks at report_call
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("install Debian's chromium (apt-get install chromium) for browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


class LiveForum:
    """A forum served over real HTTP; ``forum`` is the test's Forum (database, users...)."""

    def __init__(self, forum: Any, url: str) -> None:
        self.forum = forum
        self.url = url

    def __getattr__(self, name: str) -> Any:
        return getattr(self.forum, name)


@pytest.fixture
def make_live_forum(make_forum: Any) -> Iterator[Callable[..., LiveForum]]:
    """Serve a forum over real HTTP with waitress: ``make_live_forum(plugins=[...],
    prepare=callable)``; ``prepare(forum)`` runs before the server starts."""
    with contextlib.ExitStack() as servers:

        def make(prepare: Callable[[Any], None] | None = None, **options: Any) -> LiveForum:
            forum = make_forum(**options)
            if prepare is not None:
                prepare(forum)
            # served() closes the sockets in the thread that polls them: closing them from
            # here while waitress polls them failed at teardown with EBADF
            return LiveForum(forum, servers.enter_context(served(forum, threads=4)))

        yield make


@pytest.fixture
def live_forum(make_live_forum: Callable[..., LiveForum]) -> LiveForum:
    return make_live_forum()


def _new_page(chromium: Any, request: pytest.FixtureRequest, label: str, **options: Any,
              ) -> Iterator[Any]:
    context = chromium.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, open_page in enumerate(context.pages):
            path = ARTIFACTS / f"{name}-{label}-{number}.png"
            open_page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed test: {path}")
    context.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A desktop browser tab; saved as a screenshot if the test fails."""
    yield from _new_page(chromium, request, "page", viewport={"width": 1280, "height": 900})


@pytest.fixture
def other_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A second, separate browser (another member), on a phone-sized screen."""
    yield from _new_page(chromium, request, "other_page", viewport={"width": 375, "height": 812},
                         is_mobile=True, has_touch=True)
