"""Where an answer goes: a live stream, or one ``chat.completion`` at the end.

Both paths write through the same small interface, so they need not care whether the
client streams. The kit's ``ChunkStream`` already is that interface for streams;
``CollectedAnswer`` is its non-stream twin, assembling what would have been streamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from janus.competitor.stream import completion


class Answer(Protocol):
    async def role(self) -> None: ...
    async def delta(self, finish_reason: str | None = None, **delta: Any) -> None: ...
    async def content(self, text: str) -> None: ...
    async def reasoning(self, text: str) -> None: ...
    async def event(self, name: str, reasoning: str | None = None, **payload: Any) -> None: ...
    async def finish(self, reason: str = "stop") -> None: ...
    async def usage(self, usage: dict[str, Any]) -> None: ...
    async def error(self, message: str, code: str = "competitor_error") -> None: ...


async def announce(answer: Answer, name: str, payload: dict[str, Any], reasoning: str) -> None:
    """A ``janus`` event whose payload may hold any keys (``Answer.event`` takes them as
    keyword arguments, where ``name`` or ``reasoning`` would collide)."""
    delta: dict[str, Any] = {"janus": {"event": name, "payload": payload}}
    if reasoning:
        delta["reasoning_content"] = reasoning
    await answer.delta(**delta)


@dataclass
class Usage:
    """What this answer cost, as the baseline measured it (the platform meters too)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    sandbox_seconds: float = 0.0

    def add(self, reported: dict[str, Any] | None) -> None:
        if reported:
            self.prompt_tokens += int(reported.get("prompt_tokens") or 0)
            self.completion_tokens += int(reported.get("completion_tokens") or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "sandbox_seconds": round(self.sandbox_seconds, 3),
        }


class CollectedAnswer:
    """Accumulates the streamed form into one message (tool-call fragments merged)."""

    def __init__(self) -> None:
        self.content_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.artifacts: list[dict[str, Any]] = []
        self.finish_reason = "stop"
        self.reported_usage: dict[str, Any] = {}
        self.failure: tuple[str, str] | None = None

    async def delta(self, finish_reason: str | None = None, **delta: Any) -> None:
        if text := delta.get("content"):
            self.content_parts.append(text)
        if text := delta.get("reasoning_content"):
            self.reasoning_parts.append(text)
        for fragment in delta.get("tool_calls") or []:
            self._merge_tool_call(fragment)
        event = delta.get("janus") or {}
        if event.get("event") == "artifact":
            self.artifacts.append(event.get("payload") or {})
        if finish_reason:
            self.finish_reason = finish_reason

    async def role(self) -> None:
        pass

    async def content(self, text: str) -> None:
        await self.delta(content=text)

    async def reasoning(self, text: str) -> None:
        await self.delta(reasoning_content=text)

    async def event(self, name: str, reasoning: str | None = None, **payload: Any) -> None:
        await announce(self, name, payload, reasoning or "")

    async def finish(self, reason: str = "stop") -> None:
        self.finish_reason = reason

    async def usage(self, usage: dict[str, Any]) -> None:
        self.reported_usage = usage

    async def error(self, message: str, code: str = "competitor_error") -> None:
        self.failure = (message, code)

    def _merge_tool_call(self, fragment: dict[str, Any]) -> None:
        call = self.tool_calls.setdefault(
            int(fragment.get("index", len(self.tool_calls))),
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = fragment.get("id") or call["id"]
        function = fragment.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""

    def response(self, model: str) -> web.Response:
        if self.failure is not None:
            text, code = self.failure
            error = {"message": text, "type": "server_error", "param": None, "code": code}
            return web.json_response({"error": error}, status=502)
        message: dict[str, Any] = {"content": "".join(self.content_parts) or None}
        if self.reasoning_parts:
            message["reasoning_content"] = "".join(self.reasoning_parts)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[index] for index in sorted(self.tool_calls)]
        if self.artifacts:
            message["artifacts"] = self.artifacts
        return web.json_response(
            completion(model, message, self.reported_usage, self.finish_reason)
        )
