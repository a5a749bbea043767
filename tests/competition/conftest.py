"""Gateways with the competition, on real sockets (``live``), over SQLite or PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.competition.state import COMPETITION, Competition
from janus.gateway.keys import POOL
from janus.plugins import load_plugins
from janus.store import open_store
from tests.bench.conftest import admin_key, bench_gateway, suite  # noqa: F401 (fixtures)
from tests.competition.results import SIGNER_ENV, SIGNER_KEY
from tests.live import LiveServers
from tests.store.postgres_server import postgres_server, postgres_url  # noqa: F401

ADMIN_KEY = "jadm-competition-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@dataclass
class CompetitionGateway:
    url: str
    app: web.Application
    live: LiveServers

    @property
    def competition(self) -> Competition:
        return self.app[COMPETITION]

    def pool_ids(self) -> list[str]:
        return [competitor.id for competitor in self.app[POOL]]

    def run(self, coroutine) -> Any:
        """Run ``coroutine`` on the gateway's own loop (its store lives there)."""
        return self.live.call(coroutine)


async def call(
    gateway: CompetitionGateway | str,
    method: str,
    path: str,
    *,
    key: str | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    base = gateway.url if isinstance(gateway, CompetitionGateway) else gateway
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + path, headers=headers, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None)


def assert_openai_error(body: dict, status_code: str) -> dict:
    assert set(body["error"]) >= {"message", "type", "param", "code"}, body
    assert body["error"]["code"] == status_code, body
    return body["error"]


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request, tmp_path):
    """A migrated store on each backend."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    config = parse_config({"platform": {"data_dir": str(tmp_path)}, "store": {"url": url}}, "t")
    store = open_store(config)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def competition_gateway(live, monkeypatch) -> Callable[..., CompetitionGateway]:
    """``start(competitors={id: url}, router=..., default=..., store_url=..., suite=...,
    competition={more [competition] keys})``."""
    monkeypatch.setenv("JANUS_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv(SIGNER_ENV, SIGNER_KEY)

    def start(
        competitors: dict[str, str] | None = None,
        *,
        router: str = "by-model",
        default: str | None = None,
        fallbacks: tuple[str, ...] = (),
        store_url: str = "",
        suite: str = "public/dev",  # noqa: F811 (not the bench's suite fixture)
        competition: dict[str, Any] | None = None,
    ) -> CompetitionGateway:
        config = parse_config(
            {
                "routing": {"router": router, "default": default, "fallbacks": list(fallbacks)},
                "competitors": [
                    {"id": cid, "url": url} for cid, url in (competitors or {}).items()
                ],
                "platform": {"enabled": False, "data_dir": tempfile.mkdtemp(prefix="janus-test-")},
                "store": {"url": store_url},
                "competition": {"suite": suite, **(competition or {})},
                "web": {"enabled": False},
            },
            "test config",
        )
        app = create_app(config, load_plugins(use_env=False, allow=set()))
        return CompetitionGateway(live.serve(app), app, live)

    return start
