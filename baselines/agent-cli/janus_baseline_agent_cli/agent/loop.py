"""The agent loop: ask the model, run the tools it calls, until it answers or a budget ends.

Budgets are what keep a run honest: ``max_steps`` model turns and ``time_budget_s`` of
wall time (each tool gets at most what is left). When the steps run out the model gets
one last turn without tools to answer from what it has; when the time runs out there is
no time for that, and the answer says so.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from string import Template
from typing import Any

from . import __version__
from .events import clip, emit
from .platform_client import PlatformClient, PlatformError
from .tools import Toolbox

FINISH = "finish"
WRAP_UP = (
    "You have used all your steps. Do not call tools any more: reply now with your final "
    "answer, based on what you have done so far."
)


@dataclass(frozen=True)
class Pack:
    """What the agent pack configures: the prompt, the tool definitions, model settings."""

    system_prompt: str
    tools: list[dict[str, Any]]
    settings: dict[str, Any]

    def prompt(self, max_steps: int, time_budget_s: float) -> str:
        return Template(self.system_prompt).safe_substitute(
            max_steps=max_steps, time_budget_s=f"{time_budget_s:.0f}"
        )


@dataclass
class Budget:
    max_steps: int
    time_budget_s: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.time_budget_s - (time.monotonic() - self.started)


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, reported: dict[str, Any] | None) -> None:
        if reported:
            self.prompt_tokens += int(reported.get("prompt_tokens") or 0)
            self.completion_tokens += int(reported.get("completion_tokens") or 0)


class Agent:
    def __init__(
        self, client: PlatformClient, pack: Pack, toolbox: Toolbox, model: str, budget: Budget
    ) -> None:
        self.client = client
        self.pack = pack
        self.toolbox = toolbox
        self.model = model
        self.budget = budget
        self.usage = Usage()
        self.steps = 0  # model turns with tools taken so far

    def run(self, conversation: list[dict[str, Any]]) -> int:
        """Work on the conversation; emit the answer and ``agent_end``. Exit status 0/1."""
        budget = self.budget
        emit(
            "agent_start",
            agent="janus-agent",
            version=__version__,
            model=self.model,
            max_steps=budget.max_steps,
            time_budget_s=round(budget.time_budget_s, 1),
        )
        prompt = self.pack.prompt(budget.max_steps, budget.time_budget_s)
        messages = [{"role": "system", "content": prompt}, *conversation]
        try:
            answer, reason = self._loop(messages)
        except PlatformError as exc:
            emit("agent_error", message=str(exc))
            emit("agent_end", reason="error", steps=self.steps, usage=self._usage())
            return 1
        emit("answer", text=answer)
        emit("agent_end", reason=reason, steps=self.steps, usage=self._usage())
        return 0

    def _loop(self, messages: list[dict[str, Any]]) -> tuple[str, str]:
        """(answer, why the loop ended)."""
        budget = self.budget
        for step in range(1, budget.max_steps + 1):
            if budget.remaining() <= 0:
                return self._out_of_time(), "time_budget"
            self.steps = step
            message = self._ask(messages, with_tools=True)
            calls = message.get("tool_calls") or []
            text = message.get("content") or ""
            if not calls:
                return text, "answered"
            if text:
                emit("thinking", step=step, text=text)
            messages.append({"role": "assistant", "content": text or None, "tool_calls": calls})
            for call in calls:
                name, arguments, problem = _parse(call)
                if name == FINISH and problem is None:
                    return str(arguments.get("answer") or text), "finished"
                output = problem or self._use_tool(step, call.get("id", ""), name, arguments)
                messages.append({"role": "tool", "tool_call_id": call.get("id"), "content": output})
        if budget.remaining() <= 0:
            return self._out_of_time(), "time_budget"
        messages.append({"role": "user", "content": WRAP_UP})
        return self._ask(messages, with_tools=False).get("content") or "", "step_budget"

    def _ask(self, messages: list[dict[str, Any]], with_tools: bool) -> dict[str, Any]:
        settings = self.pack.settings
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": settings.get("temperature", 0.2),
            "max_tokens": settings.get("max_tokens", 2048),
        }
        if with_tools:
            body["tools"] = self.pack.tools
            body["tool_choice"] = "auto"
        reply = self.client.chat(body, timeout=max(self.budget.remaining(), 1.0))
        self.usage.add(reply.get("usage"))
        try:
            return reply["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise PlatformError("the model's reply has no message") from None

    def _use_tool(self, step: int, call_id: str, name: str, arguments: dict[str, Any]) -> str:
        emit(
            "tool_start",
            step=step,
            call_id=call_id,
            tool=name,
            arguments={k: clip(v) if isinstance(v, str) else v for k, v in arguments.items()},
        )
        started = time.monotonic()
        timeout = min(float(self.pack.settings.get("tool_timeout_s", 120)), self.budget.remaining())
        result = self.toolbox.run(name, arguments, timeout)
        emit(
            "tool_end",
            step=step,
            call_id=call_id,
            tool=name,
            ok=result.ok,
            exit_code=result.exit_code,
            seconds=round(time.monotonic() - started, 3),
            output=clip(result.output),
        )
        return result.output

    def _out_of_time(self) -> str:
        return (
            f"I ran out of my time budget ({self.budget.time_budget_s:.0f} s) before "
            "finishing. Whatever I produced so far is in the artifacts."
        )

    def _usage(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
        }


def _parse(call: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """(tool name, arguments, problem): a problem is what the model is told instead."""
    function = call.get("function") or {}
    name = str(function.get("name") or "")
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except ValueError as exc:
        return name, {}, f"error: the arguments are not valid JSON ({exc}); call the tool again"
    if not isinstance(arguments, dict):
        return name, {}, "error: the arguments must be a JSON object; call the tool again"
    return name, arguments, None
