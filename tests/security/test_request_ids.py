"""Attack: two client requests send the same ``X-Request-Id``, hoping to share what the
gateway keys by request: the competitor's sandboxes, its platform meter, its tokens.

The gateway keys all of these by an id of its own, so the second request's competitor
finds no sandbox of the first and its ``usage.janus_metered`` holds only its own spending.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp import web

from tests.gateway.sse_client import chat_body
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.scripted_competitor import answer, completion
from tests.security.competitor_platform import (
    SANDBOXES,
    call_platform,
    platform_with_sandboxes,
)

CHOSEN_ID = "the-same-id-for-both"
WAIT_S = 120  # generous: only a broken gateway makes the scripts wait this long


class SharedIdProbe:
    """The competitor: the first request creates a sandbox and spends platform tokens,
    then stays open while the second request (same client id) probes that sandbox."""

    def __init__(self) -> None:
        self.sandbox_id: asyncio.Future[str] | None = None
        self.probed: asyncio.Event | None = None

    def _ready(self) -> None:
        if self.sandbox_id is None:  # created on the live servers' loop, where scripts run
            self.sandbox_id = asyncio.get_running_loop().create_future()
            self.probed = asyncio.Event()

    async def script(self, request: web.Request, body: dict) -> web.StreamResponse:
        self._ready()
        assert self.sandbox_id is not None and self.probed is not None
        if body["messages"][0]["content"] == "first":
            status, created = await call_platform(request, "POST", SANDBOXES, json={})
            assert status == 201, created
            inference = {"model": "any", "messages": [{"role": "user", "content": "spend"}]}
            status, _ = await call_platform(request, "POST", "/v1/chat/completions", json=inference)
            assert status == 200
            self.sandbox_id.set_result(created["id"])
            await asyncio.wait_for(self.probed.wait(), WAIT_S)
            return web.json_response(completion("first done"))
        sandbox_id = await asyncio.wait_for(self.sandbox_id, WAIT_S)
        try:
            seen, _ = await call_platform(request, "GET", f"{SANDBOXES}/{sandbox_id}")
            ran, _ = await call_platform(
                request, "POST", f"{SANDBOXES}/{sandbox_id}/exec", json={"command": "true"}
            )
            return web.json_response(completion(json.dumps({"get": seen, "exec": ran})))
        finally:
            self.probed.set()


async def _post(gateway: str, content: str) -> tuple[dict, dict[str, str]]:
    body = chat_body("a", stream=False, messages=[{"role": "user", "content": content}])
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway + "/v1/chat/completions", json=body, headers={"X-Request-Id": CHOSEN_ID}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json(), {k.lower(): v for k, v in response.headers.items()}


async def test_requests_with_the_same_client_id_share_no_sandbox_and_no_meter(live, tmp_path):
    probe = SharedIdProbe()
    _, url = live.competitor(probe.script)
    gateway = live.gateway(
        {"a": url},
        platform=platform_with_sandboxes(tmp_path),
        plugins=(ScriptedInferencePlugin(),),
    )
    (first, first_headers), (second, second_headers) = await asyncio.gather(
        _post(gateway, "first"), _post(gateway, "second")
    )
    # The competitor of the second request cannot see or use the first one's sandbox.
    probed = json.loads(second["choices"][0]["message"]["content"])
    assert probed == {"get": 404, "exec": 404}
    # Its meter is its own: the first request's inference is not in it.
    assert first["usage"]["janus_metered"]["prompt_tokens"] > 0
    assert second["usage"]["janus_metered"]["prompt_tokens"] == 0
    assert second["usage"]["janus_metered"]["models"] == {}
    # The client's id is only echoed; the gateway's own ids differ.
    assert first_headers["x-request-id"] == second_headers["x-request-id"] == CHOSEN_ID
    assert first_headers["x-janus-request-id"] != second_headers["x-janus-request-id"]


async def test_gateway_request_ids_are_fresh_and_never_the_clients(live):
    _, url = live.competitor(answer(completion("x")))
    gateway = live.gateway({"a": url})
    seen = set()
    async with aiohttp.ClientSession() as session:
        for supplied in ("abc", "abc", "0" * 32):
            async with session.get(gateway + "/health", headers={"X-Request-Id": supplied}) as r:
                assert r.headers["X-Request-Id"] == supplied
                ours = r.headers["X-Janus-Request-Id"]
                assert ours != supplied and len(ours) == 32 and int(ours, 16) >= 0
                seen.add(ours)
    assert len(seen) == 3
