"""What an evaluation records about its conditions: the per-task timeout comes from
``[competition] task_timeout_s`` and is in the result, and the evaluator's load is
measured and a run on an overloaded evaluator is flagged."""

from __future__ import annotations

import pytest
from janus_bench.load import LoadWatch

from janus.config import ConfigError, parse_config
from tests.bench.competitors import stalling
from tests.competition.conftest import ADMIN_KEY, call
from tests.competition.test_evaluations import SUITE, events_of, start, tiny_suite  # noqa: F401


async def test_the_task_timeout_comes_from_the_config_and_is_recorded(
    live,
    competition_gateway,
    tiny_suite,  # noqa: F811
):
    _, url = live.competitor(stalling())
    gateway = competition_gateway({"stuck": url}, suite=SUITE, competition={"task_timeout_s": 1.5})
    started = await start(gateway, "stuck")
    assert (await events_of(gateway, started["id"]))[-1] == "[DONE]"
    # Per-task results are for admins (and the owner) only.
    _, evaluation = await call(gateway, "GET", f"/v1/evaluations/{started['id']}", key=ADMIN_KEY)
    result = evaluation["result"]
    assert result["task_timeout_s"] == 1.5
    for task in result["tasks"]:
        assert task["timeout_s"] == 1.5
        assert task["error"] == "timed out after 1.5 s"
    assert set(result["evaluator"]) >= {"max_load_per_core", "max_loop_lag_s", "overloaded"}


def test_the_new_competition_keys_are_validated():
    for bad in ({"task_timeout_s": 0}, {"crown_alpha": 0.7}, {"overload_load_per_core": -1}):
        with pytest.raises(ConfigError):
            parse_config({"competition": bad}, "t")
    config = parse_config({"competition": {"crown_alpha": 0.01}}, "t")
    assert config.competition.crown_alpha == 0.01
    assert config.competition.task_timeout_s == 120.0


async def test_a_run_on_an_overloaded_evaluator_is_flagged():
    loads = iter([0.4, 0.9, 6.5, 0.3])
    busy = LoadWatch(load=lambda: next(loads, 0.3))
    async with busy.watching():
        for lag in (0.0, 0.01, 0.02):
            busy.sample(lag)
    report = busy.report(load_per_core_limit=2.0, loop_lag_limit_s=0.5)
    assert report["overloaded"] and report["max_load_per_core"] == 6.5
    calm = LoadWatch(load=lambda: 0.5)
    calm.sample(0.01)
    assert not calm.report(load_per_core_limit=2.0, loop_lag_limit_s=0.5)["overloaded"]
    lagging = LoadWatch(load=lambda: None)  # no load average on this OS: lag still counts
    lagging.sample(1.2)
    report = lagging.report(load_per_core_limit=2.0, loop_lag_limit_s=0.5)
    assert report["overloaded"] and report["max_load_per_core"] is None


def test_the_summary_warns_about_an_overloaded_evaluator():
    from janus_bench.report import summary

    result = {
        "suite": {"id": "s", "version": "1", "hash": "sha256:" + "0" * 64},
        "seed": 0,
        "weights": {"quality": 1.0},
        "components": {"quality": 1.0},
        "composite": 100.0,
        "ci": None,
        "tasks": [],
    }
    assert "overloaded" not in summary(result)
    result["evaluator"] = {"overloaded": True, "max_load_per_core": 6.5, "max_loop_lag_s": 0.1}
    assert "evaluator was overloaded" in summary(result)
