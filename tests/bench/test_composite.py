"""Components, the weighted composite and the seeded bootstrap interval."""

from __future__ import annotations

import pytest
from janus_bench.composite import (
    aggregate,
    bootstrap_ci,
    components,
    composite,
    delta_ci,
)

from janus.config import DEFAULT_WEIGHTS

NAMES = list(DEFAULT_WEIGHTS)


def unit(quality, speed=None, cost=None, streaming=None, multimodal=None) -> dict:
    speed = quality if speed is None else speed
    cost = quality if cost is None else cost
    streaming = quality if streaming is None else streaming
    return {
        "quality": quality,
        "speed": speed,
        "cost": cost,
        "streaming": streaming,
        "multimodal": multimodal,
    }


def test_a_component_is_the_mean_over_the_units_it_applies_to():
    units = [unit(1.0, multimodal=0.5), unit(0.0), unit(0.5, multimodal=1.0)]
    values = components(units, NAMES)
    assert values["quality"] == pytest.approx(0.5)
    assert values["multimodal"] == pytest.approx(0.75)  # two image items, not three


def test_the_composite_is_the_weighted_mean_times_100():
    values = {"quality": 1.0, "speed": 0.5, "cost": 0.0, "streaming": 1.0, "multimodal": 0.0}
    assert composite(values, DEFAULT_WEIGHTS) == pytest.approx(45 + 10 + 0 + 10 + 0)
    doubled = {name: 2 * weight for name, weight in DEFAULT_WEIGHTS.items()}
    assert composite(values, doubled) == pytest.approx(65)


def test_a_component_no_task_exercised_is_left_out_and_the_rest_keep_their_ratios():
    values = {"quality": 1.0, "speed": 0.0, "cost": 0.0, "streaming": 0.0, "multimodal": None}
    assert composite(values, DEFAULT_WEIGHTS) == pytest.approx(100 * 45 / 90)


def test_all_failures_give_zero_and_zero_weights_count_nothing():
    assert composite(components([unit(0.0)] * 3, NAMES), DEFAULT_WEIGHTS) == 0.0
    only_quality = {name: 0.0 for name in NAMES} | {"quality": 1.0}
    values = {"quality": 0.25, "speed": 1.0, "cost": 1.0, "streaming": 1.0, "multimodal": 1.0}
    assert composite(values, only_quality) == pytest.approx(25)


def test_the_bootstrap_interval_is_seeded_and_contains_the_estimate():
    units = [unit((v * 37 % 101) / 101) for v in range(30)]
    point = composite(components(units, NAMES), DEFAULT_WEIGHTS)
    first = bootstrap_ci(units, DEFAULT_WEIGHTS, seed=1)
    assert first == bootstrap_ci(units, DEFAULT_WEIGHTS, seed=1)
    assert first != bootstrap_ci(units, DEFAULT_WEIGHTS, seed=2)
    assert first["low"] < point < first["high"]
    assert first["level"] == 0.95 and first["method"] == "bootstrap"
    assert first["samples"] == 1000


def test_more_units_give_a_narrower_interval():
    few = bootstrap_ci([unit(v % 2) for v in range(8)], DEFAULT_WEIGHTS, seed=0)
    many = bootstrap_ci([unit(v % 2) for v in range(200)], DEFAULT_WEIGHTS, seed=0)
    assert many["high"] - many["low"] < few["high"] - few["low"]


def test_no_interval_below_two_units():
    assert bootstrap_ci([unit(1.0)], DEFAULT_WEIGHTS, seed=0) is None
    assert bootstrap_ci([], DEFAULT_WEIGHTS, seed=0) is None


def test_identical_units_give_a_point_interval():
    ci = bootstrap_ci([unit(0.5)] * 5, DEFAULT_WEIGHTS, seed=0)
    assert ci["low"] == ci["high"] == pytest.approx(50.0)


