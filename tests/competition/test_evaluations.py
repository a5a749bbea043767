"""Evaluations the gateway runs with janus-bench against itself: progress as SSE, results
on the leaderboard, real cancellation."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time

import aiohttp
import pytest
from aiohttp import web
from janus_bench.runner import RunOptions, run_benchmark
from janus_bench.submit import submit_result

from janus.config import parse_config
from janus.store import EvaluationRecord, open_store
from tests.bench.competitors import pieces, stalling
from tests.bench.suite_builder import chat_task, write_suite
from tests.competition.conftest import ADMIN_KEY, assert_openai_error, call
from tests.scripted_competitor import DONE, chunk, sse

SUITE = "private/test"
TASKS = [chat_task(1), chat_task(2, answer="5")]
USAGE = {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}


def reference_answers():
    """Test double: streams each task's reference answer, so every task is right."""
    by_question = {task["messages"][-1]["content"]: task["reference"] for task in TASKS}

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = by_question.get(body["messages"][-1]["content"], "I do not know.")
        steps: list[bytes | float] = [chunk(role="assistant")]
        steps += [chunk(piece) for piece in pieces(text)]
        steps += [chunk(finish="stop"), chunk(choices=[], usage=USAGE), DONE]
        return await sse(*steps)(request, body)

    return script


@pytest.fixture
def tiny_suite(tmp_path, monkeypatch):
    """The bench's private/test suite, pointed at a two-task suite in tmp."""
    monkeypatch.setenv("JANUS_BENCH_PRIVATE", str(write_suite(tmp_path / "suite", TASKS)))


async def events_of(gateway, evaluation_id: str, key: str | None = None) -> list[dict | str]:
    """Every event of the evaluation's SSE stream, up to and including [DONE]."""
    seen: list[dict | str] = []
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{gateway.url}/v1/evaluations/{evaluation_id}/events"
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers) as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        async for line in response.content:
            if line.startswith(b"data: "):
                data = line[6:].strip()
                seen.append("[DONE]" if data == b"[DONE]" else json.loads(data))
    return seen


async def start(gateway, competitor_id: str, **options) -> dict:
    status, body = await call(
        gateway,
        "POST",
        "/v1/evaluations",
        key=ADMIN_KEY,
        json={"competitor_id": competitor_id, "suite": SUITE, **options},
    )
    assert status == 202, body
    return body


async def test_a_full_evaluation_produces_a_leaderboard_row(live, competition_gateway, tiny_suite):
    scripted, url = live.competitor(reference_answers())
    gateway = competition_gateway({"honest": url}, suite=SUITE, competition={"rank_external": True})
    started = await start(gateway, "honest", seed=7)
    assert (started["status"], started["suite"]["id"], started["seed"]) == ("running", SUITE, 7)

    events = await events_of(gateway, started["id"], key=ADMIN_KEY)
    assert events[0] == {"event": "started", "total": 2}
    assert [e["event"] for e in events[1:3]] == ["task", "task"]
    assert all(e["quality"] == 1.0 and e["error"] is None for e in events[1:3])
    assert events[3]["event"] == "finished" and events[-1] == "[DONE]"
    # Through the ordinary route: the competitor sees what a user's request looks like.
    assert len(scripted.requests) == 2 and {r["model"] for r in scripted.requests} == {"janus"}

    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    assert evaluation["status"] == "finished"
    assert evaluation["suite"]["version"] == "7" and evaluation["suite"]["hash"].startswith(
        "sha256:"
    )
    assert evaluation["result"]["model"] == "janus"
    assert evaluation["composite"] == events[3]["composite"]
    _, leaderboard = await call(gateway, "GET", "/v1/leaderboard")
    row = leaderboard["data"][0]
    assert (row["competitor_id"], row["evaluation_id"], row["champion"]) == (
        "honest",
        started["id"],
        True,
    )
    assert row["components"]["quality"] == 1.0
    # Replaying a finished run gives the same events.
    assert await events_of(gateway, started["id"], key=ADMIN_KEY) == events


