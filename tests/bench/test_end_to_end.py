"""End to end: ``janus-bench run --suite public/dev --subset ...`` against a real
``janus run`` subprocess whose competitor is the agent-cli baseline (itself a subprocess),
with a scripted inference backend that knows the suite's reference answers, the research
corpus indexed with ``janus search index``, and real bubblewrap sandboxes for grading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from janus_bench.catalog import load_suite, shipped_corpus
from janus_bench.runner import select_tasks

from tests.core.clirun import free_port, janus_env, run_janus, running_janus

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bubblewrap")]

REPOSITORY = Path(__file__).resolve().parents[2]
SUBSET = 15.0
BENCH_TIMEOUT_S = 900.0  # a safety net for a hung run, never a performance threshold

CONFIG = """\
[gateway]
port = {port}
request_timeout_s = 120

[platform]
data_dir = "{data}"

[platform.inference]
backend = "reference"

[platform.sandbox]
backend = "local"

[platform.search]
backend = "local"

[[competitors]]
id = "baseline-agent-cli"
kind = "subprocess"
plugin = "baseline-agent-cli"

[routing]
default = "baseline-agent-cli"
"""


def reference_inference_on_path(root: Path) -> Path:
    """An entry point for ``tests.bench.reference_inference``, found by ``janus run``
    through PYTHONPATH the way an installed plugin is."""
    info = root / "janus_bench_reference_inference-0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: janus-bench-reference-inference\nVersion: 0.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[janus]\nreference-inference = tests.bench.reference_inference\n"
    )
    return root


def test_public_dev_subset_against_janus_run_with_a_baseline(tmp_path, admin_key):
    port = free_port()
    config = tmp_path / "janus.toml"
    config.write_text(CONFIG.format(port=port, data=tmp_path / "data"))
    site = reference_inference_on_path(tmp_path / "site")
    env = janus_env(
        HOME=str(tmp_path),
        JANUS_CONFIG=str(config),
        PYTHONPATH=f"{site}:{REPOSITORY}",
    )
    indexed = run_janus("search", "index", str(shipped_corpus()), cwd=tmp_path, env=env)
    assert indexed.returncode == 0, indexed.stderr
    output = tmp_path / "result.json"
    with running_janus("run", port=port, cwd=tmp_path, env=env) as janus:
        janus.wait_healthy()
        bench = subprocess.run(
            [
                sys.executable,
                "-m",
                "janus_bench",
                "run",
                "--target",
                janus.base_url,
                "--suite",
                "public/dev",
                "--subset",
                str(SUBSET),
                "--seed",
                "0",
                "--output",
                str(output),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=BENCH_TIMEOUT_S,
            check=False,
        )
        assert janus.stop() == 0, janus.stderr
    assert bench.returncode == 0, bench.stderr

    result = json.loads(output.read_text())
    suite = load_suite("public/dev")
    expected = select_tasks(suite.tasks, SUBSET, seed=0)
    assert result["suite"] == {**suite.identity(), "kind": "public"}
    assert sorted(t["id"] for t in result["tasks"]) == sorted(t["id"] for t in expected)
    assert {t["type"] for t in result["tasks"]} == {t["type"] for t in suite.tasks}
    answered = [t for t in result["tasks"] if t["ok"]]
    assert len(answered) >= len(result["tasks"]) // 2, [t["error"] for t in result["tasks"]]
    for task in answered:
        # The platform measured the baseline's spending on every answer.
        assert task["metered"]["competitor"] == "baseline-agent-cli"
        assert task["metered"]["prompt_tokens"] > 0
        assert task["timings"]["ttft_s"] is not None
    assert any(t["scores"]["quality"] == 1.0 for t in answered), result["tasks"]
    assert 0 < result["composite"] <= 100
    assert result["ci"]["low"] <= result["composite"] <= result["ci"]["high"]
    assert f"composite {result['composite']:.1f}" in bench.stdout
