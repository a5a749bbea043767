"""The runner against scripted competitors behind a real gateway: the result document,
progress events, subsets and repeats, the tool loop, images, timeouts and cancellation."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from janus_bench import __version__
from janus_bench.catalog import load_suite
from janus_bench.images import render
from janus_bench.runner import RunError, RunOptions, item_seed, run_benchmark, select_tasks
from janus_bench.scorers import VERSION

from janus.config import DEFAULT_WEIGHTS
from tests.bench import competitors
from tests.bench.suite_builder import chat_task
from tests.scripted_competitor import DONE, chunk, sse

SAFETY_TIMEOUT_S = 30.0  # never a performance threshold

TOOL_TASK = {
    "id": "t-tool-001",
    "type": "tool_use",
    "messages": [{"role": "user", "content": "What is the weather in Paris? Use the tool."}],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ],
    "tool_results": [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "result": "sunny, 21 C"}
    ],
    "check": {
        "kind": "tool_call",
        "calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
        "final": {"kind": "exact", "answer": "sunny, 21 C"},
    },
    "reference": "ANSWER: sunny, 21 C",
}

IMAGE_TASK = {
    "id": "t-image-001",
    "type": "multimodal",
    "messages": [{"role": "user", "content": "How many circles? End with `ANSWER: <n>`."}],
    "image": {"generator": "count_shapes", "params": {"shape": "circle"}},
    "check": {"kind": "numeric", "from_image": "count"},
    "reference": "ANSWER: {count}",
}


def options(target: str, **extra) -> RunOptions:
    return RunOptions(target=target, suite="private/test", **extra)


async def test_the_result_document_follows_the_contract(suite, bench_gateway):
    tasks = [chat_task(n) for n in range(1, 4)]
    path = suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    events: list[dict] = []
    result = await run_benchmark(options(gateway, seed=3), events.append)

    expected = load_suite("private/test", str(path))
    assert result["suite"] == {
        "id": "private/test",
        "version": "7",
        "hash": expected.hash,
        "kind": "private",
    }
    assert result["generation"] is None  # stored items: no secret seed
    assert result["bench_version"] == __version__
    assert result["target"] == gateway and result["model"] == "janus"
    assert (result["seed"], result["subset"], result["repeat"]) == (3, 100.0, 1)
    assert result["weights"] == DEFAULT_WEIGHTS
    assert result["scorers"] == {name: VERSION for name in DEFAULT_WEIGHTS}
    assert result["started_at"] <= result["finished_at"]
    assert len(result["run_id"]) == 32
    assert set(result["components"]) == set(DEFAULT_WEIGHTS)
    assert result["components"]["multimodal"] is None  # no image items in this suite
    assert 0 < result["composite"] <= 100
    assert result["ci"]["low"] <= result["composite"] <= result["ci"]["high"]
    assert result["ci"]["resampled"] == "tasks"
    assert set(result["evaluator"]) == {
        "cores", "max_load_per_core", "max_loop_lag_s", "limits", "overloaded",
    }  # fmt: skip
    for task in result["tasks"]:
        assert set(task) == {
            "id", "type", "repeat", "ok", "error", "timings", "metered", "meter", "usage",
            "timeout_s", "scores", "details",
        }  # fmt: skip
        assert task["timeout_s"] == result["task_timeout_s"] == 120.0
        assert task["ok"] and task["error"] is None
        assert {"ttft_s", "total_s", "max_gap_s", "content_events"} <= set(task["timings"])
        assert task["metered"]["competitor"] == "c"
        assert task["meter"] == "verified"
        assert task["usage"] == {k: v for k, v in competitors.HONEST_USAGE.items()}
        assert task["scores"]["quality"] == 1.0
    json.dumps(result)  # plain JSON all the way down

    assert events[0] == {"event": "started", "total": 3}
    assert [e["done"] for e in events[1:-1]] == [1, 2, 3]
    assert {e["task_id"] for e in events[1:-1]} == {t["id"] for t in tasks}
    assert all(e["quality"] == 1.0 and e["error"] is None for e in events[1:-1])
    assert events[-1] == {"event": "finished", "composite": result["composite"]}


def test_subsets_are_seeded_and_keep_every_type():
    tasks = tuple(
        {"id": f"{kind}-{n}", "type": kind} for kind in ("chat", "coding") for n in range(10)
    )
    half = select_tasks(tasks, 50, seed=1)
    assert len(half) == 10
    assert sum(t["type"] == "coding" for t in half) == 5
    assert half == select_tasks(tasks, 50, seed=1)
    assert half != select_tasks(tasks, 50, seed=2)
    assert [t["id"] for t in half] == sorted(
        (t["id"] for t in half), key=[t["id"] for t in tasks].index
    )  # suite order
    tiny = select_tasks(tasks, 1, seed=0)
    assert sorted(t["type"] for t in tiny) == ["chat", "coding"]
    assert select_tasks(tasks, 100, seed=5) == list(tasks)


async def test_repeats_and_weights_are_recorded(suite, bench_gateway):
    tasks = [chat_task(n) for n in range(1, 3)]
    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    weights = {"quality": 1.0, "speed": 0.0, "cost": 0.0, "streaming": 0.0, "multimodal": 0.0}
    result = await run_benchmark(options(gateway, repeat=3, weights=weights))
    assert sorted((t["id"], t["repeat"]) for t in result["tasks"]) == [
        (task["id"], r) for task in tasks for r in range(3)
    ]
    assert result["weights"] == weights
    assert result["composite"] == 100.0  # only quality counts, and every answer is right


def tool_using_competitor():
    """Calls ``get_weather`` first, then answers with what the tool returned."""

    async def script(request, body):
        last = body["messages"][-1]
        if last["role"] == "tool":
            return await sse(
                chunk("ANSWER: "),
                chunk(last["content"]),
                chunk(choices=[], usage=competitors.HONEST_USAGE),
                DONE,
            )(request, body)
        call = {
            "index": 0,
            "id": "call_w",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
        return await sse(
            chunk(choices=[{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]),
            chunk(finish="tool_calls"),
            chunk(choices=[], usage=competitors.HONEST_USAGE),
            DONE,
        )(request, body)

    return script


async def test_the_bench_plays_the_tools_of_tool_use_tasks(suite, bench_gateway, live):
    suite([TOOL_TASK])
    result = await run_benchmark(options(bench_gateway(tool_using_competitor())))
    (task,) = result["tasks"]
    assert task["ok"], task["error"]
    assert task["timings"]["turns"] == 2
    assert task["scores"]["quality"] == 1.0
    assert task["details"]["quality"]["calls_matched"] == 1


def image_competitor(seen: list[bytes]):
    """Answers from the facts of the picture it was sent (a test double may know them)."""

    async def script(request, body):
        part = body["messages"][-1]["content"][-1]
        assert part["type"] == "image_url"
        png = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
        seen.append(png)
        for seed in range(100):
            drawn, facts = render(IMAGE_TASK["image"], item_seed(seed, IMAGE_TASK["id"]))
            if drawn == png:
                text = f"I count them.\nANSWER: {facts['count']}"
                break
        else:
            text = "ANSWER: unknown"
        return await sse(chunk(text), chunk(choices=[], usage=competitors.HONEST_USAGE), DONE)(
            request, body
        )

    return script


async def test_image_items_get_a_fresh_picture_per_seed_and_score_multimodal(suite, bench_gateway):
    suite([IMAGE_TASK, chat_task(1)])
    seen: list[bytes] = []
    gateway = bench_gateway(image_competitor(seen))
    first = await run_benchmark(options(gateway, seed=1))
    second = await run_benchmark(options(gateway, seed=2))
    assert len(seen) == 2 and seen[0] != seen[1]
    for result in (first, second):
        image = next(t for t in result["tasks"] if t["type"] == "multimodal")
        assert image["scores"]["quality"] == 1.0
        assert image["scores"]["multimodal"] == 1.0
        assert result["components"]["multimodal"] == 1.0
        chat = next(t for t in result["tasks"] if t["type"] == "chat")
        assert chat["scores"]["multimodal"] is None


async def test_a_task_that_times_out_scores_zero(suite, bench_gateway):
    suite([chat_task(1)])
    gateway = bench_gateway(competitors.stalling())
    result = await run_benchmark(options(gateway, task_timeout_s=0.5))
    (task,) = result["tasks"]
    assert not task["ok"] and task["error"] == "timed out after 0.5 s"
    assert result["composite"] == 0.0 and result["ci"] is None


async def test_cancelling_the_run_cancels_the_requests_in_flight(suite, live, bench_gateway):
    suite([chat_task(n) for n in range(1, 3)])
    competitor_double, competitor_url = live.competitor(competitors.stalling())
    gateway = live.gateway({"c": competitor_url}, default="c")
    run = asyncio.ensure_future(run_benchmark(options(gateway, concurrency=2)))
    while len(competitor_double.requests) < 2:
        assert not run.done(), run.result()
        await asyncio.sleep(0.02)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert await asyncio.to_thread(competitor_double.disconnected.wait, SAFETY_TIMEOUT_S)


async def test_a_missing_private_suite_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("JANUS_BENCH_PRIVATE", raising=False)
    with pytest.raises(RunError, match="not shipped"):
        await run_benchmark(RunOptions(target="http://127.0.0.1:9", suite="private/test"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RunError, match="refusing to run"):
        await run_benchmark(
            RunOptions(target="http://127.0.0.1:9", suite="private/test", private_path=str(empty))
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": "ftp://x"}, "target"),
        ({"subset": 0.0}, "subset"),
        ({"concurrency": 0}, "concurrency"),
        ({"weights": {"speeed": 1.0}}, "unknown component"),
        ({"weights": {"quality": 0.0}}, "positive sum"),
        ({"suite": "public/nope"}, "unknown suite"),
    ],
)
async def test_bad_options_are_refused_with_a_precise_message(change, message):
    with pytest.raises(RunError, match=message):
        await run_benchmark(RunOptions(**{"target": "http://127.0.0.1:9", **change}))


ARTIFACT_TASK = {
    "id": "t-artifact-001",
    "type": "artifact",
    "messages": [{"role": "user", "content": "Make a CSV of the moons of Jupiter and Mars."}],
    "check": {
        "kind": "artifact",
        "mime_type": "text/csv",
        "content": {"kind": "regex", "pattern": r"planet,moons\s+Jupiter,95\s+Mars,2"},
    },
    "reference": "(an artifact)",
}
CSV = b"planet,moons\nJupiter,95\nMars,2\n"


def artifact_competitor():
    """Announces a CSV artifact (as a ``data:`` URL the gateway re-hosts), then a line."""

    async def script(request, body):
        descriptor = {
            "type": "file",
            "mime_type": "text/csv",
            "display_name": "moons.csv",
            "size_bytes": len(CSV),
            "url": "data:text/csv;base64," + base64.b64encode(CSV).decode(),
        }
        event = {"event": "artifact", "payload": descriptor}
        return await sse(
            chunk(choices=[{"index": 0, "delta": {"janus": event}, "finish_reason": None}]),
            chunk("Here is the CSV."),
            chunk(choices=[], usage=competitors.HONEST_USAGE),
            DONE,
        )(request, body)

    return script


async def test_artifacts_are_downloaded_from_the_gateway_and_checked(suite, bench_gateway):
    suite([ARTIFACT_TASK])
    result = await run_benchmark(options(bench_gateway(artifact_competitor())))
    (task,) = result["tasks"]
    assert task["ok"], task["error"]
    assert task["scores"]["quality"] == 1.0
    assert task["details"]["quality"]["artifact"] == "moons.csv"


async def test_an_answer_in_one_huge_event_is_read_whole(suite, bench_gateway):
    tasks = [chat_task(1)]
    suite(tasks)
    padding = "word " * 60_000  # one SSE line of about 300 kB
    script = competitors.one_chunk(lambda body: padding + "\nANSWER: 4")
    result = await run_benchmark(options(bench_gateway(script)))
    (task,) = result["tasks"]
    assert task["ok"], task["error"]
    assert task["scores"]["quality"] == 1.0
    assert task["timings"]["text_tokens"] > 60_000
    # One word said 60 000 times is a few substantive words, not a paragraph.
    assert task["timings"]["substantive_events"] == 1
    assert task["timings"]["substantive_tokens"] < 10