async def test_a_subset_evaluation_stays_off_the_leaderboard(live, competition_gateway, tiny_suite):
    _, url = live.competitor(reference_answers())
    gateway = competition_gateway({"honest": url}, suite=SUITE)
    started = await start(gateway, "honest", subset=50)
    assert (await events_of(gateway, started["id"]))[-1] == "[DONE]"
    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}")
    assert (evaluation["status"], evaluation["subset"]) == ("finished", 50.0)
    _, leaderboard = await call(gateway, "GET", "/v1/leaderboard")
    assert leaderboard["data"] == []


@pytest.mark.parametrize("how", ["DELETE", "POST"])
async def test_cancelling_stops_the_run_for_real(live, competition_gateway, tiny_suite, how):
    reached = threading.Event()

    async def stall(request: web.Request, body: dict) -> web.StreamResponse:
        reached.set()  # the bench's request came through the gateway
        return await stalling()(request, body)

    scripted, url = live.competitor(stall)
    gateway = competition_gateway({"stuck": url}, suite=SUITE)
    started = await start(gateway, "stuck")
    following = asyncio.ensure_future(events_of(gateway, started["id"]))
    await asyncio.get_running_loop().run_in_executor(None, reached.wait, 30)

    path = f"/v1/evaluations/{started['id']}" + ("/cancel" if how == "POST" else "")
    for key in (None, "jadm-wrong"):
        assert (await call(gateway, how, path, key=key))[0] == 401
    status, body = await call(gateway, how, path, key=ADMIN_KEY)
    assert status == 200 and body["status"] == "cancelled"

    # The competitor's requests were cut: the bench's task, its requests to the gateway
    # and the gateway's requests upstream were all cancelled.
    await asyncio.get_running_loop().run_in_executor(None, scripted.disconnected.wait, 30)
    assert scripted.disconnected.is_set()
    events = await following
    assert events[0]["event"] == "started"
    assert events[-2:] == [{"event": "cancelled"}, "[DONE]"]
    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}")
    assert evaluation["status"] == "cancelled" and evaluation["finished_at"] is not None
    assert not gateway.competition.runner.is_running(started["id"])
    status, body = await call(gateway, how, path, key=ADMIN_KEY)
    assert status == 409 and assert_openai_error(body, "evaluation_not_running")


async def test_a_result_submitted_by_janus_bench_is_stored_as_the_bench_wrote_it(
    live, competition_gateway, tiny_suite
):
    _, url = live.competitor(reference_answers())
    gateway = competition_gateway({"honest": url}, suite=SUITE)
    options = RunOptions(target=gateway.url, suite=SUITE, model="honest")
    result = await run_benchmark(options)
    answer = await submit_result(gateway.url, ADMIN_KEY, result, "honest")
    assert (answer["status"], answer["source"]) == ("finished", "submitted")
    _, stored = await call(gateway, "GET", f"/v1/evaluations/{answer['id']}", key=ADMIN_KEY)
    assert stored["result"] == result  # recomputed aggregates: the bench's own
    assert stored["ci"] == (
        {"low": result["ci"]["low"], "high": result["ci"]["high"]} if result["ci"] else None
    )
    _, leaderboard = await call(gateway, "GET", "/v1/leaderboard")
    assert [row["evaluation_id"] for row in leaderboard["data"]] == [answer["id"]]
    assert leaderboard["suite"] == {**result["suite"], "kind": "private"}
    row = leaderboard["data"][0]  # unsigned: listed, marked imported, not ranked
    assert (row["imported"], row["ranked"], row["unranked_reason"]) == (
        True,
        False,
        "untrusted import",
    )


