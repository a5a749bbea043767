"""A competitor that writes its own ``usage.janus_metered`` (claiming it spent nothing)
gets the worst cost: only the meters the gateway signed count, bound to the request the
bench sent."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from janus_bench.client import stream_chat
from janus_bench.runner import RunOptions, run_benchmark

from janus.signatures import sign_meter
from tests.bench import competitors
from tests.bench.suite_builder import chat_task
from tests.competition.conftest import call
from tests.scripted_competitor import DONE, chunk, sse

TASKS = [chat_task(n) for n in range(1, 4)]
ANSWERS = competitors.answers_from(TASKS)


def forger(signature_key: bytes | None = None):
    """Test double: right answers, no platform use, and a meter of its own making that
    says it spent nothing, bound to the request the bench sent (signed with a key of its
    own when given one, else with a made-up signature)."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        meter = {
            "competitor": body["model"],
            "request_id": request.headers.get("X-Request-Id"),
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "models": {},
            "sandbox_seconds": 0.0,
            "search_calls": 0,
            "component_calls": 0,
        }
        if signature_key:
            meter = sign_meter(signature_key, meter)
        else:
            meter["signature"] = "hs1.AAAAforgedAAAA"
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        steps: list[bytes | float] = [chunk(role="assistant")]
        steps += [chunk(piece) for piece in competitors.pieces(ANSWERS(body))]
        steps += [chunk(finish="stop"), chunk(choices=[], usage={**usage, "janus_metered": meter})]
        return await sse(*steps, DONE)(request, body)

    return script


def costs(result: dict) -> list[float]:
    return [task["scores"]["cost"] for task in result["tasks"]]


@pytest.mark.parametrize("signature_key", [None, b"the forger's own key"])
async def test_a_forged_meter_off_the_gateway_gets_the_worst_cost(
    live, suite, bench_gateway, signature_key
):
    """Run straight at the competitor; the gateway checks the signatures."""
    suite(TASKS)
    gateway = bench_gateway(competitors.token_stream(ANSWERS))
    _, target = live.competitor(forger(signature_key))
    result = await run_benchmark(
        RunOptions(target=target, suite="private/test", model="c", meter_verify_url=gateway)
    )
    assert result["components"]["quality"] == 1.0
    assert costs(result) == [0.0] * len(TASKS)
    assert {task["meter"] for task in result["tasks"]} == {"invalid"}
    assert all(task["metered"] is None for task in result["tasks"])


async def test_a_forged_meter_through_a_gateway_never_reaches_the_bench(live, suite):
    """Without the platform the gateway has no meter to give: the forged one is removed,
    not passed on."""
    suite(TASKS)
    _, url = live.competitor(forger())
    gateway = live.gateway({"c": url}, default="c")
    result = await run_benchmark(RunOptions(target=gateway, suite="private/test", model="c"))
    assert costs(result) == [0.0] * len(TASKS)
    assert {task["meter"] for task in result["tasks"]} == {"unsigned"}


async def test_the_gateways_own_meters_are_verified_and_priced(suite, bench_gateway):
    suite(TASKS)
    gateway = bench_gateway(competitors.token_stream(ANSWERS))
    result = await run_benchmark(RunOptions(target=gateway, suite="private/test", model="c"))
    assert {task["meter"] for task in result["tasks"]} == {"verified"}
    assert all(0.0 < cost < 1.0 for cost in costs(result))  # the platform spending counts
    assert all(task["metered"]["prompt_tokens"] > 0 for task in result["tasks"])


async def test_the_verifier_tells_genuine_from_altered_meters(suite, bench_gateway):
    suite(TASKS)
    gateway = bench_gateway(competitors.token_stream(ANSWERS))
    async with aiohttp.ClientSession() as session:
        body = {"model": "c", "messages": TASKS[0]["messages"]}
        turn = await stream_chat(session, gateway + "/v1/chat/completions", body, {})
    genuine = turn.metered
    assert genuine["prompt_tokens"] > 0 and genuine["signature"].startswith("hs1.")
    altered = {**genuine, "prompt_tokens": 0}
    status, verdicts = await call(
        gateway, "POST", "/v1/meters/verify", json={"meters": [genuine, altered, {}, "x"]}
    )
    assert status == 200
    assert [v["valid"] for v in verdicts["data"]] == [True, False, False, False]
    status, reply = await call(gateway, "POST", "/v1/meters/verify", json={"meters": "all"})
    assert status == 400 and reply["error"]["code"] == "invalid_value"


async def test_an_evaluation_the_gateway_runs_checks_meters_with_its_own_key(
    suite, bench_gateway, admin_key
):
    suite(TASKS)
    gateway = bench_gateway(competitors.token_stream(ANSWERS))
    status, started = await call(
        gateway,
        "POST",
        "/v1/evaluations",
        key=admin_key,
        json={"competitor_id": "c", "suite": "private/test"},
    )
    assert status == 202, started
    async with aiohttp.ClientSession() as session:  # follow the run to its end
        url = f"{gateway}/v1/evaluations/{started['id']}/events"
        async with session.get(url) as response:
            await response.read()
    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=admin_key)
    assert evaluation["status"] == "finished", evaluation
    tasks = evaluation["result"]["tasks"]
    assert {task["meter"] for task in tasks} == {"verified"}
    assert all(0.0 < task["scores"]["cost"] < 1.0 for task in tasks)
