"""The crown rule: a paired test over the same tasks with the level spent over attempts.

Simulations are seeded (deterministic) and take well under a second: equal competitors
re-evaluated again and again rarely take the crown, a better one takes it, and a champion
whose headline score came from a run it could replay (99.998 on the public seed) is
dethroned by a challenger that beats it on the challenger's tasks.
"""

from __future__ import annotations

import math
import random

import pytest

from janus.stats import attempt_alpha, crown_test, student_t_sf, task_composites
from tests.competition.test_leaderboard import board, evaluated, order, tasks

ALPHA = 0.05
REIGNS = 300
ATTEMPTS = 20
TASKS_PER_RUN = 40


def run_of(rng: random.Random, difficulty: list[float], skill: float) -> dict[str, float]:
    """One evaluation's per-task composites: the task's own difficulty (shared by everyone
    on those tasks), the competitor's skill and its luck on the day."""
    return {
        f"t{n}": min(100.0, max(0.0, skill + d + rng.gauss(0, 12)))
        for n, d in enumerate(difficulty)
    }


def simulate(challenger_skill: float, champion_skill: float = 60.0, seed: int = 0) -> list[int]:
    """For each reign: the attempt at which the challenger was crowned (0: never), each
    attempt a fresh draw of tasks that champion and challenger both run."""
    rng = random.Random(f"crown-simulation:{seed}")
    crowned_at = []
    for _ in range(REIGNS):
        when = 0
        for attempt in range(1, ATTEMPTS + 1):
            difficulty = [rng.gauss(0, 20) for _ in range(TASKS_PER_RUN)]
            challenger = run_of(rng, difficulty, challenger_skill)
            champion = run_of(rng, difficulty, champion_skill)
            if crown_test(challenger, champion, ALPHA, attempt).crowned:
                when = attempt
                break
        crowned_at.append(when)
    return crowned_at


def test_an_equal_challenger_retrying_twenty_times_rarely_takes_the_crown():
    crowned = sum(1 for when in simulate(60.0) if when)
    # The union bound gives at most ALPHA; the tolerance covers the simulation's own noise
    # (400 reigns: one standard error is about 1.1 points).
    assert crowned / REIGNS <= ALPHA + 0.02, crowned
    # What the rule replaces: held to ALPHA at every attempt, retrying would pay.
    rng = random.Random("crown-simulation:naive")
    naive = 0
    for _ in range(REIGNS):
        for _ in range(ATTEMPTS):
            difficulty = [rng.gauss(0, 20) for _ in range(TASKS_PER_RUN)]
            a, b = run_of(rng, difficulty, 60.0), run_of(rng, difficulty, 60.0)
            if crown_test(a, b, ALPHA * math.pi**2 / 6, 1).crowned:  # level ALPHA
                naive += 1
                break
    assert naive / REIGNS > 0.4


def test_a_better_challenger_takes_the_crown_within_a_few_attempts():
    crowned_at = simulate(70.0)
    assert sum(1 for when in crowned_at if 0 < when <= 3) / REIGNS > 0.9


def test_the_levels_spent_over_every_attempt_add_up_to_alpha():
    assert sum(attempt_alpha(ALPHA, k) for k in range(1, 100_000)) == pytest.approx(ALPHA, 1e-4)
    assert attempt_alpha(ALPHA, 2) == attempt_alpha(ALPHA, 1) / 4


def test_student_t_tail_matches_tables():
    assert student_t_sf(2.228, 10) == pytest.approx(0.025, abs=2e-4)
    assert student_t_sf(1.671, 60) == pytest.approx(0.05, abs=2e-4)
    assert student_t_sf(0.0, 7) == 0.5
    assert student_t_sf(-1.0, 5) == pytest.approx(1 - student_t_sf(1.0, 5))


def test_repeats_of_a_task_are_one_observation():
    once = [{"id": "a", "scores": {"quality": 1.0}}, {"id": "b", "scores": {"quality": 0.0}}]
    five = [dict(record, repeat=r) for r in range(5) for record in once]
    assert task_composites(five, {"quality": 1.0}) == task_composites(once, {"quality": 1.0})
    assert len(task_composites(five, {"quality": 1.0})) == 2


async def test_a_permanent_champion_at_99_998_is_dethroned_by_a_better_challenger(store):
    # The champion's headline run is the public seed it can replay from an answer key.
    key = [
        {**record, "scores": {**record["scores"], "speed": 0.9999}} for record in tasks(99.998, 1)
    ]
    await evaluated(store, "alpha", 99.998, (99.99, 100.0), at=10, seed=0, task_records=key)
    assert order(await board(store, now=50.0)) == ["alpha"]
    # A challenger on fresh tasks (seed 7); the champion re-evaluated on the same tasks
    # scores what it really can there...
    await evaluated(store, "beta", 78.0, (72.0, 84.0), at=20, seed=7, noise=2)
    await evaluated(store, "alpha", 31.0, (25.0, 37.0), at=30, seed=7, noise=3)
    # ...and replays its public run again, so its latest headline is 99.998 once more.
    await evaluated(store, "alpha", 99.998, (99.99, 100.0), at=40, seed=0, task_records=key)
    leaderboard = await board(store, now=100.0)
    assert order(leaderboard) == ["beta", "alpha"]
    assert leaderboard["data"][0]["champion"]
    history = [(s["competitor_id"], s["until"]) for s in leaderboard["champion_history"]]
    assert history == [("alpha", 100.0), ("beta", None)]


async def test_without_the_champion_on_the_same_tasks_the_challenger_waits(store):
    await evaluated(store, "alpha", 60.0, (55.0, 65.0), at=10, seed=0)
    await board(store, now=50.0)
    await evaluated(store, "beta", 90.0, (86.0, 94.0), at=20, seed=5)
    leaderboard = await board(store, now=60.0)
    assert order(leaderboard) == ["alpha", "beta"]
    challenge = leaderboard["data"][1]["challenge"]
    assert challenge["pending"] and challenge["paired_evaluation_id"] is None
    # Once the champion has run the challenger's tasks, the test is made.
    paired = await evaluated(store, "alpha", 61.0, (56.0, 66.0), at=30, seed=5)
    leaderboard = await board(store, now=70.0)
    assert order(leaderboard) == ["beta", "alpha"]
    assert leaderboard["champion_history"][-1]["competitor_id"] == "beta"
    assert leaderboard["data"][1]["challenge"]["paired_evaluation_id"] is not None
    assert paired


async def test_every_re_evaluation_is_a_new_attempt_held_to_a_stricter_level(store):
    await evaluated(store, "alpha", 70.0, (65.0, 75.0), at=10, noise=1)
    await board(store, now=15.0)
    levels = []
    for attempt in range(1, 4):
        await evaluated(store, "beta", 70.0, (65.0, 75.0), at=20 + attempt, noise=10 + attempt)
        row = (await board(store, now=30.0 + attempt))["data"][1]
        assert row["competitor_id"] == "beta" and row["challenge"]["attempt"] == attempt
        levels.append(row["challenge"]["alpha"])
    assert levels == [attempt_alpha(ALPHA, k) for k in (1, 2, 3)]
