"""A person submits a container image through the competition page's form: the gateway
runs it, checks it, and then it answers chats as ``model: <id>``.

Real Podman (the scripted image of tests/containers, built locally) and Debian's Chromium.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.containers import fixtures
from tests.containers.fixtures import ADMIN_KEY, content_of

# The container tests' fixtures: the base image, the scripted image, container gateways.
base_image = fixtures.base_image
competitor_image = fixtures.competitor_image
container_gateway = fixtures.container_gateway

pytestmark = pytest.mark.slow


def test_an_image_submitted_through_the_form_passes_conformance_and_answers_chats(
    container_gateway, competitor_image, browser_page
):
    gateway = container_gateway(web=True)
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    form = page.locator("#submit-form")
    form.get_by_label("Id", exact=True).fill("web-box")
    form.get_by_label("Name", exact=True).fill("Web box")
    form.get_by_label(re.compile("container image on this host")).fill(competitor_image)
    form.get_by_label("Source URL").fill("https://example.org/web-box")
    form.get_by_label(re.compile("^Licence")).fill("MIT")
    form.get_by_label(re.compile("^API key")).fill(ADMIN_KEY)
    form.get_by_role("button", name=re.compile("Submit")).click()

    result = page.locator("#submit-result")
    # The gateway starts the container and runs every check through it: generous, for a
    # loaded machine.
    expect(result).to_contain_text(
        "Accepted: web-box passed every conformance check.", timeout=300_000
    )
    checks = result.locator("tbody tr")
    assert checks.count() >= 5
    assert set(checks.evaluate_all("rows => rows.map(r => r.dataset.passed)")) == {"true"}
    listed = page.locator('#competitors tr[data-competitor="web-box"]')
    expect(listed).to_contain_text("Web box")
    browser_page.screenshot("competition-image-submitted")
    browser_page.assert_clean_console()

    assert gateway.containers("web-box")  # it runs in a container of this gateway
    status, answer = gateway.chat("web-box", "What is the capital of France?")
    assert status == 200, answer
    assert content_of(answer) == "Paris is the capital of France. "
