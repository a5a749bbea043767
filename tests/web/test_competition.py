"""The competition page renders the real leaderboard and submission APIs."""

from __future__ import annotations

import re
import tempfile
import time

import aiohttp
import pytest
from janus_bench.catalog import load_suite
from playwright.sync_api import expect

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.keys import ADMIN_KEY
from janus.plugins import load_plugins
from tests.competition.results import SIGNER_ENV, SIGNER_KEY, SUITE, TRUSTING, bench_result, signed
from tests.conformance.competitors import Behaviour, competitor
from tests.scripted_competitor import DONE, chunk, sse

pytestmark = pytest.mark.slow

WEIGHTS = {"quality": 50.0, "speed": 25.0, "cost": 10.0, "streaming": 10.0, "multimodal": 5.0}
RESULTS = {  # per-component shares; gamma's result is imported unsigned
    "alpha": [0.8, 0.7, 0.6, 0.9, 0.5],
    "beta": [0.7, 0.9, 0.4, 0.3, 0.2],
    "gamma": [0.4, 0.3, 0.5, 0.5, 0.1],
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
    """A gateway with configured weights (not the defaults) and its admin key, ranking the
    test signer's imports."""
    config = parse_config(
        {
            "competitors": [{"id": cid, "url": url} for cid, url in competitors.items()],
            "platform": {"enabled": False, "data_dir": tempfile.mkdtemp(prefix="janus-test-")},
            "competition": {"weights": WEIGHTS, "suite": SUITE, **TRUSTING},
        },
        "test config",
    )
    app = create_app(config, load_plugins(use_env=False, allow=set()))
    return Gateway(live.serve(app), app[ADMIN_KEY])


def publish_results(live, gateway: Gateway) -> dict:
    """Import the results (alpha and beta signed, gamma not); the leaderboard's JSON."""
    for competitor_id, scores in RESULTS.items():
        shares = dict(zip(COMPONENTS, scores, strict=True))
        body = {
            "competitor_id": competitor_id,
            **bench_result(0, weights=WEIGHTS, shares=shares, spread=0.05),
            "finished_at": time.time(),
        }
        status, reply = gateway.post(
            live, "/v1/evaluations/results", body if competitor_id == "gamma" else signed(body)
        )
        assert status == 201, reply
    return live.call(_get(gateway.url + "/v1/leaderboard"))[1]


def column(page, name: str) -> list[str]:
    return page.locator(f'#leaderboard tbody td[data-col="{name}"]').all_inner_texts()


def test_the_leaderboard_shows_the_apis_rows_sortable_with_ci_bars(live, browser_page, monkeypatch):
    monkeypatch.setenv(SIGNER_ENV, SIGNER_KEY)
    _, url = live.competitor(sse(chunk("hi"), DONE))
    gateway = competition_gateway(live, {cid: url for cid in RESULTS})
    board = {row["competitor_id"]: row for row in publish_results(live, gateway)["data"]}
    page = browser_page.page
    page.goto(gateway.url + "/competition")

    rows = page.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(3)
    assert [row.get_attribute("data-competitor") for row in rows.all()] == [
        "alpha",
        "beta",
        "gamma",
    ]
    assert column(page, "rank") == ["1", "2", DASH]  # gamma: listed apart
    composites = column(page, "composite")
    for text, cid in zip(composites, RESULTS, strict=True):
        row = board[cid]
        ci = row["ci"]
        assert text.startswith(f"{row['composite']:.1f} [{ci['low']:.1f}{DASH}{ci['high']:.1f}]")
    for name in ("quality", "multimodal"):
        expected = [f"{board[cid]['components'][name] * 100:.0f}" for cid in RESULTS]
        assert column(page, name) == expected
    assert column(page, "days_at_first") == ["0", "0", "0"]
    gamma = page.locator('#leaderboard tr[data-competitor="gamma"]')
    expect(gamma.locator(".badge.imported")).to_have_text("Imported")
    expect(gamma.locator(".badge.unranked")).to_have_text("Not ranked: untrusted import")
    alpha = page.locator('#leaderboard tr[data-competitor="alpha"]')
    expect(alpha.locator(".badge.imported")).to_have_text("Imported (signed by test-lab)")

    champion = page.locator("#leaderboard tr.champion")
    expect(champion).to_have_count(1)
    expect(champion).to_have_attribute("data-competitor", "alpha")
    expect(champion.locator(".badge.champion")).to_have_text("Champion")
    bar = rows.first.locator(".ci-bar")
    alpha_ci = board["alpha"]["ci"]
    assert bar.locator(".range").evaluate("e => parseFloat(e.style.left)") == pytest.approx(
        alpha_ci["low"]
    )
    assert bar.locator(".point").evaluate("e => parseFloat(e.style.left)") == pytest.approx(
        board["alpha"]["composite"]
    )
    browser_page.screenshot("competition")

    page.get_by_role("button", name="Speed").click()
    expect(page.get_by_role("columnheader", name=re.compile("Speed"))).to_have_attribute(
        "aria-sort", "descending"
    )
    speeds = sorted((board[cid]["components"]["speed"] * 100 for cid in RESULTS), reverse=True)
    assert column(page, "speed") == [f"{v:.0f}" for v in speeds]
    page.get_by_role("button", name=re.compile("Speed")).click()
    assert column(page, "speed") == [f"{v:.0f}" for v in reversed(speeds)]
    page.get_by_role("button", name="Competitor").click()
    assert column(page, "rank") == ["1", "2", DASH]

    expect(page.locator("#formula")).to_have_text(
        f"composite = 100 {TIMES} (0.50 {TIMES} quality + 0.25 {TIMES} speed"
        f" + 0.10 {TIMES} cost + 0.10 {TIMES} streaming + 0.05 {TIMES} multimodal)"
    )
    expect(page.locator("#weights tbody tr")).to_have_count(5)
    expect(page.locator('#weights tr[data-component="speed"] td').nth(1)).to_have_text("25 (25%)")
    suite = load_suite("public/dev")
    expect(page.locator("#suite")).to_have_text(
        f"Suite public/dev, version {suite.version} ({suite.hash}); "
        "public: its answers ship with the bench"
    )
    expect(page.locator("#competitors tbody tr")).to_have_count(3)
    browser_page.assert_clean_console()


def test_an_empty_leaderboard_says_so(live, browser_page):
    gateway = competition_gateway(live, {})
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    expect(page.locator("#leaderboard tbody")).to_have_text("No competitor has been evaluated yet.")
    expect(page.locator("#rewards tbody")).to_contain_text("No rewards yet")
    expect(page.locator("#rewards-policy")).to_contain_text("Policy winner-takes-most: period day")
    browser_page.assert_clean_console()


def test_the_reward_ledger_is_shown(live, browser_page, monkeypatch):
    monkeypatch.setenv(SIGNER_ENV, SIGNER_KEY)
    _, url = live.competitor(sse(chunk("hi"), DONE))
    gateway = competition_gateway(live, {"alpha": url})
    two_days_ago = time.time() - 2 * 86400
    body = {"competitor_id": "alpha", **bench_result(60, weights=WEIGHTS)}
    body.update(started_at=two_days_ago, finished_at=two_days_ago)
    assert gateway.post(live, "/v1/evaluations/results", signed(body))[0] == 201
    status, added = gateway.post(live, "/v1/rewards/compute", {})
    assert status == 200 and added["data"]
    page = browser_page.page
    page.goto(gateway.url + "/competition")
    paid = page.locator(f'#rewards tr[data-period="{added["data"][0]}"][data-recipient="alpha"]')
    expect(paid.locator("td")).to_have_text(
        [added["data"][0], "alpha", "competitor", "1", "700.00 credits"]
    )
    expect(page.get_by_role("table", name=re.compile("reward ledger"))).to_be_visible()
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
