"""The champion is re-evaluated on the challenger's tasks: when a challenger's full run
ends, the gateway runs the champion on the same suite and seed by itself, and the crown
is decided on that pair."""

from __future__ import annotations

import asyncio

from aiohttp import web

from tests.bench.competitors import pieces
from tests.bench.suite_builder import chat_task, write_suite
from tests.competition.conftest import call
from tests.competition.test_evaluations import SUITE, events_of, start
from tests.scripted_competitor import DONE, chunk, sse

TASKS = [chat_task(n) for n in range(1, 5)]
USAGE = {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}


def answering(right: bool):
    """Test double: the reference answers (right) or a wrong one, streamed word by word."""
    by_question = {task["messages"][-1]["content"]: task["reference"] for task in TASKS}

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        question = body["messages"][-1]["content"]
        text = by_question[question] if right else "I am not sure.\nANSWER: 5"
        steps: list[bytes | float] = [chunk(role="assistant")]
        steps += [chunk(piece) for piece in pieces(text)]
        steps += [chunk(finish="stop"), chunk(choices=[], usage=USAGE), DONE]
        return await sse(*steps)(request, body)

    return script


async def evaluations_of(gateway, competitor_id: str) -> list[dict]:
    _, listed = await call(gateway, "GET", f"/v1/evaluations?competitor_id={competitor_id}")
    return listed["data"]


async def test_a_challengers_run_makes_the_champion_run_the_same_tasks(
    live, competition_gateway, tmp_path, monkeypatch
):
    monkeypatch.setenv("JANUS_BENCH_PRIVATE", str(write_suite(tmp_path / "suite", TASKS)))
    _, weak = live.competitor(answering(right=False))
    strong_script, strong = live.competitor(answering(right=True))
    # URL competitors are listed apart unless the operator ranks them.
    gateway = competition_gateway(
        {"weak": weak, "strong": strong}, suite=SUITE, competition={"rank_external": True}
    )

    first = await start(gateway, "weak", seed=0)
    assert (await events_of(gateway, first["id"]))[-1] == "[DONE]"
    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert board["data"][0]["competitor_id"] == "weak" and board["data"][0]["champion"]

    challenge = await start(gateway, "strong", seed=5)
    assert (await events_of(gateway, challenge["id"]))[-1] == "[DONE]"
    # The gateway starts the champion's run of seed 5 by itself; wait for it to end.
    paired = None
    for _ in range(600):
        runs = [e for e in await evaluations_of(gateway, "weak") if e["seed"] == 5]
        if runs and runs[0]["status"] == "finished":
            paired = runs[0]
            break
        await asyncio.sleep(0.1)
    assert paired is not None, "the champion was not re-evaluated on the challenger's tasks"
    _, challenged = await call(gateway, "GET", f"/v1/evaluations/{challenge['id']}")
    assert paired["suite"] == challenged["suite"]  # the same items, hash and all

    _, board = await call(gateway, "GET", "/v1/leaderboard")
    assert [row["competitor_id"] for row in board["data"]] == ["strong", "weak"]
    assert board["data"][0]["champion"]
    assert [s["competitor_id"] for s in board["champion_history"]] == ["weak", "strong"]
    challenge_row = board["data"][1]["challenge"]
    assert challenge_row["paired_evaluation_id"] is not None  # weak, now challenging
    # The champion ran nothing extra: only its own run.
    assert len(strong_script.requests) == len(TASKS)
