"""The leaderboard over stored evaluations: latest full runs on the pinned suite version,
the margin rule for first place, and which rows are ranked at all."""

from __future__ import annotations

import itertools
import random
import zlib

import pytest

from janus.gateway.competition.leaderboard import BoardRules, Entrant, build_leaderboard
from janus.store import EvaluationRecord, Store
from tests.competition.conftest import ADMIN_KEY, assert_openai_error, call
from tests.competition.results import TRUSTING, bench_result, signed

SUITE = "public/dev"
WEIGHTS = {"quality": 45.0, "speed": 20.0, "cost": 15.0, "streaming": 10.0, "multimodal": 10.0}
DAY = 86400.0
_ids = itertools.count()


TASKS = 20


def tasks(composite: float, noise: int, spread: float = 10.0) -> list[dict]:
    """Per-task records whose task composites average ``composite``: each task's scores
    all equal its value, which scatters around the mean (``noise`` seeds the scatter, so
    two competitors' differences are noisy unless they share it)."""
    rng = random.Random(f"leaderboard-tasks:{noise}")
    offsets = [rng.gauss(0, 1) for _ in range(TASKS)]
    mean = sum(offsets) / TASKS
    spread = min(spread, (100 - composite) / 3, composite / 3)
    values = [(composite + spread * (o - mean)) / 100 for o in offsets]
    return [
        {
            "id": f"task-{n}",
            "repeat": 0,
            "scores": {**dict.fromkeys(WEIGHTS, value), "multimodal": None},
        }
        for n, value in enumerate(values)
    ]


def result(
    composite: float,
    ci: tuple[float, float] | None,
    version: str = "1",
    weights: dict[str, float] = WEIGHTS,
    task_records: list[dict] | None = None,
) -> dict:
    return {
        "suite": {"id": SUITE, "version": version, "hash": f"sha256:v{version}"},
        "tasks": task_records if task_records is not None else [],
        "composite": composite,
        "ci": {"low": ci[0], "high": ci[1], "level": 0.95} if ci else None,
        "components": {
            "quality": composite / 100,
            "speed": 0.5,
            "cost": 0.5,
            "streaming": 0.5,
            "multimodal": 0.0,
        },
        "weights": weights,
    }


async def evaluated(
    store: Store,
    competitor_id: str,
    composite: float,
    ci: tuple[float, float] | None,
    *,
    at: float,
    version: str = "1",
    subset: float = 100.0,
    weights: dict[str, float] = WEIGHTS,
    signed_by: str | None = "lab",
    source: str = "submitted",
    artifact: str | None = None,
    seed: int = 0,
    noise: int | None = None,
    task_records: list[dict] | None = None,
) -> str:
    """A finished run; its tasks scatter around ``composite`` (``noise`` defaults to one
    stream per competitor), or are ``task_records``."""
    evaluation_id = f"ev-{next(_ids)}"
    if task_records is None:
        task_records = tasks(
            composite, noise if noise is not None else zlib.crc32(competitor_id.encode())
        )
    await store.add_evaluation(
        EvaluationRecord(
            id=evaluation_id,
            competitor_id=competitor_id,
            status="running",
            suite_id=SUITE,
            subset=subset,
            repeat=1,
            seed=seed,
            created_at=at,
            source=source,
            signed_by=signed_by,
            artifact=artifact,
        )
    )
    await store.finish_evaluation(
        evaluation_id,
        status="finished",
        finished_at=at,
        result=result(composite, ci, version, weights, task_records),
    )
    return evaluation_id


ENTRANTS = {
    "alpha": Entrant("Alpha", submitted_at=100.0),
    "beta": Entrant("Beta", submitted_at=200.0),
    "gamma": Entrant("Gamma", submitted_at=300.0),
}


RULES = BoardRules(
    SUITE, "1", "sha256:v1", WEIGHTS, allow_public_suite=True, trusted_signers=frozenset({"lab"})
)


async def board(
    store: Store, now: float = 1000.0, entrants=ENTRANTS, rules: BoardRules = RULES
) -> dict:
    return await build_leaderboard(store, rules, entrants, now=now)


def order(leaderboard: dict) -> list[str]:
    return [row["competitor_id"] for row in leaderboard["data"]]


