from __future__ import annotations

import pytest

from tests.platform.scripted_inference import ScriptedInference


@pytest.fixture(autouse=True)
def _fresh_scripted_inference(monkeypatch):
    monkeypatch.setattr(ScriptedInference, "requests", [])


def platform_settings(tmp_path, **services) -> dict:
    """A ``[platform]`` table on the scripted inference, other services off unless given."""
    return {
        "data_dir": str(tmp_path / "data"),
        "inference": {"backend": "scripted"},
        "sandbox": {"backend": "off"},
        "search": {"backend": "off"},
        **services,
    }
