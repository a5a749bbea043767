"""Test doubles for the browser tests: competitor scripts that wait for the test.

A ``Gate`` lets a script hold its stream open until the test has seen what the browser
rendered so far, so "the answer renders incrementally" is checked by what the page shows,
never by timing.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from tests.live import LiveServers
from tests.scripted_competitor import Script, chunk


class Gate:
    """An event created on the live servers' loop and opened from the test's thread."""

    def __init__(self, live: LiveServers) -> None:
        self._live = live
        self._event: asyncio.Event = live.call(self._make())

    @staticmethod
    async def _make() -> asyncio.Event:
        return asyncio.Event()

    def open(self) -> None:
        self._live.loop.call_soon_threadsafe(self._event.set)

    async def wait(self) -> None:
        await self._event.wait()


def gated_sse(*steps: bytes | Gate) -> Script:
    """Write each bytes step; at a ``Gate``, wait until the test opens it."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for step in steps:
            if isinstance(step, Gate):
                await step.wait()
            else:
                await response.write(step)
        return response

    return script


def event(name: str, payload: dict) -> bytes:
    """A chunk carrying one ``delta.janus`` event."""
    delta = {"janus": {"event": name, "payload": payload}}
    return chunk(choices=[{"index": 0, "delta": delta, "finish_reason": None}])


def in_band_error(message: str) -> bytes:
    body = {"error": {"message": message, "type": "server_error"}}
    return b"data: " + json.dumps(body).encode() + b"\n\n"
