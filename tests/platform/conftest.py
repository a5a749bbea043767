from __future__ import annotations

import shutil

import pytest

from janus.platform.backends import BackendContext
from tests.platform.scripted_inference import ScriptedInference, ScriptedInferencePlugin


@pytest.fixture(autouse=True)
def _fresh_scripted_inference(monkeypatch):
    monkeypatch.setattr(ScriptedInference, "requests", [])


@pytest.fixture
async def start_backend(tmp_path):
    """Start platform backends directly (no gateway); all are closed after the test."""
    started = []

    async def start(factory, data_dir: str, **settings):
        backend = factory(factory.Settings(**settings), BackendContext(tmp_path / data_dir))
        await backend.start()
        started.append(backend)
        return backend

    yield start
    for backend in started:
        await backend.close()


@pytest.fixture
def bubblewrap():
    """The sandbox tests need the real bubblewrap: fail loudly (never skip) without it."""
    if shutil.which("bwrap") is None:
        pytest.fail(
            "bubblewrap (bwrap) is required for the sandbox tests: apt-get install "
            "bubblewrap (.ci/run installs it)"
        )


@pytest.fixture
def sandbox_gateway(live, tmp_path, platform_tokens):
    """Start a gateway whose platform sandbox is ``backend`` with ``settings``."""

    def start(backend: str, **settings) -> str:
        sandbox = {"backend": backend, backend: settings}
        return live.gateway(
            {},
            platform=platform_settings(tmp_path, sandbox=sandbox),
            plugins=(ScriptedInferencePlugin(),),
        )

    return start


def platform_settings(tmp_path, **services) -> dict:
    """A ``[platform]`` table on the scripted inference, other services off unless given."""
    return {
        "data_dir": str(tmp_path / "data"),
        "inference": {"backend": "scripted"},
        "sandbox": {"backend": "off"},
        "search": {"backend": "off"},
        **services,
    }
