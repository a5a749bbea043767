from __future__ import annotations

import pytest

from janus.platform.backends import BackendContext
from tests.platform.scripted_inference import ScriptedInference


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


def platform_settings(tmp_path, **services) -> dict:
    """A ``[platform]`` table on the scripted inference, other services off unless given."""
    return {
        "data_dir": str(tmp_path / "data"),
        "inference": {"backend": "scripted"},
        "sandbox": {"backend": "off"},
        "search": {"backend": "off"},
        **services,
    }
