"""A third-party ``register_scorers`` plugin, pip-installed, is a component once weighted:
``janus-bench run --weight brevity=10`` scores it, records it and counts it in the composite."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.bench import competitors
from tests.bench.suite_builder import chat_task
from tests.core.clirun import assert_one_line_error, janus_env
from tests.distributions import build_distribution, install_distribution

SAFETY_TIMEOUT_S = 180.0  # never a performance threshold

BREVITY = '''\
"""Brevity: 1.0 for an answer of at most 20 tokens, less the longer it gets."""

from janus.hookspecs import hookimpl
from janus.interfaces import Score


class Brevity:
    component = "brevity"
    version = "1.2"

    def score(self, observation):
        tokens = observation["timings"]["text_tokens"]
        return Score(min(1.0, 20 / max(tokens, 1)), {"tokens": tokens})


@hookimpl
def register_scorers(register):
    register("brevity", Brevity())
'''


def bench(*args: str, cwd, pythonpath) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "janus_bench", *args],
        cwd=cwd,
        env=janus_env(pythonpath=pythonpath),
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )


def test_a_registered_scorer_is_weighted_from_the_command_line(suite, bench_gateway, tmp_path):
    package = build_distribution(tmp_path, "janus-scorer-brevity", "1.2", {"brevity": BREVITY})
    site = install_distribution(package, tmp_path / "site")
    tasks = [chat_task(n) for n in range(1, 3)]
    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    output = tmp_path / "result.json"
    ran = bench(
        "run", "--target", gateway, "--suite", "private/test", "--weight", "brevity=10",
        "--output", str(output), cwd=tmp_path, pythonpath=site,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    result = json.loads(output.read_text())
    assert result["weights"]["brevity"] == 10 and result["weights"]["quality"] == 45
    assert result["scorers"]["brevity"] == "1.2"
    scores = [task["scores"]["brevity"] for task in result["tasks"]]
    assert all(0 < score <= 1 for score in scores)
    assert result["components"]["brevity"] == sum(scores) / len(scores)
    assert "brevity" in ran.stdout  # the summary's weights table


def test_an_unregistered_component_names_the_registered_ones(tmp_path):
    ran = bench(
        "run", "--target", "http://127.0.0.1:9", "--weight", "brevity=10",
        cwd=tmp_path, pythonpath=None,
    )  # fmt: skip
    assert_one_line_error(ran, "unknown component(s) brevity", "registered scorers: cost")
