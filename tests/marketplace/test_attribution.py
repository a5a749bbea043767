"""A competitor calls a component with its request's platform token, as a miner would: the
call is attributed to that competitor and that client request, end to end."""

from __future__ import annotations

import json

import aiohttp
from aiohttp import web

from tests.marketplace.client import get, metric
from tests.marketplace.conftest import platform_off_services
from tests.marketplace.echo_component import EchoComponents
from tests.scripted_competitor import completion


async def calls_the_echo_component(request: web.Request, body: dict) -> web.StreamResponse:
    token = request.headers["X-Janus-Platform-Token"]
    platform = request.headers["X-Janus-Platform-Url"]
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.post(platform + "/components/echo/lookup", json={"q": 1}) as reply,
    ):
        echoed = await reply.json()
    return web.json_response(completion(json.dumps(echoed)))


async def test_a_competitors_call_is_attributed_to_it_and_to_the_request(live, tmp_path):
    _, miner = live.competitor(calls_the_echo_component)
    gateway = live.gateway(
        {"miner-1": miner},
        default="miner-1",
        platform=platform_off_services(tmp_path),
        plugins=(EchoComponents(),),
    )
    body = {"model": "janus", "messages": [{"role": "user", "content": "hi"}]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        request_id = response.headers["X-Request-Id"]
        answer = await response.json()

    echoed = json.loads(answer["choices"][0]["message"]["content"])
    assert echoed["competitor_id"] == "miner-1" and echoed["request_id"] == request_id
    assert answer["usage"]["janus_metered"]["component_calls"] == 1
    _, usage = await get(gateway + "/v1/marketplace/usage")
    assert [(r["component_id"], r["competitor_id"], r["calls"]) for r in usage["data"]] == [
        ("echo", "miner-1", 1)
    ]
    labels = {"competitor": "miner-1", "component": "echo"}
    assert await metric(gateway, "janus_platform_component_calls_total", **labels) == 1
