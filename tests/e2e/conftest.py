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

from edge.security.tls import ensure_store_certificates
from tests.integration.test_cli import FAST, REPO, seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import Daemon, start_daemon
from tests.servers import trusting_browser_home

KIOSK_DIST = REPO / "kiosk_ui" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
TOTP_ROLES = {"admin"}  # auth.totp_roles of the demo config
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


@pytest.fixture(scope="session")
def store_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store CA for the session (certificate and key in a folder), as the daemon makes on first run."""
    folder = tmp_path_factory.mktemp("store-ca")
    ensure_store_certificates(folder, "E2E", addresses=[])
    return folder / "tls"


@pytest.fixture(scope="session")
def browser_home(store_ca: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME whose NSS database trusts the store CA: how a Linux kiosk's Chromium is told to trust it
    (docs/security.md), so the tests check the certificate instead of ignoring HTTPS errors."""
    try:
        return trusting_browser_home(store_ca / "store-ca.pem", tmp_path_factory.mktemp("browser-home"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


def kiosk_daemon(seeded: Path, base: Path, store_ca: Path,  # noqa: F811
                 env: dict[str, str] | None = None) -> Iterator[Daemon]:
    """The daemon over a copy of the demo store serving the built kiosk, with extra POS_* settings; its data
    dir holds the session's store CA, so the server certificate it makes is one the browser trusts. Stopped
    when the generator is closed or exhausted."""
    check_kiosk_built()
    data_dir = base / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    (data_dir / "tls").mkdir(mode=0o750, exist_ok=True)
    for name in ("store-ca.pem", "store-ca.key"):
        shutil.copy2(store_ca / name, data_dir / "tls" / name)
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
def kiosk(seeded: Path, store_ca: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
          request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """One daemon over a copy of the demo store for a test module; tests keep to their own tills. A module's
    KIOSK_ENV (POS_* settings) is given to it, e.g. the payment gateway simulator."""
    yield from kiosk_daemon(seeded, tmp_path_factory.mktemp("kiosk"), store_ca,
                            getattr(request.module, "KIOSK_ENV", None))


@pytest.fixture(scope="session")
def playwright_driver(store_ca: Path) -> Iterator[Playwright]:
    """Playwright's driver (Node): its API requests (context.request) trust the store CA through
    NODE_EXTRA_CA_CERTS, read when the driver starts."""
    before = os.environ.get("NODE_EXTRA_CA_CERTS")
    os.environ["NODE_EXTRA_CA_CERTS"] = str(store_ca / "store-ca.pem")
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if before is None:
            os.environ.pop("NODE_EXTRA_CA_CERTS", None)
        else:
            os.environ["NODE_EXTRA_CA_CERTS"] = before


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, browser_home: Path) -> Iterator[Browser]:
    """Debian's Chromium, headless, trusting the store CA; Playwright's own browsers are never downloaded."""
    check_kiosk_built()
    env = {**os.environ, "HOME": str(browser_home)}
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                                 env=env)
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


# TOTP secrets of the users the tests enrolled, by (daemon URL, user name), and the last time step used.
TOTP_SECRETS: dict[tuple[str, str], str] = {}
TOTP_USED: dict[tuple[str, str], int] = {}


def totp_code(key: tuple[str, str]) -> str:
    """A code the user has not used yet: now, or the next step (an authenticator a little fast), else wait."""
    import time

    import pyotp

    totp = pyotp.TOTP(TOTP_SECRETS[key])
    while True:
        now = int(time.time()) // 30
        for step in (now, now + 1):
            if step > TOTP_USED.get(key, -1):
                TOTP_USED[key] = step
                return totp.at(step * 30)
        time.sleep(1)  # both used: the next step comes within 30 s


def second_factor(page: Page, role: str) -> None:
    """After the password: set TOTP up (first login of an administrator) or type the code, as a person would
    with an authenticator app, reading the typed key off the enrolment screen."""
    key = (page.url.split("/login")[0], role)
    enrol = page.get_by_role("form", name="Set up two-factor login")
    code = page.get_by_role("form", name="Two-factor code")
    expect(enrol.or_(code)).to_be_visible()
    if enrol.is_visible():
        expect(page.get_by_alt_text("QR code for the authenticator app")).to_be_visible()
        TOTP_SECRETS[key] = page.locator("code").inner_text().replace(" ", "")
        enrol.get_by_label("Code").fill(totp_code(key))
        enrol.get_by_role("button", name="Switch on and log in").click()
        page.get_by_role("button", name="I have written them down").click()
    else:
        code.get_by_label("Code").fill(totp_code(key))
        code.get_by_role("button", name="Log in").click()


def log_in(page: Page, path: str, role: str = "cashier") -> None:
    """Open a kiosk path, get sent to the login page, log in with the keyboard (and the TOTP step for an
    administrator), land back on the path."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(DEMO_LOGINS[role])
    page.keyboard.press("Enter")
    if role in TOTP_ROLES:
        second_factor(page, role)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
