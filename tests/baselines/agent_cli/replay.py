"""Test double: model turns replayed in order by the scripted inference backend.

``Replay(turn, turn, ...)`` is installed as ``ScriptedInference.respond``; each platform
inference request gets the next turn (text, or an assistant message with tool calls),
whoever asks — the baseline itself or the agent inside a sandbox.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.platform.scripted_inference import Reply

_ids = itertools.count(1)


class Replay:
    def __init__(self, *turns: Reply) -> None:
        self.turns = list(turns)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: dict[str, Any]) -> Reply:
        self.requests.append(request)
        if not self.turns:
            return "(the script has no more turns)"
        return self.turns.pop(0)


def call(name: str, **arguments: Any) -> dict[str, Any]:
    """One tool call as a model returns it."""
    return {
        "id": f"call_{next(_ids)}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def calls(*tool_calls: dict[str, Any], content: str | None = None) -> dict[str, Any]:
    """An assistant turn that calls tools."""
    return {"role": "assistant", "content": content, "tool_calls": list(tool_calls)}
