"""The landing page, the shared header and the 404 page in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from janus import __version__
from janus.gateway.web import PAGES
from tests.scripted_competitor import DONE, chunk, sse

pytestmark = pytest.mark.slow

NAVIGATION = ["Home", "Chat", "Arena", "Competition", "Marketplace"]


@pytest.fixture
def gateway(live) -> str:
    _, url = live.competitor(sse(chunk("hi"), DONE))
    return live.gateway({"alpha": url, "beta": url}, default="alpha")


def test_the_landing_page_explains_and_shows_how_to_call_this_gateway(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("OpenAI-compatible endpoint")
    expect(page.locator("#health")).to_have_text(f"ok (version {__version__})")
    expect(page.locator("#model-count")).to_have_text("janus, alpha, beta")
    examples = page.locator("pre code")
    expect(examples.first).to_contain_text(f"curl -sN {gateway}/v1/chat/completions")
    expect(examples.nth(1)).to_contain_text(f'OpenAI(base_url="{gateway}/v1"')
    browser_page.screenshot("landing")
    page.get_by_role("link", name="Marketplace").first.click()
    expect(page).to_have_url(gateway + "/marketplace")
    browser_page.assert_clean_console()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_has_the_shared_header_with_its_link_marked(gateway, browser_page, path):
    page = browser_page.page
    page.goto(gateway + path)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(NAVIGATION)
    current = nav.locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", path)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


def test_an_unknown_page_shows_the_404_page_with_the_header(gateway, browser_page):
    page = browser_page.page
    response = page.goto(gateway + "/leaderboard")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(NAVIGATION)


def test_the_browser_enforces_the_content_security_policy(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/")
    violated = page.evaluate(
        """() => new Promise((resolve) => {
            const report = (e) => resolve(e.violatedDirective);
            document.addEventListener("securitypolicyviolation", report);
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        })"""
    )
    assert violated.startswith("script-src")
    assert page.evaluate("window.inlineRan === undefined")
    error = page.evaluate("() => fetch('http://192.0.2.1/steal').then(() => 'sent', (e) => e.name)")
    assert error == "TypeError"
    assert any("Content Security Policy" in message for message in browser_page.console_errors)
