"""The secret task seed of a generated run: kept in the evaluation record (server-side)
so the champion's paired re-run draws the very same generated items, shown to admins
only once the run has ended, and never in a result, a listing or an event (those carry
only its hash)."""

from __future__ import annotations

import asyncio
import json

from janus_bench.generated import seed_digest

from tests.bench.competitors import stalling
from tests.bench.generated_solver import streamed
from tests.competition.conftest import ADMIN_KEY, call
from tests.competition.test_evaluations import events_of
from tests.competition.test_generated_audits import (  # noqa: F401 (autouse fixture)
    DEADLINE_S,
    SUITE,
    URLS_RANKED,
    _generated_test_suite,
    _solved,
    evaluate,
    paired_run_ended,
)


async def test_the_champion_is_re_run_on_the_challengers_generated_items(live, competition_gateway):
    _, first_url = live.competitor(streamed(lambda request, body: _solved(body)))
    _, second_url = live.competitor(streamed(lambda request, body: _solved(body)))
    gateway = competition_gateway(
        {"first": first_url, "second": second_url}, suite=SUITE, competition=URLS_RANKED
    )
    crowned = await evaluate(gateway, "first")
    challenge = await evaluate(gateway, "second")
    await paired_run_ended(gateway, "first", challenge["seed"])

    # Admins see the secret seed once the run has ended; the result holds only its hash.
    seed = challenge["task_seed"]
    assert isinstance(seed, str) and len(seed) >= 32
    assert seed != crowned["task_seed"]  # every evaluation draws its own
    assert challenge["result"]["generation"]["seed_sha256"] == seed_digest(seed)
    assert seed not in json.dumps(challenge["result"])

    _, listed = await call(gateway, "GET", "/v1/evaluations?competitor_id=first", key=ADMIN_KEY)
    (rerun,) = [e for e in listed["data"] if e["seed"] == challenge["seed"]]
    _, rerun = await call(gateway, "GET", f"/v1/evaluations/{rerun['id']}", key=ADMIN_KEY)
    assert rerun["task_seed"] == seed
    assert rerun["result"]["generation"] == challenge["result"]["generation"]  # same items
    assert [t["id"] for t in rerun["result"]["tasks"]] == [
        t["id"] for t in challenge["result"]["tasks"]
    ]

    # The crown's test was paired with that re-run.
    _, board = await call(gateway, "GET", "/v1/leaderboard")
    row = next(r for r in board["data"] if r["competitor_id"] == "second")
    assert row["challenge"]["paired_evaluation_id"] == rerun["id"]
    assert not row["challenge"]["pending"]
    assert row["challenge"]["tasks"] == len(challenge["result"]["tasks"])

    # Nobody else ever gets the seed: not the public, not a listing, not an event stream.
    _, public = await call(gateway, "GET", f"/v1/evaluations/{challenge['id']}")
    assert "task_seed" not in public and "result" not in public
    for key in (None, ADMIN_KEY):
        _, listing = await call(gateway, "GET", "/v1/evaluations", key=key)
        assert seed not in json.dumps(listing)
    for key in (None, ADMIN_KEY):
        assert seed not in json.dumps(await events_of(gateway, challenge["id"], key=key))
    assert seed not in json.dumps(board)


async def test_a_run_under_way_does_not_show_its_seed_even_to_admins(live, competition_gateway):
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url}, suite=SUITE, competition=URLS_RANKED)
    status, started = await call(
        gateway, "POST", "/v1/evaluations", key=ADMIN_KEY, json={"competitor_id": "stuck"}
    )
    assert status == 202 and "task_seed" not in started
    _, running = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    assert running["status"] == "running" and "task_seed" not in running
    await call(gateway, "DELETE", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    async with asyncio.timeout(DEADLINE_S):
        await events_of(gateway, started["id"])
    _, ended = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    assert ended["status"] == "cancelled" and len(ended["task_seed"]) >= 32