async def test_a_challenger_inside_the_interval_stays_second(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    assert order(await board(store)) == ["alpha"]
    await evaluated(store, "beta", 72.0, (66.0, 78.0), at=20)  # better, but within the noise
    leaderboard = await board(store)
    assert order(leaderboard) == ["alpha", "beta"]
    assert [row["champion"] for row in leaderboard["data"]] == [True, False]
    assert [row["rank"] for row in leaderboard["data"]] == [1, 2]


async def test_a_clear_winner_takes_first_place_and_the_history_records_it(store):
    first = await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    await board(store, now=500.0)
    second = await evaluated(store, "beta", 80.0, (74.0, 86.0), at=20)
    leaderboard = await board(store, now=900.0)
    assert order(leaderboard) == ["beta", "alpha"]
    assert leaderboard["champion_history"] == [
        {"competitor_id": "alpha", "since": 500.0, "until": 900.0, "evaluation_id": first},
        {"competitor_id": "beta", "since": 900.0, "until": None, "evaluation_id": second},
    ]
    assert (await store.champion_history())[-1].competitor_id == "beta"


async def test_a_challenger_without_per_task_results_cannot_take_first(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    await board(store)
    await evaluated(store, "beta", 72.0, (66.0, 78.0), at=20)
    # No tasks: nothing to pair with the champion's, so nothing to prove it.
    await evaluated(store, "gamma", 90.0, None, at=30, task_records=[])
    leaderboard = await board(store)
    assert order(leaderboard) == ["alpha", "gamma", "beta"]
    challenges = {row["competitor_id"]: row["challenge"] for row in leaderboard["data"]}
    assert challenges["alpha"] is None
    assert challenges["gamma"]["tasks"] == 0 and not challenges["gamma"]["crowned"]
    assert challenges["beta"]["tasks"] == TASKS and challenges["beta"]["p_value"] > 0.05


async def test_a_tie_keeps_the_earlier_submission(store):
    await evaluated(store, "beta", 70.0, (60.0, 80.0), at=10)
    await evaluated(store, "alpha", 70.0, (60.0, 80.0), at=20)
    assert order(await board(store)) == ["alpha", "beta"]  # alpha was submitted first


async def test_the_latest_evaluation_counts_not_the_best(store):
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=10)
    latest = await evaluated(store, "alpha", 60.0, (55.0, 65.0), at=20)
    row = (await board(store))["data"][0]
    assert (row["composite"], row["evaluation_id"]) == (60.0, latest)
    assert row["ci"] == {"low": 55.0, "high": 65.0}
    assert row["evaluated_at"] == 20.0 and row["submitted_at"] == 100.0


async def test_subset_runs_are_ignored(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    await evaluated(store, "alpha", 99.0, (98.0, 100.0), at=20, subset=50.0)
    await evaluated(store, "beta", 99.0, (98.0, 100.0), at=30, subset=99.9)
    leaderboard = await board(store)
    assert order(leaderboard) == ["alpha"]
    assert leaderboard["data"][0]["composite"] == 70.0


async def test_runs_weighted_differently_are_ignored(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    all_quality = {"quality": 100.0}  # a composite that is not comparable with the rest
    await evaluated(store, "beta", 95.0, (94.0, 96.0), at=20, weights=all_quality)
    assert order(await board(store)) == ["alpha"]


async def test_only_the_pinned_suite_version_counts(store):
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=10, version="1")
    await evaluated(store, "beta", 60.0, (55.0, 65.0), at=20, version="2")
    leaderboard = await board(store)
    assert leaderboard["suite"] == {
        "id": SUITE,
        "version": "1",
        "hash": "sha256:v1",
        "kind": "public",
    }
    assert order(leaderboard) == ["alpha"]


async def test_a_stray_result_of_another_suite_version_does_not_empty_the_board(store):
    """Before pinning, the newest evaluation chose the version: one import with another
    hash dropped every other row and dethroned the champion."""
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=10)
    await evaluated(store, "beta", 80.0, (75.0, 85.0), at=20)
    await board(store, now=100.0)
    await evaluated(store, "gamma", 10.0, (5.0, 15.0), at=30, version="stray", signed_by=None)
    leaderboard = await board(store, now=200.0)
    assert order(leaderboard) == ["alpha", "beta"]
    assert leaderboard["data"][0]["champion"]
    assert [s["competitor_id"] for s in leaderboard["champion_history"]] == ["alpha"]


async def test_a_champion_that_leaves_the_board_hands_first_place_on(store):
    await evaluated(store, "alpha", 90.0, (85.0, 95.0), at=10)
    await evaluated(store, "beta", 60.0, (55.0, 65.0), at=20)
    await board(store, now=100.0)
    without_alpha = {k: v for k, v in ENTRANTS.items() if k != "alpha"}
    leaderboard = await board(store, now=200.0, entrants=without_alpha)
    assert order(leaderboard) == ["beta"] and leaderboard["data"][0]["champion"]
    spells = [(s["competitor_id"], s["until"]) for s in leaderboard["champion_history"]]
    assert spells == [("alpha", 200.0), ("beta", None)]


async def test_days_at_first_add_up_every_spell(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    await board(store, now=0.0)
    await evaluated(store, "beta", 90.0, (85.0, 95.0), at=20)
    await board(store, now=2 * DAY)
    await evaluated(store, "alpha", 99.0, (98.0, 100.0), at=30)
    leaderboard = await board(store, now=3.5 * DAY)
    days = {row["competitor_id"]: row["days_at_first"] for row in leaderboard["data"]}
    assert days == {"alpha": 2.0, "beta": 1.5}


async def test_only_known_competitors_are_on_the_board(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    await evaluated(store, "withdrawn", 99.0, (98.0, 100.0), at=20)
    assert order(await board(store)) == ["alpha"]


async def test_rows_have_the_documented_shape(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10)
    leaderboard = await board(store)
    assert set(leaderboard) == {
        "object",
        "suite",
        "weights",
        "data",
        "champion_history",
        "suspended",
    }
    assert set(leaderboard["data"][0]) == {
        "ranked",
        "unranked_reason",
        "imported",
        "signed_by",
        "suite_kind",
        "external",
        "artifact",
        "audit",
        "rank",
        "competitor_id",
        "name",
        "composite",
        "ci",
        "components",
        "evaluated_at",
        "submitted_at",
        "days_at_first",
        "champion",
        "evaluation_id",
        "challenge",
    }
    assert set(leaderboard["data"][0]["components"]) == set(WEIGHTS)


async def test_importing_a_bench_result_puts_it_on_the_leaderboard(live, competition_gateway):
    _, url = live.competitor(lambda request, body: None)
    gateway = competition_gateway({"baseline": url}, suite=SUITE, competition=TRUSTING)
    posted = signed({"competitor_id": "baseline", **bench_result(64.0, seed=3), "run_id": "r1"})
    for key in (None, "jadm-wrong"):
        status, body = await call(gateway, "POST", "/v1/evaluations/results", key=key, json=posted)
        assert status == 401
    status, body = await call(
        gateway, "POST", "/v1/evaluations/results", key=ADMIN_KEY, json=posted
    )
    assert status == 201, body
    assert (body["status"], body["source"], body["seed"]) == ("finished", "submitted", 3)
    status, evaluation = await call(gateway, "GET", f"/v1/evaluations/{body['id']}", key=ADMIN_KEY)
    assert evaluation["result"]["tasks"] == posted["tasks"]
    _, leaderboard = await call(gateway, "GET", "/v1/leaderboard")
    assert order(leaderboard) == ["baseline"]
    row = leaderboard["data"][0]
    assert row["name"] == "baseline"
    assert row["submitted_at"] is None  # configured, not submitted
    assert (row["imported"], row["signed_by"], row["ranked"]) == (True, "test-lab", True)
    assert leaderboard["weights"] == WEIGHTS
    _, history = await call(gateway, "GET", "/v1/leaderboard/history")
    assert [spell["competitor_id"] for spell in history["data"]] == ["baseline"]
    _, listed = await call(gateway, "GET", "/v1/evaluations?competitor_id=baseline")
    assert [e["id"] for e in listed["data"]] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"competitor_id": "nobody"}, 404, "competitor_not_found"),
        ({"composite": 140.0}, 400, "invalid_value"),
        ({"suite": None}, 400, "invalid_value"),
        ({"weights": None}, 400, "invalid_value"),
        ({"tasks": []}, 400, "invalid_value"),
    ],
)
async def test_a_bad_result_is_refused(live, competition_gateway, change, status, code):
    _, url = live.competitor(lambda request, body: None)
    gateway = competition_gateway({"baseline": url})
    posted = {"competitor_id": "baseline", **bench_result(64.0), **change}
    reply_status, body = await call(
        gateway, "POST", "/v1/evaluations/results", key=ADMIN_KEY, json=posted
    )
    assert reply_status == status
    assert_openai_error(body, code)
