"""The competitor's own HTTP answers: health, bad requests, no platform, settings."""

from __future__ import annotations

import aiohttp
import pytest
from janus_baseline_langchain.app import create_app
from janus_baseline_langchain.settings import Settings, SettingsError


@pytest.fixture
def baseline(live) -> str:
    return live.serve(create_app(Settings()))


async def post(url: str, data: bytes) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/chat/completions", data=data) as response,
    ):
        return response.status, await response.json()


async def test_health(baseline):
    async with aiohttp.ClientSession() as session, session.get(baseline + "/health") as response:
        assert response.status == 200 and (await response.json())["status"] == "ok"


@pytest.mark.parametrize(
    ("data", "param"),
    [(b"{not json", None), (b'{"model": "lc", "messages": []}', "messages")],
)
async def test_a_malformed_request_is_a_400(baseline, data, param):
    status, body = await post(baseline, data)
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error" and body["error"]["param"] == param


async def test_without_the_platform_it_answers_503_so_the_gateway_falls_back(baseline):
    request = b'{"model": "lc", "messages": [{"role": "user", "content": "Hi"}]}'
    status, body = await post(baseline, request)
    assert status == 503 and body["error"]["code"] == "platform_unavailable"


def test_settings_come_from_the_environment():
    environ = {"JANUS_LANGCHAIN_MODEL": "m", "JANUS_LANGCHAIN_TOOL_TIMEOUT_S": "5"}
    settings = Settings.from_env(environ)
    assert (settings.model, settings.tool_timeout_s) == ("m", 5.0)
    with pytest.raises(SettingsError, match="JANUS_LANGCHAIN_KEEPALIVE_S"):
        Settings.from_env({"JANUS_LANGCHAIN_KEEPALIVE_S": "5"})