def test_paired_deltas_see_a_small_consistent_improvement_that_unpaired_ones_miss():
    before = [unit(v / 20) for v in range(20)]
    after = [unit(v / 20 + 0.02) for v in range(20)]

    def quality(units):
        return components(units, ["quality"])["quality"]

    paired = delta_ci(before, after, quality, seed=0, paired=True)
    unpaired = delta_ci(before, after, quality, seed=0, paired=False)
    assert paired[0] == pytest.approx(0.02) and paired[1] == pytest.approx(0.02)
    assert unpaired[0] < 0 < unpaired[1]


def test_repeats_of_a_deterministic_competitor_do_not_narrow_the_interval():
    # The same answers sent five times are five copies of each task, not five tasks.
    tasks = [unit((v * 37 % 101) / 101, speed=(v % 7) / 7) for v in range(30)]
    once = bootstrap_ci(tasks, DEFAULT_WEIGHTS, seed=3, clusters=list(range(30)))
    five = [task for _ in range(5) for task in tasks]
    five_times = bootstrap_ci(five, DEFAULT_WEIGHTS, seed=3, clusters=list(range(30)) * 5)
    assert five_times == once
    assert once["high"] - once["low"] > 5


async def test_a_run_with_repeat_5_reports_the_interval_of_repeat_1(monkeypatch):
    """Through the runner's own aggregation: the result of a deterministic competitor
    run with ``repeat: 5`` has the interval its ``repeat: 1`` run has."""
    from janus_bench import runner

    scores = [unit((v * 37 % 101) / 101) for v in range(12)]

    def records(repeat: int) -> list[dict]:
        return [
            {"id": f"t-{n}", "repeat": r, "scores": dict(scores[n])}
            for r in range(repeat)
            for n in range(len(scores))
        ]

    suite = type(  # test double: what ``_result`` reads of a Suite
        "S",
        (),
        {
            "identity": lambda self: {"id": "s", "version": "1", "hash": "h"},
            "kind": "public",
            "generation": None,
        },
    )()
    versions = {name: type("V", (), {"version": "t"})() for name in DEFAULT_WEIGHTS}
    results = {}
    for repeat in (1, 5):
        options = runner.RunOptions(target="http://127.0.0.1:1", repeat=repeat)
        results[repeat] = runner._result(
            options, suite, dict(DEFAULT_WEIGHTS), versions, records(repeat), 0.0
        )
    assert results[5]["composite"] == results[1]["composite"]
    assert results[5]["ci"] == results[1]["ci"]


def test_compare_resamples_tasks_too():
    before = [unit((v * 37 % 101) / 101) for v in range(20)]
    after = [unit(min(1.0, (v * 37 % 101) / 101 + 0.05 * (v % 3))) for v in range(20)]

    def quality(units):
        return components(units, ["quality"])["quality"]

    ids = list(range(20))
    once = delta_ci(before, after, quality, seed=0, paired=True, clusters=(ids, ids))
    five = delta_ci(
        before * 5, after * 5, quality, seed=0, paired=True, clusters=(ids * 5, ids * 5)
    )
    assert five == pytest.approx(once)
    assert once[0] < once[1]


def test_aggregate_resamples_tasks_so_imports_match_the_bench():
    """``aggregate`` (what the gateway recomputes an import with) clusters repeats like a
    run does: five identical repeats of each task give the interval of one."""
    once = [{"id": f"t{n}", "repeat": 0, "scores": unit((n * 37 % 101) / 101)} for n in range(20)]
    five = [{**record, "repeat": r} for record in once for r in range(5)]
    assert aggregate(five, DEFAULT_WEIGHTS, 3)["ci"] == aggregate(once, DEFAULT_WEIGHTS, 3)["ci"]
    units = [record["scores"] for record in five]
    clustered = bootstrap_ci(units, DEFAULT_WEIGHTS, 3, clusters=[r["id"] for r in five])
    assert aggregate(five, DEFAULT_WEIGHTS, 3)["ci"] == clustered
    # Treated as independent units, the same answers would narrow the interval.
    naive = bootstrap_ci(units, DEFAULT_WEIGHTS, 3)
    assert naive["high"] - naive["low"] < clustered["high"] - clustered["low"]
