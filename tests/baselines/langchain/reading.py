"""Reading the baseline's answers as a client sees them through the gateway."""

from __future__ import annotations

from typing import Any

from tests.gateway.sse_client import Received


def deltas(received: Received) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in received.chunks if c["choices"]]


def janus_events(received: Received) -> list[tuple[str, dict[str, Any]]]:
    return [(d["janus"]["event"], d["janus"]["payload"]) for d in deltas(received) if "janus" in d]


def reasoning(received: Received) -> str:
    return "".join(d.get("reasoning_content") or "" for d in deltas(received))


def usage(received: Received) -> dict[str, Any]:
    (chunk,) = [c for c in received.chunks if not c["choices"]]
    return chunk["usage"]


def ask(content: str, *, stream: bool = True, **extra: Any) -> dict[str, Any]:
    body = {"model": "lc", "stream": stream, "messages": [{"role": "user", "content": content}]}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return {**body, **extra}
