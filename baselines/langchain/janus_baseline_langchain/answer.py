"""Where an answer goes: a chunk stream, or one ``chat.completion`` at the end.

The agent and the client-tools path say what happens (text, reasoning, events, tool-call
deltas, usage) to an ``Answer`` and never care whether the client asked for a stream, so
both modes share every line of the logic that decides what to say.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from janus.competitor.stream import ChunkStream, completion


class Answer(ABC):
    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.sandbox_seconds: float | None = None

    @abstractmethod
    async def content(self, text: str) -> None:
        """Text of the final answer."""

    @abstractmethod
    async def reasoning(self, text: str) -> None:
        """Intermediate steps, for people watching; not part of the answer."""

    @abstractmethod
    async def event(self, name: str, reasoning: str | None = None, /, **payload: Any) -> None:
        """A structured ``janus`` event, optionally with a line of reasoning beside it."""

    @abstractmethod
    async def artifact(self, descriptor: dict[str, Any], reasoning: str) -> None:
        """A file for the user: an ``artifact`` event, and listed in the message."""

    @abstractmethod
    async def tool_call(self, delta: dict[str, Any]) -> None:
        """An OpenAI tool-call delta (``index``, and ``id``/``function`` parts) for the
        client to execute."""

    @abstractmethod
    async def finish(self, reason: str) -> None:
        """The end of the answer (usage included)."""

    def add_usage(self, usage: Mapping[str, Any] | None) -> None:
        """Add one model call's LangChain ``usage_metadata``."""
        if usage:
            self.prompt_tokens += int(usage.get("input_tokens") or 0)
            self.completion_tokens += int(usage.get("output_tokens") or 0)

    def usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.sandbox_seconds is not None:
            usage["sandbox_seconds"] = round(self.sandbox_seconds, 3)
        return usage


class StreamedAnswer(Answer):
    """Chunks as things happen; the kit's ``ChunkStream`` keeps the connection alive."""

    def __init__(self, out: ChunkStream, include_usage: bool) -> None:
        super().__init__()
        self.out = out
        self.include_usage = include_usage

    async def content(self, text: str) -> None:
        await self.out.content(text)

    async def reasoning(self, text: str) -> None:
        await self.out.reasoning(text)

    async def event(self, name: str, reasoning: str | None = None, **payload: Any) -> None:
        await self.out.event(name, reasoning, **payload)

    async def artifact(self, descriptor: dict[str, Any], reasoning: str) -> None:
        await self.out.event("artifact", reasoning, **descriptor)

    async def tool_call(self, delta: dict[str, Any]) -> None:
        await self.out.delta(tool_calls=[delta])

    async def finish(self, reason: str) -> None:
        await self.out.finish(reason)
        if self.include_usage:
            await self.out.usage(self.usage())


class CollectedAnswer(Answer):
    """Everything gathered into one message; ``janus`` events have no place there except
    artifacts, which the message lists."""

    def __init__(self) -> None:
        super().__init__()
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._artifacts: list[dict[str, Any]] = []
        self._tool_calls: dict[int, dict[str, Any]] = {}
        self._finish_reason = "stop"

    async def content(self, text: str) -> None:
        self._content.append(text)

    async def reasoning(self, text: str) -> None:
        self._reasoning.append(text)

    async def event(self, name: str, reasoning: str | None = None, **payload: Any) -> None:
        if reasoning:
            self._reasoning.append(reasoning)

    async def artifact(self, descriptor: dict[str, Any], reasoning: str) -> None:
        self._reasoning.append(reasoning)
        self._artifacts.append(descriptor)

    async def tool_call(self, delta: dict[str, Any]) -> None:
        call = self._tool_calls.setdefault(
            delta["index"],
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = delta.get("id") or call["id"]
        function = delta.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""

    async def finish(self, reason: str) -> None:
        self._finish_reason = reason

    def completion(self, model: str) -> dict[str, Any]:
        message: dict[str, Any] = {"content": "".join(self._content) or None}
        if self._reasoning:
            message["reasoning_content"] = "".join(self._reasoning)
        if self._tool_calls:
            message["tool_calls"] = [self._tool_calls[i] for i in sorted(self._tool_calls)]
        elif message["content"] is None:
            message["content"] = ""
        if self._artifacts:
            message["artifacts"] = self._artifacts
        return completion(model, message, self.usage(), self._finish_reason)
