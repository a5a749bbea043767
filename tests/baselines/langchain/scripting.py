"""Scripting the model turns the baseline's agent sees, on the scripted inference backend.

A script is a list of replies; which one answers depends on how many tool results are
already in the conversation, so turn N is the model's answer after N tool calls. A reply
may be a function of the request (to echo what a tool returned).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from tests.platform.scripted_inference import ScriptedInference

Reply = str | dict[str, Any] | Callable[[dict[str, Any]], str | dict[str, Any]]


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    """An assistant message that calls ``tool`` once."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{uuid.uuid4().hex[:8]}",
                "type": "function",
                "function": {"name": tool, "arguments": json.dumps(arguments)},
            }
        ],
    }


def tool_results(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def script(monkeypatch, *replies: Reply) -> None:
    def respond(request: dict[str, Any]) -> str | dict[str, Any]:
        reply = replies[min(len(tool_results(request)), len(replies) - 1)]
        return reply(request) if callable(reply) else reply

    monkeypatch.setattr(ScriptedInference, "respond", staticmethod(respond))


def model_requests() -> list[dict[str, Any]]:
    return ScriptedInference.requests
