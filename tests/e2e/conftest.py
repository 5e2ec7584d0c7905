"""End to end: the real daemon serving the built React kiosk, driven in Debian's Chromium by Playwright.

Nothing is built here: kiosk_ui/dist must hold the kiosk (`make kiosk`). Playwright never downloads a
browser; it drives /usr/bin/chromium (the Debian package `chromium`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.integration.test_cli import FAST, REPO, seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import Daemon, start_daemon

KIOSK_DIST = REPO / "kiosk_ui" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
DEMO_LOGINS = {"cashier": "cashier-demo-1", "manager": "manager-demo-1", "admin": "admin-demo-1", "hr": "hr-demo-1"}

expect.set_options(timeout=10_000)


def check_kiosk_built() -> None:
    """Fail (not skip) when the bundle is missing: these tests are how we know the kiosk works."""
    index = KIOSK_DIST / "index.html"
    if not index.is_file():
        pytest.fail(f"{index} is missing: build the kiosk first with `make kiosk` "
                    "(npm ci && npm run build in kiosk_ui)", pytrace=False)
    if 'id="root"' not in index.read_text(errors="replace"):
        pytest.fail(f"{index} is not the React kiosk (the placeholder page?): run `make kiosk`", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is not installed: `make test` installs the Debian package chromium", pytrace=False)


def kiosk_daemon(seeded: Path, base: Path, env: dict[str, str] | None = None) -> Iterator[Daemon]:  # noqa: F811
    """The daemon over a copy of the demo store serving the built kiosk, with extra POS_* settings; stopped
    when the generator is closed or exhausted."""
    check_kiosk_built()
    data_dir = base / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    daemon = start_daemon(data_dir, base / "daemon.log", KIOSK_DIST, env=env)
    try:
        yield daemon
    finally:
        daemon.process.terminate()
        try:
            daemon.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait()


@pytest.fixture(scope="module")
def kiosk(seeded: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
          request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """One daemon over a copy of the demo store for a test module; tests keep to their own tills. A module's
    KIOSK_ENV (POS_* settings) is given to it, e.g. the payment gateway simulator."""
    yield from kiosk_daemon(seeded, tmp_path_factory.mktemp("kiosk"), getattr(request.module, "KIOSK_ENV", None))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browsers are never downloaded."""
    check_kiosk_built()
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser, kiosk: Daemon) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) at 1366x768, the kiosk's screen."""
    ctx = browser.new_context(viewport=VIEWPORT, base_url=kiosk.url, locale="en-IN")
    yield ctx
    ctx.close()


class PageErrors:
    """JavaScript errors of the pages of a test: any one fails the test."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}\n{error.stack}"))
        return page


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    watcher = PageErrors()
    yield watcher
    assert watcher.errors == [], "JavaScript errors in the kiosk"


def log_in(page: Page, path: str, role: str = "cashier") -> None:
    """Open a kiosk path, get sent to the login page, log in with the keyboard, land back on the path."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(DEMO_LOGINS[role])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
