"""Test double: a competitor whose answers each test scripts byte by byte.

It is a real aiohttp server on a real socket, so the gateway under test talks to it exactly
as it would to a miner's container.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

Script = Callable[[web.Request, dict], Awaitable[web.StreamResponse]]
FOREVER = float("inf")


def chunk(
    content: str | None = None,
    *,
    reasoning: str | None = None,
    role: str | None = None,
    finish: str | None = None,
    choices: list | None = None,
    usage: dict | None = None,
    **extra: Any,
) -> bytes:
    """One ``chat.completion.chunk`` as an SSE event."""
    delta = {
        k: v
        for k, v in (("role", role), ("content", content), ("reasoning_content", reasoning))
        if v is not None
    }
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "scripted",
        "choices": choices
        if choices is not None
        else [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    if usage is not None:
        body["usage"] = usage
    return b"data: " + json.dumps(body).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def completion(content: str, **extra: Any) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1,
        "model": "scripted",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        **{"usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}, **extra},
    }


def sse(*steps: bytes | float) -> Script:
    """Write each bytes step as it is; a number sleeps that long (``FOREVER`` never ends)."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for step in steps:
            if isinstance(step, bytes):
                await response.write(step)
            elif step == FOREVER:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(step)
        return response

    return script


def cut_after(*steps: bytes | float) -> Script:
    """Send the steps, then drop the connection without ending the HTTP response."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        response = await sse(*steps)(request, body)
        request.transport.close()
        return response

    return script


def answer(payload: Any, status: int = 200) -> Script:
    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        return web.json_response(payload, status=status)

    return script


def echo_stream() -> Script:
    """Stream the received request body back as the content of one chunk."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        return await sse(chunk(json.dumps(body)), DONE)(request, body)

    return script


class ScriptedCompetitor:
    """Serves ``script`` for every chat request and records what it saw.

    ``health_status`` is what ``GET /health`` answers (200 unless a test wants a sick one).
    """

    def __init__(self, script: Script, *, health_status: int = 200) -> None:
        self.script = script
        self.health_status = health_status
        self.requests: list[dict] = []
        self.headers: list[CIMultiDict[str]] = []
        self.disconnected = threading.Event()
        self.disconnected_at: float | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/health", self._health)
        return app

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(request.headers.copy())
        try:
            return await self.script(request, body)
        except (asyncio.CancelledError, ConnectionError):
            self.disconnected_at = time.monotonic()
            self.disconnected.set()
            raise

    async def _health(self, request: web.Request) -> web.Response:
        ok = self.health_status == 200
        return web.json_response({"status": "ok" if ok else "sick"}, status=self.health_status)


SELF_REPORTED_USAGE = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}


async def ask_platform(request: web.Request, prompt: str) -> str:
    """The platform model's answer to ``prompt``, asked with the request's platform token
    the way a real competitor must (so the gateway meters it against this request)."""
    token = request.headers["X-Janus-Platform-Token"]
    platform = request.headers["X-Janus-Platform-Url"]
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.post(
            platform + "/v1/chat/completions",
            json={"model": "any", "messages": [{"role": "user", "content": prompt}]},
        ) as reply,
    ):
        assert reply.status == 200, await reply.text()
        return (await reply.json())["choices"][0]["message"]["content"]


def via_platform(prompt: str = "hello platform") -> Script:
    """Answer by asking the platform's inference, the way a real competitor must; report
    deliberately wrong usage of its own."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        text = await ask_platform(request, prompt)
        if body.get("stream"):
            return await sse(chunk(text), chunk(choices=[], usage=SELF_REPORTED_USAGE), DONE)(
                request, body
            )
        return web.json_response(completion(text, usage=SELF_REPORTED_USAGE))

    return script
