"""The agent's JSON lines, as the client sees them.

Each line the agent prints is one event (``janus_agent.events``). Most become a ``janus``
event of the same name, with a human-readable line of ``reasoning_content`` beside it;
``thinking`` is reasoning only; ``answer`` is kept for the final ``content``; ``artifact``
lines become artifact descriptors pointing at the platform's sandbox artifact URL, which
the gateway re-hosts. Lines that are not JSON events — another CLI agent's plain output —
are shown as reasoning.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from janus_baseline_agent_cli.answer import Answer, Usage, announce

MAX_LINE_CHARS = 1_000_000
SUMMARY_CHARS = 160


class LineSplitter:
    """Output arrives in arbitrary pieces; events are whole lines."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        *lines, self._buffer = (self._buffer + text).split("\n")
        if len(self._buffer) > MAX_LINE_CHARS:  # no newline in sight: do not hoard it
            lines.append(self._buffer)
            self._buffer = ""
        return lines

    def close(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        return [rest] if rest else []


@dataclass
class AgentReport:
    """What the run left for the final answer."""

    answer: str | None = None
    error: str | None = None
    artifacts: list[dict[str, Any]] = field(default_factory=list)


class AgentEvents:
    def __init__(self, answer: Answer, usage: Usage, artifact_url: Callable[[str], str]) -> None:
        self.answer = answer
        self.usage = usage
        self.artifact_url = artifact_url
        self.report = AgentReport()
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "agent_start": self._agent_start,
            "thinking": self._thinking,
            "tool_start": self._tool_start,
            "tool_end": self._tool_end,
            "artifact": self._artifact,
            "answer": self._answer,
            "agent_error": self._agent_error,
            "agent_end": self._agent_end,
        }

    async def line(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        event = _parse(text)
        if event is None:
            await self.answer.reasoning(text + "\n")
            return
        name = event.pop("event")
        handler = self._handlers.get(name)
        if handler is None:
            await announce(self.answer, name, event, "")
        else:
            await handler(event)

    async def _agent_start(self, event: dict[str, Any]) -> None:
        line = (
            f"Agent {event.get('agent')} {event.get('version')} started: model "
            f"{event.get('model')}, at most {event.get('max_steps')} steps and "
            f"{event.get('time_budget_s')} s.\n"
        )
        await announce(self.answer, "agent_start", event, line)

    async def _thinking(self, event: dict[str, Any]) -> None:
        await self.answer.reasoning(f"{event.get('text', '')}\n")

    async def _tool_start(self, event: dict[str, Any]) -> None:
        summary = _summary(event.get("arguments"))
        line = f"[step {event.get('step')}] {event.get('tool')}: {summary}\n"
        await announce(self.answer, "tool_start", event, line)

    async def _tool_end(self, event: dict[str, Any]) -> None:
        outcome = "succeeded" if event.get("ok") else "failed"
        code = event.get("exit_code")
        exit_note = f" (exit code {code})" if code is not None else ""
        seconds = float(event.get("seconds") or 0)
        line = f"[step {event.get('step')}] {event.get('tool')} {outcome} in {seconds:.1f} s"
        line += f"{exit_note}\n"
        await announce(self.answer, "tool_end", event, line)

    async def _artifact(self, event: dict[str, Any]) -> None:
        path = event.get("path")
        if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
            await self.answer.reasoning(f"Ignored an artifact with an unusable path: {path!r}\n")
            return
        mime_type = str(event.get("mime_type") or "application/octet-stream")
        descriptor = {
            "id": uuid.uuid4().hex[:16],
            "type": "image" if mime_type.startswith("image/") else "file",
            "mime_type": mime_type,
            "display_name": path.rsplit("/", 1)[-1],
            "size_bytes": int(event.get("size_bytes") or 0),
            "sha256": str(event.get("sha256") or ""),
            "created_at": int(time.time()),
            "url": self.artifact_url(path),
        }
        self.report.artifacts.append(descriptor)
        line = f"Artifact: {path} ({descriptor['size_bytes']} bytes)\n"
        await announce(self.answer, "artifact", descriptor, line)

    async def _answer(self, event: dict[str, Any]) -> None:
        self.report.answer = str(event.get("text") or "")

    async def _agent_error(self, event: dict[str, Any]) -> None:
        self.report.error = str(event.get("message") or "unknown error")
        await announce(self.answer, "agent_error", event, f"Agent error: {self.report.error}\n")

    async def _agent_end(self, event: dict[str, Any]) -> None:
        usage = event.get("usage")
        self.usage.add(usage if isinstance(usage, dict) else None)
        line = f"Agent finished after {event.get('steps')} steps ({event.get('reason')}).\n"
        await announce(self.answer, "agent_end", event, line)


def _parse(text: str) -> dict[str, Any] | None:
    """A JSON event line, or None for anything else."""
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return None
    return event


def _summary(arguments: Any) -> str:
    """A tool call on one line: the value of a single argument, else ``name=value``s."""
    if isinstance(arguments, dict) and len(arguments) == 1:
        text = str(next(iter(arguments.values())))
    elif isinstance(arguments, dict):
        text = ", ".join(f"{name}={value}" for name, value in arguments.items())
    else:
        text = str(arguments or "")
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1] + "…"
