"""A whole generated run through a real gateway and sandbox: the public answer key is
worth nothing there, an honest solver that computes is worth a lot."""

from __future__ import annotations

import json

import pytest
from janus_bench.generated import seed_digest
from janus_bench.runner import RunOptions, run_benchmark

from tests.bench.generated_solver import answer_key, honest

pytestmark = [pytest.mark.usefixtures("bubblewrap"), pytest.mark.slow]
LOCAL_SANDBOX = {"backend": "local"}
SECRET = "a-secret-seed-for-this-test-only"


def options(gateway: str, **extra) -> RunOptions:
    return RunOptions(
        target=gateway, suite="generated/v1", concurrency=2, task_timeout_s=90, **extra
    )


async def test_the_answer_key_scores_nothing_and_an_honest_solver_scores_well(bench_gateway):
    keyed = await run_benchmark(options(bench_gateway(answer_key(), sandbox=LOCAL_SANDBOX)))
    solved = await run_benchmark(
        options(bench_gateway(honest(), sandbox=LOCAL_SANDBOX), task_seed=SECRET)
    )
    assert all(task["ok"] for task in keyed["tasks"] + solved["tasks"])
    assert keyed["components"]["quality"] <= 0.1
    # Everything but the pictures (6 of 30 items) is solved by reading the prompt.
    assert solved["components"]["quality"] >= 0.75
    assert solved["composite"] >= keyed["composite"] + 25
    coding = [task for task in solved["tasks"] if task["type"] == "coding"]
    assert coding and all(task["scores"]["quality"] == 1.0 for task in coding)
    # Both ran on the same board's suite, on different items; the secret is not recorded.
    assert keyed["suite"] == solved["suite"] and solved["suite"]["kind"] == "generated"
    assert keyed["generation"]["tasks_sha256"] != solved["generation"]["tasks_sha256"]
    assert solved["generation"]["seed_sha256"] == seed_digest(SECRET)
    assert SECRET not in json.dumps(solved)
