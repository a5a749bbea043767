"""One streamed chat exchange with the target, observed event by event.

The bench always streams (``stream_options.include_usage``), so that every task yields the
time to the first content, the gaps between content-bearing events and the usage the
gateway measured. Only events that carry something for the user count as content:
text (``content``, ``reasoning_content``) and tool calls; keep-alive comments (``: ping``),
empty deltas and structured events keep a connection alive, nothing more.

Timing is judged on *substantive* tokens only (``Substance``): a word or number whose
three-word context has not been streamed before on that channel. Whitespace, punctuation,
zero-token chunks and filler repeated while the answer is not ready (``"\n"`` every 0.4 s,
``"Thinking..."`` over and over) carry none, so they cannot buy a fast first token, short
gaps or a low tokens-per-event count; flow is measured by when tokens arrive, not how many
chunks carried them.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# Rough token count of streamed text: words and punctuation marks. The bench only compares
# competitors with each other, so an approximation shared by all of them is enough.
_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")
MAX_ERROR_CHARS = 300
MAX_EVENT_BYTES = 64 * 1024 * 1024  # the gateway's largest answer (max_response_bytes)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


# Token arrivals are kept in buckets of this many seconds: enough to judge flow against a
# reader's pace, and a long stream stays a short list in the result.
ARRIVAL_BUCKET_S = 0.1


class Substance:
    """Counts the substantive words of one channel (content, reasoning, tool arguments):
    a word counts when the trigram it ends (with the two words before it on the channel)
    is new. Real text rarely repeats a trigram; filler repeats one at once."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()
        self._last = ("", "")
        self._in_word = False  # the last piece ended inside a word

    def count(self, text: str) -> int:
        words = _WORD.findall(text.casefold())
        if words and self._in_word and _WORD.match(text):
            words = words[1:]  # the rest of a word split across chunks: counted already
        self._in_word = bool(text) and (text[-1].isalnum() or text[-1] == "_")
        new = 0
        for word in words:
            gram = (*self._last, word)
            self._last = (self._last[1], word)
            if gram not in self._seen:
                self._seen.add(gram)
                new += 1
        return new


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
    ttft_s: float | None = None  # to the first event with substantive tokens
    total_s: float = 0.0
    max_gap_s: float = 0.0  # largest silence between events with substantive tokens
    content_events: int = 0
    text_events: int = 0  # events with content or reasoning text
    text_tokens: int = 0
    request_id: str | None = None  # the X-Request-Id the bench sent (meters are bound to it)
    substantive_events: int = 0  # events that brought substantive tokens
    substantive_tokens: int = 0
    # [seconds since the request, substantive tokens] per ARRIVAL_BUCKET_S bucket
    arrivals: list[list[float]] = field(default_factory=list)

    @property
    def metered(self) -> dict[str, Any] | None:
        usage = self.usage or {}
        metered = usage.get("janus_metered")
        return metered if isinstance(metered, dict) else None


# Before the first real words of a turn, a piece of text (one event's delta on one
# channel) of at most FILLER_MAX_WORDS words that recurs at least FILLER_REPEATS times in
# the turn is filler ("Thinking...", "still working" every 0.4 s): its first occurrence
# must not buy the first token. Later, repeats are judged by ``Substance`` alone, so the
# "the"s and "ing"s of an honest token stream keep counting once it has started.
FILLER_REPEATS = 3
FILLER_MAX_WORDS = 3


def _piece_key(text: str) -> str:
    return " ".join(text.casefold().split())


class _Observer:
    def __init__(self) -> None:
        self.turn = Turn()
        self.started = time.monotonic()
        self.calls: dict[int, dict[str, Any]] = {}
        # (time, [(channel, text)]) per content-bearing event, judged when the turn ends
        self.events: list[tuple[float, list[tuple[str, str]]]] = []

    def content_event(self, now: float, pieces: list[tuple[str, str]]) -> None:
        self.turn.content_events += 1
        self.events.append((now, pieces))

    def _judge_substance(self) -> None:
        """TTFT, gaps and arrivals from the words that are not filler: leading repeated
        pieces are dropped, then every piece counts its new words (``Substance``)."""
        turn = self.turn
        occurrences = Counter(_piece_key(text) for _, pieces in self.events for _, text in pieces)
        filler = {
            key
            for key, seen in occurrences.items()
            if seen >= FILLER_REPEATS and len(_WORD.findall(key)) <= FILLER_MAX_WORDS
        }
        channels: dict[str, Substance] = {}
        last: float | None = None
        started = False  # a word-bearing piece that is not filler has come
        for now, pieces in self.events:
            words = 0
            for channel, text in pieces:
                key = _piece_key(text)
                if not started and key in filler:
                    continue
                started = started or bool(_WORD.search(key))
                words += channels.setdefault(channel, Substance()).count(text)
            if not words:
                continue
            if last is None:
                turn.ttft_s = now - self.started
            else:
                turn.max_gap_s = max(turn.max_gap_s, now - last)
            last = now
            turn.substantive_events += 1
            turn.substantive_tokens += words
            at = round((now - self.started) // ARRIVAL_BUCKET_S * ARRIVAL_BUCKET_S, 3)
            if turn.arrivals and turn.arrivals[-1][0] == at:
                turn.arrivals[-1][1] += words
            else:
                turn.arrivals.append([at, words])

    def chunk(self, chunk: dict[str, Any], now: float) -> None:
        if isinstance(chunk.get("error"), dict):
            message = str(chunk["error"].get("message", "error"))[:MAX_ERROR_CHARS]
            raise ExchangeFailed(f"in-band error: {message}")
        if isinstance(chunk.get("usage"), dict):
            self.turn.usage = chunk["usage"]
        bearing = False
        pieces: list[tuple[str, str]] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text = ""
            for key, target in (("content", "content"), ("reasoning_content", "reasoning")):
                piece = delta.get(key)
                if isinstance(piece, str) and piece:
                    setattr(self.turn, target, getattr(self.turn, target) + piece)
                    text += piece
                    pieces.append((target, piece))
            if text:
                self.turn.text_events += 1
                self.turn.text_tokens += count_tokens(text)
                bearing = True
            for call in delta.get("tool_calls") or []:
                pieces.append(("tool", self._tool_call_delta(call)))
                bearing = True
            # Structured ``janus`` events are metadata: they do not count as content, or a
            # stream of progress events could stand in for tokens that never come.
            event = delta.get("janus")
            if isinstance(event, dict) and event.get("event") == "artifact":
                if isinstance(event.get("payload"), dict):
                    self.turn.artifacts.append(event["payload"])
        if bearing:
            self.content_event(now, pieces)

    def _tool_call_delta(self, delta: dict[str, Any]) -> str:
        """Add the fragment to its call; return its text (name and arguments)."""
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
        return f"{function.get('name') or ''} {function.get('arguments') or ''}".strip()

    def finish(self, now: float) -> Turn:
        self.turn.total_s = now - self.started
        self._judge_substance()
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
