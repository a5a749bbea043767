from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from janus_baseline_langchain.app import create_app
from janus_baseline_langchain.settings import Settings

from tests.platform.conftest import platform_settings
from tests.platform.fake_searxng import FakeSearxng
from tests.platform.scripted_inference import ScriptedInference, ScriptedInferencePlugin

COMPETITOR = "lc"


@pytest.fixture(autouse=True)
def _fresh_scripted_inference(monkeypatch):
    monkeypatch.setattr(ScriptedInference, "requests", [])


@pytest.fixture
def searxng(live) -> FakeSearxng:
    fake = FakeSearxng()
    fake.url = live.serve(fake.app())
    return fake


@pytest.fixture
def workspaces(tmp_path: Path) -> Path:
    """Where the local sandbox backend keeps one directory per live sandbox."""
    return tmp_path / "data" / "sandbox" / "local" / "workspaces"


@pytest.fixture
def start(live, tmp_path, searxng, platform_tokens) -> Callable[..., tuple[str, str]]:
    """Start the baseline (with ``Settings(**overrides)``) behind a gateway whose platform
    has the scripted model, local sandboxes and search; returns (gateway, baseline) URLs."""

    def start(**overrides) -> tuple[str, str]:
        baseline = live.serve(create_app(Settings(**overrides)))
        gateway = live.gateway(
            {COMPETITOR: baseline},
            platform=platform_settings(
                tmp_path,
                sandbox={"backend": "local"},
                search={"backend": "http", "http": {"url": searxng.url}},
            ),
            plugins=(ScriptedInferencePlugin(),),
        )
        return gateway, baseline

    return start
