"""One streamed chat exchange with the target, observed event by event.

The bench always streams (``stream_options.include_usage``), so that every task yields the
time to the first content, the gaps between content-bearing events and the usage the
gateway measured. Only events that carry something for the user count as content:
text (``content``, ``reasoning_content``) and tool calls; keep-alive comments (``: ping``),
empty deltas and structured events keep a connection alive, nothing more.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# Rough token count of streamed text: words and punctuation marks. The bench only compares
# competitors with each other, so an approximation shared by all of them is enough.
_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_ERROR_CHARS = 300
MAX_EVENT_BYTES = 64 * 1024 * 1024  # the gateway's largest answer (max_response_bytes)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


class ExchangeFailed(Exception):
    """The target did not produce a complete answer (HTTP error, in-band error, cut)."""


@dataclass
class Turn:
    """What one request to the target produced, and how it arrived."""

    content: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    ttft_s: float | None = None  # to the first content-bearing event
    total_s: float = 0.0
    max_gap_s: float = 0.0  # largest silence between content-bearing events
    content_events: int = 0
    text_events: int = 0  # events with content or reasoning text
    text_tokens: int = 0
    request_id: str | None = None  # the X-Request-Id the bench sent (meters are bound to it)

    @property
    def metered(self) -> dict[str, Any] | None:
        usage = self.usage or {}
        metered = usage.get("janus_metered")
        return metered if isinstance(metered, dict) else None


class _Observer:
    def __init__(self) -> None:
        self.turn = Turn()
        self.started = time.monotonic()
        self.last_content: float | None = None
        self.calls: dict[int, dict[str, Any]] = {}

    def content_event(self, now: float) -> None:
        turn = self.turn
        if self.last_content is None:
            turn.ttft_s = now - self.started
        else:
            turn.max_gap_s = max(turn.max_gap_s, now - self.last_content)
        self.last_content = now
        turn.content_events += 1

    def chunk(self, chunk: dict[str, Any], now: float) -> None:
        if isinstance(chunk.get("error"), dict):
            message = str(chunk["error"].get("message", "error"))[:MAX_ERROR_CHARS]
            raise ExchangeFailed(f"in-band error: {message}")
        if isinstance(chunk.get("usage"), dict):
            self.turn.usage = chunk["usage"]
        bearing = False
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text = ""
            for key, target in (("content", "content"), ("reasoning_content", "reasoning")):
                piece = delta.get(key)
                if isinstance(piece, str) and piece:
                    setattr(self.turn, target, getattr(self.turn, target) + piece)
                    text += piece
            if text:
                self.turn.text_events += 1
                self.turn.text_tokens += count_tokens(text)
                bearing = True
            for call in delta.get("tool_calls") or []:
                self._tool_call_delta(call)
                bearing = True
            # Structured ``janus`` events are metadata: they do not count as content, or a
            # stream of progress events could stand in for tokens that never come.
            event = delta.get("janus")
            if isinstance(event, dict) and event.get("event") == "artifact":
                if isinstance(event.get("payload"), dict):
                    self.turn.artifacts.append(event["payload"])
        if bearing:
            self.content_event(now)

    def _tool_call_delta(self, delta: dict[str, Any]) -> None:
        index = delta.get("index", len(self.calls))
        call = self.calls.setdefault(
            index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if delta.get("id"):
            call["id"] = delta["id"]
        function = delta.get("function") or {}
        if function.get("name"):
            call["function"]["name"] += function["name"]
        if function.get("arguments"):
            call["function"]["arguments"] += function["arguments"]

    def finish(self, now: float) -> Turn:
        self.turn.total_s = now - self.started
        self.turn.tool_calls = [self.calls[index] for index in sorted(self.calls)]
        for number, call in enumerate(self.turn.tool_calls):
            call["id"] = call["id"] or f"call_{number}"
        return self.turn


async def stream_chat(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str]
) -> Turn:
    """POST ``body`` (streaming) to ``url``; raise ``ExchangeFailed`` unless it completes."""
    body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    observer = _Observer()
    async with session.post(url, json=body, headers=headers) as response:
        if response.status != 200:
            raise ExchangeFailed(f"HTTP {response.status}: {await _error_message(response)}")
        data_lines: list[str] = []
        async for raw in _lines(response):
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if line.startswith("data:"):
                data_lines.append(line[5:].removeprefix(" "))
                continue
            if line or not data_lines:
                continue  # a comment (keep-alive), another field, or a stray blank line
            data, data_lines = "\n".join(data_lines), []
            now = time.monotonic()
            if data == "[DONE]":
                return observer.finish(now)
            try:
                chunk = json.loads(data)
            except json.JSONDecodeError:
                raise ExchangeFailed("the stream carried an event that is not JSON") from None
            if isinstance(chunk, dict):
                observer.chunk(chunk, now)
    raise ExchangeFailed("the stream ended without data: [DONE]")


async def _lines(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body's lines (without the newline), however long each is up to
    ``MAX_EVENT_BYTES``: a competitor may put a large image in one event."""
    buffer = bytearray()
    async for block in response.content.iter_any():
        buffer += block
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            yield bytes(buffer[start:end])
            start = end + 1
        del buffer[:start]
        if len(buffer) > MAX_EVENT_BYTES:
            raise ExchangeFailed(f"an event is larger than {MAX_EVENT_BYTES} bytes")
    if buffer:
        yield bytes(buffer)


async def _error_message(response: aiohttp.ClientResponse) -> str:
    text = await response.text(errors="replace")
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = text
    return str(message)[:MAX_ERROR_CHARS]
