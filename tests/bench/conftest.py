from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.bench.suite_builder import write_suite
from tests.platform.conftest import bubblewrap, platform_settings  # noqa: F401 (fixture)
from tests.platform.scripted_inference import ScriptedInference, ScriptedInferencePlugin

ADMIN_KEY = "jadm-bench-test-key"


@pytest.fixture(autouse=True)
def _fresh_scripted_inference(monkeypatch):
    monkeypatch.setattr(ScriptedInference, "requests", [])


@pytest.fixture
def admin_key(monkeypatch) -> str:
    """The gateways of the test take this admin key from the environment, and the bench
    finds it there too (as on an operator's machine)."""
    monkeypatch.setenv("JANUS_ADMIN_KEY", ADMIN_KEY)
    return ADMIN_KEY


@pytest.fixture
def suite(tmp_path: Path, monkeypatch):
    """Write a tiny suite and point ``$JANUS_BENCH_PRIVATE`` at it; returns its path."""

    def make(tasks: list[dict]) -> Path:
        path = write_suite(tmp_path / "suite", tasks)
        monkeypatch.setenv("JANUS_BENCH_PRIVATE", str(path))
        return path

    return make


@pytest.fixture
def bench_gateway(live, tmp_path, platform_tokens, admin_key):
    """A gateway with the platform on (scripted inference; sandbox as asked) in front of
    one scripted competitor; returns the gateway URL. Each gateway gets a data_dir of its
    own (one directory serves one running gateway)."""

    def start(script, sandbox: dict | None = None) -> str:
        _, competitor = live.competitor(script)
        services = {"sandbox": sandbox} if sandbox else {}
        own = Path(tempfile.mkdtemp(prefix="gateway-", dir=tmp_path))
        return live.gateway(
            {"c": competitor},
            default="c",
            platform=platform_settings(own, **services),
            plugins=(ScriptedInferencePlugin(),),
        )

    return start