async def test_another_replica_follows_and_cancels_a_run(
    live, competition_gateway, tiny_suite, postgres_url
):
    reached = threading.Event()

    async def stall(request: web.Request, body: dict) -> web.StreamResponse:
        reached.set()
        return await stalling()(request, body)

    scripted, url = live.competitor(stall)
    running = competition_gateway({"stuck": url}, suite=SUITE, store_url=postgres_url)
    other = competition_gateway({"stuck": url}, suite=SUITE, store_url=postgres_url)
    started = await start(running, "stuck")
    following = asyncio.ensure_future(events_of(other, started["id"]))  # replayed from the store
    await asyncio.get_running_loop().run_in_executor(None, reached.wait, 30)

    status, body = await call(
        other, "POST", f"/v1/evaluations/{started['id']}/cancel", key=ADMIN_KEY
    )
    assert status == 200 and body["status"] == "cancelled"
    # The replica running it notices through the store and cancels the run for real.
    await asyncio.get_running_loop().run_in_executor(None, scripted.disconnected.wait, 30)
    assert scripted.disconnected.is_set()
    events = await following
    assert events[0]["event"] == "started"
    assert events[-2:] == [{"event": "cancelled"}, "[DONE]"]


async def test_a_run_left_behind_by_a_stopped_gateway_is_ended_as_failed(
    live, competition_gateway, postgres_url, tmp_path
):
    # A gateway that died mid-run left its evaluation "running" in the shared store.
    config = parse_config(
        {"platform": {"data_dir": str(tmp_path)}, "store": {"url": postgres_url}}, "test"
    )
    store = open_store(config)
    await store.open()
    orphan = EvaluationRecord(
        id="ev-orphan",
        competitor_id="stuck",
        status="running",
        suite_id=SUITE,
        subset=100.0,
        repeat=1,
        seed=0,
        created_at=time.time() - 3600,
        source="gateway",
    )
    await store.add_evaluation(orphan)
    await store.close()
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url}, suite=SUITE, store_url=postgres_url)
    status, evaluation = await call(gateway, "GET", "/v1/evaluations/ev-orphan")
    assert (status, evaluation["status"]) == (200, "failed")
    assert "abandoned" in evaluation["error"]
    assert (await events_of(gateway, "ev-orphan"))[-2:] == [
        {"event": "failed", "error": evaluation["error"]},
        "[DONE]",
    ]


async def test_starting_an_evaluation_needs_the_admin_key(live, competition_gateway):
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url})
    for key in (None, "jadm-wrong"):
        status, body = await call(
            gateway, "POST", "/v1/evaluations", key=key, json={"competitor_id": "stuck"}
        )
        assert status == 401 and assert_openai_error(body, "admin_key_required")
    _, listed = await call(gateway, "GET", "/v1/evaluations")
    assert listed["data"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"competitor_id": "nobody"}, 404, "competitor_not_found"),
        ({"competitor_id": "stuck", "subset": 0}, 400, "invalid_value"),
        ({"competitor_id": "stuck", "repeat": "twice"}, 400, "invalid_value"),
        ({"competitor_id": "stuck", "turbo": True}, 400, "invalid_value"),
    ],
)
async def test_a_bad_evaluation_request_is_refused(live, competition_gateway, body, status, code):
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url})
    reply_status, reply = await call(gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json=body)
    assert reply_status == status
    assert_openai_error(reply, code)


async def test_without_janus_bench_evaluations_are_not_implemented(
    live, competition_gateway, monkeypatch
):
    monkeypatch.setitem(sys.modules, "janus_bench.runner", None)  # import fails as if absent
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url})
    status, body = await call(
        gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json={"competitor_id": "stuck"}
    )
    assert status == 501
    assert assert_openai_error(body, "bench_not_installed")["type"] == "server_error"


async def test_unknown_evaluations_are_404(competition_gateway):
    gateway = competition_gateway()
    for method, path in [
        ("GET", "/v1/evaluations/eval-nope"),
        ("GET", "/v1/evaluations/eval-nope/events"),
        ("POST", "/v1/evaluations/eval-nope/cancel"),
    ]:
        status, body = await call(gateway, method, path, key=ADMIN_KEY)
        assert status == 404 and assert_openai_error(body, "evaluation_not_found")
