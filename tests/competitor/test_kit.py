"""The competitor kit: streams that keep the contract, and the platform over TCP or unix."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp import web

from janus.competitor.platform import Platform
from janus.competitor.stream import ChunkStream
from janus.gateway.supervisor import unix_url
from janus.server import EXTRA_UNIX_SOCKETS
from tests.gateway.sse_client import stream_chat
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin


def slow_tool_competitor() -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        async with ChunkStream(request, "kit", keepalive_s=0.2) as out:
            await out.role()
            await out.event("tool_start", "running a slow tool", tool="sleep")
            await asyncio.sleep(1.0)
            await out.event("tool_end", tool="sleep", name="the sleeper", reasoning="a field")
            await out.content("done")
            await out.finish()
            await out.usage({"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})
        return out.response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


async def test_chunk_stream_keeps_alive_during_a_slow_tool_and_ends_with_done(live):
    url = live.serve(slow_tool_competitor())
    received = await stream_chat(
        url, {"model": "kit", "stream": True, "messages": [{"role": "user", "content": "go"}]}
    )
    assert received.done and not received.errors and received.content == "done"
    start, end = received.event_times[1], received.event_times[2]
    assert len([t for t in received.pings if start < t < end]) >= 3
    events = [
        c["choices"][0]["delta"].get("janus", {}).get("event")
        for c in received.chunks
        if c["choices"]
    ]
    assert events[1:3] == ["tool_start", "tool_end"]
    end_event = received.chunks[2]["choices"][0]["delta"]
    assert end_event["janus"]["payload"] == {
        "tool": "sleep",
        "name": "the sleeper",
        "reasoning": "a field",
    }
    assert "reasoning_content" not in end_event
    assert received.chunks[-1]["usage"]["total_tokens"] == 2


async def test_platform_over_the_unix_socket_with_the_openai_sdk(live, tmp_path, token):
    apps = []
    live.gateway(
        {},
        platform=platform_settings(tmp_path),
        plugins=(ScriptedInferencePlugin(),),
        inspect=apps.append,
    )
    (socket_path,) = apps[0][EXTRA_UNIX_SOCKETS]
    async with Platform(unix_url(socket_path, "/platform"), token) as platform:
        client = platform.openai()
        reply = await client.chat.completions.create(
            model="any", messages=[{"role": "user", "content": "over the socket"}]
        )
        await client.close()
    assert reply.choices[0].message.content == "scripted: over the socket"


async def test_platform_errors_carry_the_platforms_message(live, tmp_path, platform_tokens):
    gateway = live.gateway(
        {}, platform=platform_settings(tmp_path), plugins=(ScriptedInferencePlugin(),)
    )
    expired = platform_tokens.mint("x", "r", time.time() - 1)
    async with Platform(gateway + "/platform", expired) as platform:
        try:
            await platform.search("anything")
        except Exception as exc:
            error = exc
    assert type(error).__name__ == "PlatformError" and error.status == 401
    assert "live platform token" in str(error)
    assert isinstance(error, Exception) and not isinstance(error, aiohttp.ClientError)
