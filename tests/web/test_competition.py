"""The competition page renders the real leaderboard and submission APIs."""

from __future__ import annotations

import re
import tempfile
import time

import aiohttp
import pytest
from playwright.sync_api import expect

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.keys import ADMIN_KEY
from janus.plugins import load_plugins
from tests.conformance.competitors import Behaviour, competitor
from tests.scripted_competitor import DONE, chunk, sse

pytestmark = pytest.mark.slow

WEIGHTS = {"quality": 50.0, "speed": 25.0, "cost": 10.0, "streaming": 10.0, "multimodal": 5.0}
SUITE = {"id": "public/dev", "version": "3", "hash": "sha256:feedbeef"}
RESULTS = {
    "alpha": (71.5, {"low": 68.0, "high": 75.0}, [0.8, 0.7, 0.6, 0.9, 0.5]),
    "beta": (64.25, {"low": 60.0, "high": 68.5}, [0.7, 0.9, 0.4, 0.3, 0.2]),
    "gamma": (40.0, None, [0.4, 0.3, 0.5, 0.5, 0.1]),
}
COMPONENTS = ["quality", "speed", "cost", "streaming", "multimodal"]
DASH, TIMES = "\u2013", "\u00d7"  # as the page prints them


class Gateway:
    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url
        self.admin_key = admin_key

    def post(self, live, path: str, body: dict) -> tuple[int, dict]:
        async def send():
            headers = {"Authorization": f"Bearer {self.admin_key}"}
            async with (
                aiohttp.ClientSession() as session,
                session.post(self.url + path, json=body, headers=headers) as reply,
            ):
                return reply.status, await reply.json()

        return live.call(send())


def competition_gateway(live, competitors: dict[str, str]) -> Gateway:
    """A gateway with configured weights (not the defaults) and its admin key."""
    config = parse_config(
        {
            "competitors": [{"id": cid, "url": url} for cid, url in competitors.items()],
            "platform": {"enabled": False, "data_dir": tempfile.mkdtemp(prefix="janus-test-")},
            "competition": {"weights": WEIGHTS, "suite": SUITE["id"]},
        },
        "test config",
    )
    app = create_app(config, load_plugins(use_env=False, allow=set()))
    return Gateway(live.serve(app), app[ADMIN_KEY])


def publish_results(live, gateway: Gateway) -> None:
    for competitor_id, (composite, ci, scores) in RESULTS.items():
        status, body = gateway.post(
            live,
            "/v1/evaluations/results",
            {
                "competitor_id": competitor_id,
                "suite": SUITE,
                "composite": composite,
                "ci": ci,
                "components": dict(zip(COMPONENTS, scores, strict=True)),
                "weights": WEIGHTS,
                "finished_at": time.time(),
            },
        )
        assert status == 201, body


def column(page, name: str) -> list[str]:
    return page.locator(f'#leaderboard tbody td[data-col="{name}"]').all_inner_texts()


def test_the_leaderboard_shows_the_apis_rows_sortable_with_ci_bars(live, browser_page):
    _, url = live.competitor(sse(chunk("hi"), DONE))
    gateway = competition_gateway(live, {cid: url for cid in RESULTS})
    publish_results(live, gateway)
    page = browser_page.page
    page.goto(gateway.url + "/competition")

    rows = page.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(3)
    assert [row.get_attribute("data-competitor") for row in rows.all()] == [
        "alpha",
        "beta",
        "gamma",
    ]
    assert column(page, "rank") == ["1", "2", "3"]
    composites = column(page, "composite")
    assert composites[0].startswith(f"71.5 [68.0{DASH}75.0]")
    assert composites[1].startswith(f"64.3 [60.0{DASH}68.5]")
    assert composites[2].startswith("40.0 (no CI)")
    assert column(page, "quality") == ["80", "70", "40"]
    assert column(page, "multimodal") == ["50", "20", "10"]
    assert column(page, "days_at_first") == ["0", "0", "0"]

    champion = page.locator("#leaderboard tr.champion")
    expect(champion).to_have_count(1)
    expect(champion).to_have_attribute("data-competitor", "alpha")
    expect(champion.locator(".badge.champion")).to_have_text("Champion")
    bar = rows.first.locator(".ci-bar")
    assert bar.locator(".range").evaluate("e => [e.style.left, e.style.width]") == ["68%", "7%"]
    assert bar.locator(".point").evaluate("e => e.style.left") == "71.5%"
    assert rows.nth(2).locator(".ci-bar .range").count() == 0
    browser_page.screenshot("competition")

    page.get_by_role("button", name="Speed").click()
    expect(page.get_by_role("columnheader", name=re.compile("Speed"))).to_have_attribute(
        "aria-sort", "descending"
    )
    assert column(page, "speed") == ["90", "70", "30"]
    page.get_by_role("button", name=re.compile("Speed")).click()
    assert column(page, "speed") == ["30", "70", "90"]
    page.get_by_role("button", name="Competitor").click()
    assert column(page, "rank") == ["1", "2", "3"]

    expect(page.locator("#formula")).to_have_text(
        f"composite = 100 {TIMES} (0.50 {TIMES} quality + 0.25 {TIMES} speed"
        f" + 0.10 {TIMES} cost + 0.10 {TIMES} streaming + 0.05 {TIMES} multimodal)"
    )
    expect(page.locator("#weights tbody tr")).to_have_count(5)
    expect(page.locator('#weights tr[data-component="speed"] td').nth(1)).to_have_text("25 (25%)")
    expect(page.locator("#suite")).to_have_text(
        "Suite public/dev (public items: development only), version 3 (sha256:feedbeef)"
    )
    expect(page.locator("#competitors tbody tr")).to_have_count(3)
    browser_page.assert_clean_console()


