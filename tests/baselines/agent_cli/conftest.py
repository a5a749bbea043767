"""A gateway with scripted inference and real bubblewrap sandboxes, in front of the
baseline served in-process; plus what the tests look at (workspaces, events)."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from janus_baseline_agent_cli.app import create_app

from tests.baselines.agent_cli.replay import Replay
from tests.baselines.agent_cli.spy_sandbox import SpySandbox, SpySandboxPlugin
from tests.gateway.sse_client import Received
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import Reply, ScriptedInference, ScriptedInferencePlugin

# A safety net for waiting on something that should happen soon, never a performance bound.
SAFETY_TIMEOUT_S = 20.0


@pytest.fixture(autouse=True)
def _clean_doubles(monkeypatch):
    monkeypatch.setattr(ScriptedInference, "requests", [])
    monkeypatch.setattr(SpySandbox, "calls", [])


@pytest.fixture(autouse=True)
def _bubblewrap_is_installed():
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap (bwrap) is required: apt-get install bubblewrap")


@dataclass
class Setup:
    gateway: str
    baseline: str
    workspaces: Path

    def live_sandboxes(self) -> list[str]:
        if not self.workspaces.is_dir():
            return []
        return sorted(p.name for p in self.workspaces.iterdir() if p.name.startswith("sb_"))

    async def until_no_sandbox(self) -> None:
        deadline = time.monotonic() + SAFETY_TIMEOUT_S
        while self.live_sandboxes():
            assert time.monotonic() < deadline, f"sandboxes left: {self.live_sandboxes()}"
            await asyncio.sleep(0.05)


@pytest.fixture
def start(live, tmp_path, monkeypatch, platform_tokens):
    """``start(*turns, sandbox="local", **env)``: the model replays ``turns``; ``env`` sets
    ``JANUS_BASELINE_<NAME>`` before the baseline app is built."""

    def start(*turns: Reply, sandbox: str = "local", **env: str) -> Setup:
        monkeypatch.setattr(ScriptedInference, "respond", staticmethod(Replay(*turns)))
        monkeypatch.setenv("JANUS_BASELINE_ARTIFACT_GRACE_S", "0.2")
        for name, value in env.items():
            monkeypatch.setenv(f"JANUS_BASELINE_{name.upper()}", value)
        baseline = live.serve(create_app())
        gateway = live.gateway(
            {"baseline": baseline},
            default="baseline",
            platform=platform_settings(tmp_path, sandbox={"backend": sandbox}),
            plugins=(ScriptedInferencePlugin(), SpySandboxPlugin()),
        )
        return Setup(gateway, baseline, tmp_path / "data" / "sandbox" / "local" / "workspaces")

    return start


def replayed() -> Replay:
    """The replay installed by the last ``start``."""
    return ScriptedInference.respond


def user(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "janus", "messages": [{"role": "user", "content": text}], **extra}


def janus_events(received: Received) -> list[dict[str, Any]]:
    return [
        c["choices"][0]["delta"]["janus"]
        for c in received.chunks
        if c["choices"] and "janus" in c["choices"][0]["delta"]
    ]


def reasoning_lines(received: Received) -> list[str]:
    return [
        c["choices"][0]["delta"]["reasoning_content"]
        for c in received.chunks
        if c["choices"] and c["choices"][0]["delta"].get("reasoning_content")
    ]


def usage_of(received: Received) -> dict[str, Any]:
    (last,) = [c for c in received.chunks if not c["choices"] and c.get("usage")]
    return last["usage"]
