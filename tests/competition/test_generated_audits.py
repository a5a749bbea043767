"""Evaluations on generated items look like user traffic, and a champion that serves users
worse than the bench is caught by an audit and dethroned.

The two-faced competitors here are the cheat of issue 15: perfect on the bench, a
"Sponsored answer" to users. One looks for the tells of evaluation traffic in the request
(its own id as ``model``, ``stream_options.include_usage``, the ``ANSWER:`` convention);
the other watches the public list of running evaluations, which no request change can
hide. The first cannot tell any more; the second is caught by the unannounced audit.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp import web
from janus_bench.generated import GENERATED_SUITES

from tests.bench.generated_solver import SPONSORED, solve, streamed
from tests.competition.conftest import ADMIN_KEY, assert_openai_error, call
from tests.competition.test_evaluations import events_of, tiny_suite  # noqa: F401 (fixture)

SUITE = "generated/test"
# The competition gateways of these tests have no platform sandbox: no coding items.
MIX = {"reasoning": 4, "research": 3, "tool_use": 3}
USER_QUESTION = "What is 1234 * 56 - 789?"
DEADLINE_S = 120.0
# These competitors are URLs, which are listed apart unless the operator ranks them.
URLS_RANKED = {"rank_external": True}


@pytest.fixture(autouse=True)
def _generated_test_suite(monkeypatch):
    """Test double: a generated suite without coding items (so no sandbox is needed)."""
    monkeypatch.setitem(GENERATED_SUITES, SUITE, MIX)


def tells(body: dict, own_id: str) -> tuple:
    """What a competitor can read off a request, beside the question itself."""
    texts = " ".join(m["content"] for m in body["messages"] if isinstance(m["content"], str))
    return (
        body["model"] == own_id,
        body["model"],
        body.get("stream"),
        json.dumps(body.get("stream_options"), sort_keys=True),
        "ANSWER" in texts,
    )


def two_faced_by_tells(own_id: str, verdicts: list[bool]):
    async def decide(request: web.Request, body: dict):
        evaluated = body.get("model") == own_id or "ANSWER:" in json.dumps(body["messages"])
        verdicts.append(evaluated)
        return solve(body) if evaluated else SPONSORED

    return streamed(decide)


def two_faced_by_announcements(own_id: str, gateway: dict[str, str]):
    """Honest only while ``GET /v1/evaluations`` lists a run of its own as running."""

    async def decide(request: web.Request, body: dict):
        url = f"{gateway['url']}/v1/evaluations?competitor_id={own_id}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            listed = (await response.json())["data"]
        running = any(record["status"] == "running" for record in listed)
        return solve(body) if running else SPONSORED

    return streamed(decide)


async def user_asks(gateway, question: str = USER_QUESTION, **extra) -> tuple[str, list[dict]]:
    """A user's streamed request to ``janus``: the text they got and every chunk."""
    body = {"model": "janus", "messages": [{"role": "user", "content": question}], "stream": True}
    chunks = []
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{gateway.url}/v1/chat/completions", json={**body, **extra}) as response,
    ):
        assert response.status == 200, await response.text()
        async for line in response.content:
            if line.startswith(b"data: ") and line.strip() != b"data: [DONE]":
                chunks.append(json.loads(line[6:]))
    text = "".join(
        (choice.get("delta") or {}).get("content") or "" for c in chunks for choice in c["choices"]
    )
    return text, chunks


async def paired_run_ended(gateway, champion: str, seed: int) -> None:
    """Wait for the champion's re-run on a challenger's items (same seed) to end."""
    async with asyncio.timeout(DEADLINE_S):
        while True:
            _, listed = await call(gateway, "GET", f"/v1/evaluations?competitor_id={champion}")
            runs = [e for e in listed["data"] if e["seed"] == seed and e["source"] == "gateway"]
            if runs and all(e["status"] in ("finished", "failed", "cancelled") for e in runs):
                return
            await asyncio.sleep(0.2)


