"""``janus-bench`` run for real in subprocesses: run, list-suites, show, compare, --submit,
and one-line errors with exit code 2 for user mistakes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web
from janus_bench.progress import ProgressBar
from janus_bench.submit import SubmitError, submit_result

from janus.signatures import is_valid
from tests.bench import competitors
from tests.bench.suite_builder import chat_task
from tests.core.clirun import assert_one_line_error, janus_env
from tests.scripted_competitor import ScriptedCompetitor

SAFETY_TIMEOUT_S = 120.0  # never a performance threshold


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "janus_bench", *args],
        cwd=cwd,
        env=janus_env(),
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )


def test_run_writes_the_result_shows_progress_and_a_summary(suite, bench_gateway, tmp_path):
    tasks = [chat_task(n) for n in range(1, 4)]
    suite(tasks)
    gateway = bench_gateway(competitors.token_stream(competitors.answers_from(tasks)))
    output = tmp_path / "result.json"
    ran = bench(
        "run", "--target", gateway, "--suite", "private/test", "--seed", "4",
        "--output", str(output), cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    result = json.loads(output.read_text())
    assert result["seed"] == 4 and len(result["tasks"]) == 3
    assert "running 3 task(s)" in ran.stderr and "3/3" in ran.stderr
    assert f"composite {result['composite']:.1f}" in ran.stdout
    assert "quality" in ran.stdout and str(output) in ran.stdout

    shown = bench("show", str(output), cwd=tmp_path)
    assert shown.returncode == 0 and f"composite {result['composite']:.1f}" in shown.stdout
    as_json = json.loads(bench("show", str(output), "--json", cwd=tmp_path).stdout)
    assert as_json["components"] == result["components"]


def write_result(path: Path, qualities: list[float], seed: int = 0) -> Path:
    tasks = [
        {
            "id": f"t{n}",
            "type": "chat",
            "repeat": 0,
            "ok": True,
            "error": None,
            "scores": {
                "quality": q,
                "speed": q,
                "cost": q,
                "streaming": q,
                "multimodal": None,
            },
        }
        for n, q in enumerate(qualities)
    ]
    mean = sum(qualities) / len(qualities)
    document = {
        "suite": {"id": "public/dev", "version": "1", "hash": "sha256:abc"},
        "weights": {"quality": 45, "speed": 20, "cost": 15, "streaming": 10, "multimodal": 10},
        "tasks": tasks,
        "components": {c: mean for c in ("quality", "speed", "cost", "streaming")}
        | {"multimodal": None},
        "composite": 100 * mean,
        "ci": None,
        "seed": seed,
        "subset": 100.0,
        "repeat": 1,
        "target": "http://x",
        "model": "janus",
    }
    path.write_text(json.dumps(document))
    return path


def test_compare_reports_paired_deltas_with_intervals(tmp_path):
    before = write_result(tmp_path / "a.json", [0.2, 0.4, 0.6, 0.8] * 5)
    after = write_result(tmp_path / "b.json", [0.3, 0.5, 0.7, 0.9] * 5)
    compared = bench("compare", str(before), str(after), "--json", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    comparison = json.loads(compared.stdout)
    assert comparison["paired"] and comparison["same_suite"]
    quality = comparison["rows"]["quality"]
    assert quality["delta"] == pytest.approx(0.1)
    assert quality["ci"]["low"] == pytest.approx(0.1) and quality["significant"]
    assert comparison["rows"]["composite"]["delta"] == pytest.approx(10.0)
    assert comparison["rows"]["multimodal"]["delta"] is None
    table = bench("compare", str(before), str(after), cwd=tmp_path).stdout
    assert "paired by task" in table and "+10.0" in table


def test_list_suites_names_every_suite_and_why_one_is_missing(tmp_path, monkeypatch, suite):
    monkeypatch.delenv("JANUS_BENCH_PRIVATE", raising=False)
    listed = bench("list-suites", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    by_id = {s["id"]: s for s in json.loads(listed.stdout)}
    assert set(by_id) == {"public/train", "public/dev", "private/test", "generated/v1"}
    assert not by_id["private/test"]["available"]
    assert by_id["generated/v1"]["available"] and by_id["generated/v1"]["tasks"] == 30
    path = suite([chat_task(1)])
    listed = bench("list-suites", "--private-path", str(path), "--json", cwd=tmp_path)
    private = {s["id"]: s for s in json.loads(listed.stdout)}["private/test"]
    assert private["available"] and private["tasks"] == 1 and private["types"] == {"chat": 1}
    assert private["hash"].startswith("sha256:")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("run", "--target", "http://127.0.0.1:9", "--suite", "private/test"), ("not shipped",)),
        (("run", "--target", "nope", "--suite", "public/dev"), ("target",)),
        (("run", "--target", "http://x", "--submit"), ("--competitor",)),
        (("run", "--target", "http://x", "--weight", "speed=fast"), ("COMPONENT=NUMBER",)),
        (("run", "--target", "http://x", "--weight", "sped=1"), ("unknown component",)),
        (("show", "missing.json"), ("missing.json", "cannot read")),
        (("compare", "missing.json", "other.json"), ("missing.json",)),
    ],
)
def test_mistakes_end_with_one_line_and_exit_code_2(tmp_path, monkeypatch, args, fragments):
    monkeypatch.delenv("JANUS_BENCH_PRIVATE", raising=False)
    assert_one_line_error(bench(*args, cwd=tmp_path), *fragments)


def test_show_refuses_a_file_that_is_not_a_result(tmp_path):
    (tmp_path / "other.json").write_text('{"hello": 1}')
    assert_one_line_error(
        bench("show", "other.json", cwd=tmp_path), "not a janus-bench result", "suite"
    )


def test_janus_bench_is_also_a_janus_subcommand(tmp_path):
    listed = subprocess.run(
        [sys.executable, "-m", "janus", "bench", "list-suites", "--json"],
        cwd=tmp_path,
        env=janus_env(),
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert {s["id"] for s in json.loads(listed.stdout)} >= {"public/dev", "private/test"}


class ResultsEndpoint:
    """Test double of the competition's ``POST /v1/evaluations/results``, served beside a
    scripted competitor so that one URL is both the target and the gateway."""

    def __init__(self, status: int = 201) -> None:
        self.status = status
        self.received: list[tuple[str, dict]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get("Authorization", ""), await request.json()))
        if self.status >= 400:
            error = {"message": "competitor unknown", "type": "invalid_request_error"}
            return web.json_response({"error": error}, status=self.status)
        return web.json_response({"evaluation_id": "ev_1"}, status=self.status)

    def app(self, script) -> web.Application:
        app = ScriptedCompetitor(script).app()
        app.router.add_post("/v1/evaluations/results", self.handle)
        return app


def test_submit_posts_the_result_with_the_admin_key(live, suite, admin_key, tmp_path):
    tasks = [chat_task(1), chat_task(2)]
    suite(tasks)
    endpoint = ResultsEndpoint()
    target = live.serve(endpoint.app(competitors.token_stream(competitors.answers_from(tasks))))
    output = tmp_path / "r.json"
    ran = bench(
        "run", "--target", target, "--suite", "private/test", "--output", str(output),
        "--submit", "--competitor", "miner-7", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    ((authorization, body),) = endpoint.received
    assert authorization == f"Bearer {admin_key}"
    saved = json.loads(output.read_text())
    assert body == {**saved, "competitor_id": "miner-7"}
    assert "submitted for miner-7" in ran.stdout


def test_submit_signs_the_result_as_the_signer(live, suite, admin_key, tmp_path, monkeypatch):
    tasks = [chat_task(1), chat_task(2)]
    suite(tasks)
    endpoint = ResultsEndpoint()
    target = live.serve(endpoint.app(competitors.token_stream(competitors.answers_from(tasks))))
    ran = bench(
        "run", "--target", target, "--suite", "private/test", "--submit",
        "--competitor", "miner-7", "--signer", "lab", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 2 and "JANUS_BENCH_SIGNING_KEY" in ran.stderr
    monkeypatch.setenv("JANUS_BENCH_SIGNING_KEY", "lab-key")
    ran = bench(
        "run", "--target", target, "--suite", "private/test", "--submit",
        "--competitor", "miner-7", "--signer", "lab", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    ((_, body),) = endpoint.received
    signature = body.pop("signature")
    assert signature["signer"] == "lab"
    assert is_valid(b"lab-key", body, signature["value"])


async def test_a_refused_submission_says_what_the_gateway_answered(live, admin_key):
    endpoint = ResultsEndpoint(status=422)
    target = live.serve(endpoint.app(competitors.failing()))
    with pytest.raises(SubmitError, match="HTTP 422: competitor unknown"):
        await submit_result(target, admin_key, {"composite": 1.0}, "ghost")
    with pytest.raises(SubmitError, match="cannot reach"):
        await submit_result("http://127.0.0.1:9", admin_key, {}, "ghost")


def test_compare_of_different_suites_is_unpaired_and_says_so(tmp_path):
    before = write_result(tmp_path / "a.json", [0.2, 0.4, 0.6, 0.8] * 5)
    after_path = write_result(tmp_path / "b.json", [0.3, 0.5, 0.7, 0.9] * 5)
    document = json.loads(after_path.read_text())
    document["suite"]["hash"] = "sha256:other"
    after_path.write_text(json.dumps(document))
    comparison = json.loads(
        bench("compare", str(before), str(after_path), "--json", cwd=tmp_path).stdout
    )
    assert not comparison["paired"] and not comparison["same_suite"]
    quality = comparison["rows"]["quality"]
    assert quality["ci"]["low"] < 0.1 < quality["ci"]["high"]
    table = bench("compare", str(before), str(after_path), cwd=tmp_path).stdout
    assert "WARNING: different suites" in table


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_redraws_in_place_on_a_terminal_and_prints_lines_otherwise():
    events = [
        {"event": "started", "total": 2},
        {"event": "task", "done": 1, "total": 2, "task_id": "a", "quality": 1.0, "error": None},
        {"event": "task", "done": 2, "total": 2, "task_id": "b", "quality": 0.0, "error": "x"},
        {"event": "finished", "composite": 42.0},
    ]
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(stream)
        for event in events:
            bar(event)
    assert "\r\x1b[2K[###############...............] 1/2 a (quality 1.00)" in terminal.getvalue()
    assert log.getvalue().splitlines() == [
        "running 2 task(s)",
        "[###############...............] 1/2 a (quality 1.00)",
        "[##############################] 2/2 b (error) failed: 1",
        "finished: composite 42.0",
    ]