def test_an_empty_leaderboard_says_so(live, browser_page):
    gateway = competition_gateway(live, {})
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    expect(page.locator("#leaderboard tbody")).to_have_text("No competitor has been evaluated yet.")
    browser_page.assert_clean_console()


def fill_submission(page, competitor_id: str, url: str, admin_key: str) -> None:
    form = page.locator("#submit-form")
    form.get_by_label("Id", exact=True).fill(competitor_id)
    form.get_by_label("Name", exact=True).fill("My agent")
    form.get_by_label("URL of the running container").fill(url)
    form.get_by_label("Source URL").fill("https://example.org/my-agent")
    form.get_by_label(re.compile("^Licence")).fill("MIT")
    form.get_by_label("Description").fill("Answers everything.")
    form.get_by_label(re.compile("^API key")).fill(admin_key)
    form.get_by_role("button", name=re.compile("Submit")).click()


def test_a_conforming_submission_is_accepted_with_its_checks(live, browser_page):
    _, url = live.competitor(competitor())
    gateway = competition_gateway(live, {})
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    fill_submission(page, "my-agent", url, gateway.admin_key)
    result = page.locator("#submit-result")
    expect(result).to_contain_text(
        "Accepted: my-agent passed every conformance check.", timeout=60000
    )
    checks = result.locator("tbody tr")
    assert checks.count() >= 5
    assert set(
        result.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.passed)")
    ) == {"true"}
    status, listing = live.call(_get(gateway.url + "/v1/competitors"))
    assert status == 200 and "my-agent" in [c["id"] for c in listing["data"]]
    listed = page.locator('#competitors tr[data-competitor="my-agent"]')
    expect(listed).to_contain_text("My agent")
    expect(listed.get_by_role("link")).to_have_attribute("href", "https://example.org/my-agent")
    expect(listed.locator("td").nth(1)).to_have_text("MIT")
    browser_page.screenshot("competition-submitted")


def test_a_rejected_submission_shows_the_failing_checks(live, browser_page):
    _, url = live.competitor(competitor(Behaviour(usage=False)))
    gateway = competition_gateway(live, {})
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    fill_submission(page, "no-usage", url, gateway.admin_key)
    result = page.locator("#submit-result")
    expect(result.get_by_role("alert")).to_contain_text("Rejected:", timeout=60000)
    expect(result.get_by_role("alert")).to_contain_text("usage")
    failing = result.locator("tbody tr")
    expect(failing).to_have_count(1)
    expect(failing.first).to_have_attribute("data-check", "usage")
    expect(failing.first.locator("td").nth(1)).to_have_text("✗ fail")
    expect(failing.first.locator("td").nth(2)).to_contain_text("no usage")


def test_a_submission_without_the_admin_key_shows_the_http_error(live, browser_page):
    _, url = live.competitor(competitor())
    gateway = competition_gateway(live, {})
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    fill_submission(page, "sneaky", url, "")
    alert = page.locator("#submit-result").get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"HTTP 4\d\d "))


async def _get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as reply:
        return reply.status, await reply.json()