async def evaluate(gateway, competitor_id: str) -> dict:
    status, started = await call(
        gateway,
        "POST",
        "/v1/evaluations",
        key=ADMIN_KEY,
        json={"competitor_id": competitor_id},
    )
    assert status == 202, started
    async with asyncio.timeout(DEADLINE_S):
        events = await events_of(gateway, started["id"])
    assert events[-2]["event"] == "finished", events[-3:]
    # Per-task results are for admins (and the owner) only, after the run.
    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    return evaluation


async def test_evaluation_requests_carry_no_tell_of_the_bench(live, competition_gateway):
    verdicts: list[bool] = []
    scripted, url = live.competitor(two_faced_by_tells("twofaced", verdicts))
    gateway = competition_gateway({"twofaced": url}, default="twofaced", suite=SUITE)

    text, chunks = await user_asks(gateway)
    assert text == SPONSORED
    # The gateway asked the competitor for usage, and kept it from the user who did not.
    assert scripted.requests[0]["stream_options"] == {"include_usage": True}
    assert not any("usage" in c for c in chunks)
    _, with_usage = await user_asks(gateway, stream_options={"include_usage": True})
    assert any(c.get("usage") for c in with_usage)

    evaluation = await evaluate(gateway, "twofaced")
    user_request, evaluation_requests = scripted.requests[0], scripted.requests[2:]
    assert len(evaluation_requests) >= sum(MIX.values())
    assert {tells(body, "twofaced") for body in evaluation_requests} == {
        tells(user_request, "twofaced")
    }
    header_names = {frozenset(h.keys()) for h in scripted.headers}
    assert len(header_names) == 1  # the same headers for users and the bench
    # So it served the bench what it serves users: nothing worth a score.
    assert not any(verdicts)
    assert evaluation["components"]["quality"] == 0.0
    assert evaluation["result"]["suite"]["kind"] == "generated"


async def test_an_honest_solver_ranks_on_fresh_items_without_an_answer_label(
    live, competition_gateway
):
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway({"solver": url}, suite=SUITE)
    first, second = await evaluate(gateway, "solver"), await evaluate(gateway, "solver")
    assert first["components"]["quality"] == second["components"]["quality"] == 1.0
    assert first["seed"] != second["seed"]
    generations = [e["result"]["generation"] for e in (first, second)]
    assert generations[0]["seed_sha256"] != generations[1]["seed_sha256"]
    assert generations[0]["tasks_sha256"] != generations[1]["tasks_sha256"]
    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert board["suite"]["kind"] == "generated" and board["data"][0]["competitor_id"] == "solver"


async def _solved(body: dict):
    return solve(body)


