from __future__ import annotations

import pytest

from tests.live import LiveServers


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
