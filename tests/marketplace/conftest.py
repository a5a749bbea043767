from __future__ import annotations

import pytest

from tests.marketplace.echo_component import EchoComponents


def platform_off_services(tmp_path) -> dict:
    """A ``[platform]`` table with the platform on but none of its services."""
    return {
        "data_dir": str(tmp_path / "data"),
        "inference": {"backend": "off"},
        "sandbox": {"backend": "off"},
        "search": {"backend": "off"},
    }


@pytest.fixture
def gateway(live, tmp_path, platform_tokens) -> str:
    """A gateway with the echo components installed and the platform on."""
    return live.gateway({}, platform=platform_off_services(tmp_path), plugins=(EchoComponents(),))