async def test_an_audit_dethrones_a_champion_that_serves_users_worse(live, competition_gateway):
    where: dict[str, str] = {}
    _, two_faced = live.competitor(two_faced_by_announcements("twofaced", where))
    _, steady = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway(
        {"twofaced": two_faced, "steady": steady},
        router="champion",
        suite=SUITE,
        competition=URLS_RANKED,
    )
    where["url"] = gateway.url

    crowned = await evaluate(gateway, "twofaced")
    assert crowned["components"]["quality"] == 1.0  # perfect while it knows it is watched
    challenge = await evaluate(gateway, "steady")  # as good: the crown rule keeps the champion
    # The champion's re-run on steady's items (the crown's pair) is announced too, and the
    # two-faced champion answers it well: audit once it has ended.
    await paired_run_ended(gateway, "twofaced", challenge["seed"])
    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert board["data"][0]["competitor_id"] == "twofaced" and board["data"][0]["champion"]
    assert (await user_asks(gateway))[0] == SPONSORED  # what users get from it

    for key in (None, "jadm-wrong"):
        assert (await call(gateway, "POST", "/v1/competition/audit", key=key))[0] == 401
    status, audit = await call(gateway, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 200, audit
    assert (audit["competitor_id"], audit["passed"]) == ("twofaced", False)
    # Against the run it is ranked on now: its latest, the re-run on steady's items.
    ranked_on = board["data"][0]["evaluation_id"]
    assert ranked_on != crowned["id"]
    assert audit["against"] == ranked_on and "below" in audit["reason"]

    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert [row["competitor_id"] for row in board["data"]] == ["steady"]
    assert board["data"][0]["champion"]
    (suspended,) = board["suspended"]
    assert suspended["competitor_id"] == "twofaced"
    assert suspended["audit"]["id"] == audit["id"] and not suspended["audit"]["passed"]
    assert suspended["audit"]["reason"] == audit["reason"]
    history = board["champion_history"]
    assert history[0]["competitor_id"] == "twofaced" and history[0]["until"] is not None
    # The audit is on record, after the fact, with its verdict.
    _, listed = await call(gateway, "GET", "/v1/evaluations?competitor_id=twofaced")
    recorded = next(e for e in listed["data"] if e["id"] == audit["id"])
    assert recorded["source"] == "audit" and recorded["error"] == audit["reason"]
    assert (await user_asks(gateway))[0] != SPONSORED  # users now get the new champion

    # The honest champion passes its audit and keeps the crown.
    status, passed = await call(gateway, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 200 and (passed["competitor_id"], passed["passed"]) == ("steady", True)
    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert board["data"][0]["competitor_id"] == "steady" and board["data"][0]["champion"]
    assert board["data"][0]["audit"]["passed"] is True


async def test_no_audit_while_the_champion_is_being_evaluated(live, competition_gateway):
    """An announced run tells a two-faced champion to behave: an audit then says nothing."""
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway({"solver": url}, suite=SUITE, competition=URLS_RANKED)
    await evaluate(gateway, "solver")
    status, started = await call(
        gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json={"competitor_id": "solver"}
    )
    assert status == 202, started
    status, body = await call(gateway, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 409 and assert_openai_error(body, "champion_under_evaluation")
    await call(gateway, "DELETE", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    async with asyncio.timeout(DEADLINE_S):
        await events_of(gateway, started["id"])
    status, audit = await call(gateway, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 200 and audit["passed"], audit


async def test_audits_run_by_themselves_at_random_times(live, competition_gateway):
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway(
        {"solver": url}, suite=SUITE, competition={"audit_interval_s": 0.5, **URLS_RANKED}
    )
    await evaluate(gateway, "solver")
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        _, listed = await call(gateway, "GET", "/v1/evaluations?competitor_id=solver")
        if any(e["source"] == "audit" for e in listed["data"]):
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("no audit ran by itself")


async def test_an_audit_needs_a_champion_and_a_generated_suite(live, competition_gateway):
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway({"solver": url}, suite=SUITE)
    status, body = await call(gateway, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 409 and assert_openai_error(body, "no_champion")
    stored = competition_gateway({"solver": url}, suite="public/dev")
    status, body = await call(stored, "POST", "/v1/competition/audit", key=ADMIN_KEY)
    assert status == 409 and assert_openai_error(body, "audit_needs_generated_suite")


async def test_only_admins_pin_a_competitor(live, competition_gateway):
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway({"solver": url}, default="solver", suite=SUITE)
    body = {"model": "janus", "messages": [{"role": "user", "content": USER_QUESTION}]}
    pin = {"X-Janus-Competitor": "solver"}
    async with aiohttp.ClientSession() as session:
        url = f"{gateway.url}/v1/chat/completions"
        async with session.post(url, json=body, headers=pin) as response:
            assert response.status == 401
            assert_openai_error(await response.json(), "admin_key_required")
        admin = {**pin, "X-Janus-Competitor": "nobody", "Authorization": f"Bearer {ADMIN_KEY}"}
        async with session.post(url, json=body, headers=admin) as response:
            assert response.status == 404
            assert_openai_error(await response.json(), "competitor_not_found")


@pytest.mark.usefixtures("tiny_suite")
async def test_a_private_suite_never_gets_the_same_seed_twice_for_one_competitor(
    live, competition_gateway
):
    _, url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway({"solver": url}, suite="private/test")
    request = {"competitor_id": "solver", "seed": 11}
    status, first = await call(gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json=request)
    assert status == 202
    status, again = await call(gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json=request)
    assert status == 409 and assert_openai_error(again, "seed_already_used")["param"] == "seed"
    drawn = []
    for _ in range(2):
        status, body = await call(
            gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json={"competitor_id": "solver"}
        )
        assert status == 202
        drawn.append(body["seed"])
    assert len({11, *drawn}) == 3  # left out, the seed is drawn fresh
    for evaluation_id in (first["id"],):
        await events_of(gateway, evaluation_id)
