"""Browser tests drive Debian's Chromium through Playwright against real gateways.

Playwright's own browser downloads are never used: the executable is the system
``chromium`` (``.ci/run`` installs it), overridable with ``$JANUS_CHROMIUM``.
Screenshots are test outputs, written under ``$JANUS_TEST_OUTPUT`` (default
``/tmp/output``) in ``janus-web/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JANUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(os.environ.get("JANUS_TEST_OUTPUT", Path(tempfile.gettempdir()) / "output"))
SCREENSHOTS = OUTPUT / "janus-web"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 780}


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's sync API runs an event loop on this thread
    while it is started, so it must stop before asynchronous tests elsewhere run."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class BrowserPage:
    """A fresh browser context (own localStorage) with its console errors collected."""

    def __init__(self, browser, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def assert_clean_console(self) -> None:
        """No script error and no Content-Security-Policy violation happened."""
        assert self.console_errors == []


@pytest.fixture
def browser_page(browser) -> Iterator[BrowserPage]:
    page = BrowserPage(browser, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[BrowserPage]:
    page = BrowserPage(browser, PHONE)
    yield page
    page.context.close()
