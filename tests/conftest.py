from __future__ import annotations

import time

import pytest

from janus.platform.tokens import PlatformTokens
from tests.live import LiveServers

PLATFORM_SECRET = "test-platform-secret"


@pytest.fixture(scope="session")
def _live_loop():
    servers = LiveServers()
    yield servers
    servers.close()


@pytest.fixture
def live(_live_loop: LiveServers):
    """Start scripted competitors and gateways; everything stops at the end of the test."""
    yield _live_loop
    _live_loop.stop_all()


@pytest.fixture
def platform_tokens(monkeypatch) -> PlatformTokens:
    """Tokens the gateways of this test accept (they share the secret through the env)."""
    monkeypatch.setenv("JANUS_PLATFORM_SECRET", PLATFORM_SECRET)
    return PlatformTokens(PLATFORM_SECRET.encode())


@pytest.fixture
def token(platform_tokens: PlatformTokens) -> str:
    return platform_tokens.mint("tester", "req-test", time.time() + 60)
