"""Scripted competitors on real sockets behind a real gateway try to game the bench: each
trick must earn nothing over an honest competitor that gives the same answers."""

from __future__ import annotations

import pytest
from janus_bench.runner import RunOptions, run_benchmark

from tests.bench import competitors
from tests.bench.suite_builder import chat_task

TASKS = [chat_task(n) for n in range(1, 5)]


def options(target: str, **extra) -> RunOptions:
    return RunOptions(target=target, suite="private/test", concurrency=2, **extra)


@pytest.fixture
def run(suite, bench_gateway):
    suite(TASKS)

    async def run(script) -> dict:
        return await run_benchmark(options(bench_gateway(script)))

    return run


async def test_one_chunk_with_the_whole_answer_streams_worse_than_a_token_stream(run):
    respond = competitors.answers_from(TASKS)
    honest = await run(competitors.token_stream(respond))
    chunky = await run(competitors.one_chunk(respond))
    assert honest["components"]["quality"] == chunky["components"]["quality"] == 1.0
    assert chunky["components"]["streaming"] < honest["components"]["streaming"]
    for task in chunky["tasks"]:
        assert task["timings"]["text_events"] == 1
        assert task["details"]["streaming"]["burst"] < 0.25
    for task in honest["tasks"]:
        assert task["details"]["streaming"]["burst"] == 1.0
    assert chunky["composite"] < honest["composite"]


async def test_reporting_zero_usage_gains_nothing_on_cost(run):
    respond = competitors.answers_from(TASKS)
    honest = await run(competitors.token_stream(respond))
    liar = await run(competitors.token_stream(respond, usage=competitors.ZERO_USAGE))
    for task in liar["tasks"]:
        assert task["usage"]["total_tokens"] == 0  # what it claimed, kept for the record
        assert task["metered"]["prompt_tokens"] > 0  # what the platform measured
    honest_costs = sorted(task["scores"]["cost"] for task in honest["tasks"])
    liar_costs = sorted(task["scores"]["cost"] for task in liar["tasks"])
    assert liar_costs == honest_costs
    assert all(cost < 1.0 for cost in liar_costs)  # the platform spending did cost


async def test_leaving_out_usage_costs_as_the_worst_case(run):
    respond = competitors.answers_from(TASKS)
    silent = await run(competitors.token_stream(respond, usage=None))
    assert silent["components"]["quality"] == 1.0
    for task in silent["tasks"]:
        assert task["metered"] is None
        assert task["scores"]["cost"] == 0.0


@pytest.mark.parametrize("script", [competitors.failing(), competitors.in_band_error(None)])
async def test_a_competitor_that_errors_on_every_task_scores_zero(run, script):
    result = await run(script)
    assert result["composite"] == 0.0
    assert set(result["components"].values()) <= {0.0, None}
    for task in result["tasks"]:
        assert not task["ok"] and task["error"]
        assert {v for v in task["scores"].values() if v is not None} == {0.0}
    assert result["ci"] == {
        "low": 0.0,
        "high": 0.0,
        "level": 0.95,
        "method": "bootstrap",
        "resampled": "tasks",
        "samples": 1000,
    }


async def test_a_wrong_answer_gets_no_speed_cost_or_streaming_credit(run):
    result = await run(competitors.token_stream(lambda body: "ANSWER: 5"))
    assert result["composite"] == 0.0
    for task in result["tasks"]:
        assert task["ok"]
        assert task["scores"] == {
            "quality": 0.0,
            "speed": 0.0,
            "cost": 0.0,
            "streaming": 0.0,
            "multimodal": None,
        }
        assert task["details"]["speed"]["raw"] > 0  # it was fast, but wrong
