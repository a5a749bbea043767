"""Server-sent events: an incremental parser for upstream streams and the bytes we emit.

The parser follows the SSE spec where it matters for relaying: lines end in CRLF, LF or CR;
``data:`` lines of one event are joined with newlines; ``event:`` names the event; lines
starting with ``:`` are comments (keep-alives); a blank line dispatches the event.
It is fed whatever the socket delivers, so events may arrive split or batched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Response headers of every SSE answer Janus writes (gateway, platform, competitor kit);
# X-Accel-Buffering stops nginx-style proxies from holding chunks back.
SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}
PING = b": ping\n\n"
DONE = b"data: [DONE]\n\n"
DONE_MARKER = b"[DONE]"

_LINE_END = re.compile(rb"\r\n|\r|\n")


class SSEError(Exception):
    """The upstream byte stream is not a usable SSE stream."""


@dataclass(slots=True)
class Event:
    data: bytes
    event: str | None = None

    def encode(self) -> bytes:
        """Re-emit as one ``data:`` line; multi-line data (pretty JSON) is compacted first."""
        if b"\n" in self.data:
            return data_event(json.loads(self.data))
        return b"data: " + self.data + b"\n\n"


def data_event(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


class SSEParser:
    """Turns a byte stream into ``Event``s, refusing any event larger than ``max_event_bytes``."""

    __slots__ = ("_buffer", "_data", "_data_size", "_event", "comments", "max_event_bytes")

    def __init__(self, max_event_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_event_bytes = max_event_bytes
        self._buffer = bytearray()
        self._data: list[bytes] = []
        self._data_size = 0
        self._event: str | None = None
        self.comments = 0

    def feed(self, chunk: bytes) -> Iterator[Event]:
        """Yield the events completed by ``chunk``, one at a time.

        Lazily, so that events before an oversized one are still delivered before the
        ``SSEError``, in order, exactly as if they had arrived in separate reads.
        """
        self._buffer += chunk
        buffer = self._buffer
        # Nearly every stream ends lines with a bare LF; a plain find() is ~8x cheaper than
        # the regex that also handles CR and CRLF.
        bare_lf = b"\r" not in buffer
        position = 0
        try:
            while True:
                if bare_lf:
                    start = buffer.find(b"\n", position)
                    if start < 0:
                        break
                    end = start + 1
                else:
                    match = _LINE_END.search(buffer, position)
                    if match is None or (match.end() == len(buffer) and buffer[-1:] == b"\r"):
                        break  # a CR at the very end may be the first half of CRLF
                    start, end = match.span()
                line = bytes(buffer[position:start])
                position = end
                event = self._line(line)
                if event is not None:
                    yield event
        finally:
            del buffer[:position]
        if len(buffer) + self._data_size > self.max_event_bytes:
            raise SSEError(f"an event is larger than {self.max_event_bytes} bytes")

    def _line(self, line: bytes) -> Event | None:
        if not line:
            event = Event(b"\n".join(self._data), self._event) if self._data else None
            self._data, self._data_size, self._event = [], 0, None
            return event
        if line[:1] == b":":
            self.comments += 1
            return None
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self.max_event_bytes:
                raise SSEError(f"an event is larger than {self.max_event_bytes} bytes")
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        return None

    @property
    def pending(self) -> bool:
        """True when an event was started but never terminated by a blank line."""
        return bool(self._data or self._buffer.strip())
