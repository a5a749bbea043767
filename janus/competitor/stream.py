"""Writing a competitor's streamed answer: chunks, events, keep-alives, errors.

The gateway judges streams on real token flow and cuts competitors that fall silent, so
``ChunkStream`` writes ``: ping`` whenever nothing was written for ``keepalive_s`` — also
while a long tool runs — and always ends with ``data: [DONE]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

from aiohttp import web

from janus.sse import DONE, PING, SSE_HEADERS, data_event


class ChunkStream:
    """One streamed answer. Use as ``async with ChunkStream(request, model) as out:``."""

    def __init__(self, request: web.Request, model: str, keepalive_s: float = 1.0) -> None:
        self.request = request
        self.model = model
        self.keepalive_s = keepalive_s
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.response = web.StreamResponse(headers=SSE_HEADERS)
        self._lock = asyncio.Lock()
        self._last_write = time.monotonic()
        self._keepalive: asyncio.Task | None = None
        self._done = False

    async def __aenter__(self) -> ChunkStream:
        await self.response.prepare(self.request)
        self._keepalive = asyncio.get_running_loop().create_task(self._keep_alive())
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        if not self._done and exc_type is None:
            await self.done()

    # What a competitor says ----------------------------------------------------------

    async def delta(self, finish_reason: str | None = None, **delta: Any) -> None:
        await self.chunk([{"index": 0, "delta": delta, "finish_reason": finish_reason}])

    async def role(self) -> None:
        await self.delta(role="assistant")

    async def content(self, text: str) -> None:
        if text:
            await self.delta(content=text)

    async def reasoning(self, text: str) -> None:
        if text:
            await self.delta(reasoning_content=text)

    async def event(self, name: str, reasoning: str | None = None, /, **payload: Any) -> None:
        """A structured ``janus`` event (``tool_start``, ``artifact``...), optionally with a
        human-readable line of ``reasoning_content`` beside it. ``name`` and ``reasoning``
        are positional only, so the payload may have keys of those names too."""
        delta: dict[str, Any] = {"janus": {"event": name, "payload": payload}}
        if reasoning:
            delta["reasoning_content"] = reasoning
        await self.delta(**delta)

    async def tool_calls(self, calls: list[dict[str, Any]]) -> None:
        """Client tool calls in OpenAI's streamed form (indexed deltas)."""
        for index, call in enumerate(calls):
            await self.delta(tool_calls=[{"index": index, **call}])

    async def finish(self, reason: str = "stop") -> None:
        await self.delta(finish_reason=reason)

    async def usage(self, usage: dict[str, Any]) -> None:
        await self.chunk([], usage=usage)

    async def error(self, message: str, code: str = "competitor_error") -> None:
        """A failure after the stream started: in-band, then ``[DONE]``."""
        body = {"message": message, "type": "server_error", "param": None, "code": code}
        await self._write(data_event({"error": body}))
        await self.done()

    async def done(self) -> None:
        if not self._done:
            self._done = True
            await self._write(DONE)

    # Mechanics -----------------------------------------------------------------------

    async def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> None:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            **extra,
        }
        await self._write(data_event(body))

    async def _write(self, data: bytes) -> None:
        async with self._lock:
            await self.response.write(data)
            self._last_write = time.monotonic()

    async def _keep_alive(self) -> None:
        while True:
            idle = time.monotonic() - self._last_write
            if idle < self.keepalive_s:
                await asyncio.sleep(self.keepalive_s - idle)
                continue
            await self._write(PING)


def completion(
    model: str, message: dict[str, Any], usage: dict[str, Any], finish_reason: str = "stop"
) -> dict[str, Any]:
    """A non-stream ``chat.completion``."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage,
    }
