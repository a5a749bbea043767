"""``janus-agent`` on its own, outside a sandbox: tools, budgets, failures, artifacts.

It runs as a real process (``python -m``, as in a sandbox) against a live gateway's
platform with scripted inference, in a temporary workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.baselines.agent_cli.conftest import SAFETY_TIMEOUT_S, replayed
from tests.baselines.agent_cli.replay import call, calls


def run_agent(
    gateway: str, token: str, workspace: Path, *arguments: str
) -> tuple[int, list[dict[str, Any]], str]:
    workspace.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "JANUS_PLATFORM_URL": gateway + "/platform",
        "JANUS_PLATFORM_TOKEN": token,
    }
    result = subprocess.run(
        [sys.executable, "-m", "janus_baseline_agent_cli.agent", *arguments],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, events, result.stdout + result.stderr


def tool_ends(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "tool_end"]


def test_the_tools_work_in_the_workspace(start, token, tmp_path):
    setup = start(
        calls(
            call("write_file", path="notes/a.txt", content="alpha\n"),
            call("read_file", path="notes/a.txt"),
            call("list_files"),
            content="Let me take notes.",
        ),
        calls(
            call("bash", command="echo out; echo err >&2; exit 3"),
            call("python", code="print(6 * 7)"),
        ),
        calls(
            call("nope"),
            {"id": "call_bad", "type": "function", "function": {"name": "bash", "arguments": "{"}},
        ),
        "The answer is 42.",
        sandbox="spy",
    )
    workspace = tmp_path / "workspace"
    code, events, output = run_agent(
        setup.gateway, token, workspace, "run", "--prompt", "Work it out", "--model", "m"
    )
    assert code == 0, output
    assert [e["event"] for e in events] == [
        "agent_start",
        "thinking",
        *["tool_start", "tool_end"] * 3,
        *["tool_start", "tool_end"] * 2,
        "tool_start",
        "tool_end",
        "answer",
        "agent_end",
    ]
    assert events[0]["model"] == "m" and events[0]["max_steps"] == 12
    assert events[1] == {"event": "thinking", "step": 1, "text": "Let me take notes."}
    written, read, listed, failed, python, unknown = tool_ends(events)
    assert written["ok"] and (workspace / "notes" / "a.txt").read_text() == "alpha\n"
    assert read["output"] == "alpha\n"
    assert "notes/a.txt" in listed["output"]
    assert not failed["ok"] and failed["exit_code"] == 3
    assert "out" in failed["output"] and "err" in failed["output"]
    assert python["ok"] and python["output"].startswith("42")
    assert not unknown["ok"] and "unknown tool 'nope'" in unknown["output"]
    assert events[-2] == {"event": "answer", "text": "The answer is 42."}
    assert events[-1]["reason"] == "answered" and events[-1]["steps"] == 4
    assert events[-1]["usage"]["prompt_tokens"] > 0

    last = replayed().requests[-1]["messages"]
    results = {m["tool_call_id"]: m["content"] for m in last if m["role"] == "tool"}
    assert "not valid JSON" in results["call_bad"]
    assert last[0]["role"] == "system" and "at most 12 steps" in last[0]["content"]


def test_when_the_steps_run_out_the_model_answers_without_tools(start, token, tmp_path):
    setup = start(
        calls(call("bash", command="echo 1")),
        calls(call("bash", command="echo 2")),
        "Summary after two steps.",
        sandbox="spy",
    )
    code, events, output = run_agent(
        setup.gateway,
        token,
        tmp_path / "ws",
        "run",
        "--prompt",
        "Go",
        "--model",
        "m",
        "--max-steps",
        "2",
    )
    assert code == 0, output
    assert events[-2] == {"event": "answer", "text": "Summary after two steps."}
    assert events[-1]["reason"] == "step_budget" and events[-1]["steps"] == 2
    wrap_up = replayed().requests[-1]
    assert "tools" not in wrap_up
    assert "used all your steps" in wrap_up["messages"][-1]["content"]


def test_when_the_time_runs_out_the_tool_is_stopped_and_the_run_ends(start, token, tmp_path):
    setup = start(calls(call("bash", command="sleep 30")), "never asked", sandbox="spy")
    code, events, output = run_agent(
        setup.gateway,
        token,
        tmp_path / "ws",
        "run",
        "--prompt",
        "Go",
        "--model",
        "m",
        "--time-budget",
        "1",
    )
    assert code == 0, output
    (tool_end,) = tool_ends(events)
    assert not tool_end["ok"] and "timed out" in tool_end["output"]
    assert "time budget (1 s)" in events[-2]["text"]
    assert events[-1]["reason"] == "time_budget"
    assert len(replayed().requests) == 1


def test_a_platform_failure_ends_the_run_with_an_error_and_no_token_in_sight(start, tmp_path):
    setup = start(sandbox="spy")
    bogus = "jpt1.bogus.token"
    code, events, output = run_agent(
        setup.gateway, bogus, tmp_path / "ws", "run", "--prompt", "Go", "--model", "m"
    )
    assert code == 1
    assert [e["event"] for e in events] == ["agent_start", "agent_error", "agent_end"]
    assert "HTTP 401" in events[1]["message"] and events[2]["reason"] == "error"
    assert bogus not in output


def test_the_artifacts_command_announces_files_with_their_hashes(tmp_path):
    folder = tmp_path / "artifacts"
    (folder / "sub").mkdir(parents=True)
    (folder / "report.csv").write_text("x,y\n1,1\n")
    (folder / "sub" / "plot.png").write_bytes(b"\x89PNG fake")
    (folder / "link.txt").symlink_to(folder / "report.csv")
    result = subprocess.run(
        ["janus-agent", "artifacts", str(folder)],  # the console script
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=True,
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events == [
        {
            "event": "artifact",
            "path": "report.csv",
            "size_bytes": 8,
            "sha256": hashlib.sha256(b"x,y\n1,1\n").hexdigest(),
            "mime_type": "text/csv",
        },
        {
            "event": "artifact",
            "path": "sub/plot.png",
            "size_bytes": 9,
            "sha256": hashlib.sha256(b"\x89PNG fake").hexdigest(),
            "mime_type": "image/png",
        },
    ]
