"""Reading the gateway's SSE answer the way a strict client would, with arrival times."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import aiohttp
from multidict import CIMultiDict

from janus.sse import SSEParser


@dataclass
class Received:
    status: int
    headers: CIMultiDict[str]
    events: list[dict | str] = field(default_factory=list)  # JSON objects, or "[DONE]"
    event_times: list[float] = field(default_factory=list)
    pings: list[float] = field(default_factory=list)  # arrival times of ": ping"
    raw: bytes = b""

    @property
    def chunks(self) -> list[dict]:
        return [e for e in self.events if isinstance(e, dict) and "error" not in e]

    @property
    def errors(self) -> list[dict]:
        return [e["error"] for e in self.events if isinstance(e, dict) and "error" in e]

    @property
    def content(self) -> str:
        return "".join(
            c["choices"][0]["delta"].get("content") or "" for c in self.chunks if c["choices"]
        )

    @property
    def done(self) -> bool:
        return bool(self.events) and self.events[-1] == "[DONE]"


async def stream_chat(url: str, body: dict, **request_kwargs) -> Received:
    """POST a chat request and read the whole answer, noting when each event arrived."""
    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/chat/completions", json=body, **request_kwargs) as response,
    ):
        received = Received(response.status, response.headers.copy())
        parser = SSEParser()
        async for data in response.content.iter_any():
            now = time.monotonic() - started
            received.raw += data
            before = parser.comments
            for event in parser.feed(data):
                received.events.append(
                    "[DONE]" if event.data == b"[DONE]" else json.loads(event.data)
                )
                received.event_times.append(now)
            received.pings.extend([now] * (parser.comments - before))
        return received


def chat_body(model: str = "janus", *, stream: bool = True, **extra) -> dict:
    return {
        "model": model,
        "stream": stream,
        "messages": [{"role": "user", "content": "Hi"}],
        **extra,
    }
