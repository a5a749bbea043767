"""LangChain's event stream (``astream_events`` v2) → what the client sees.

| LangChain event          | answer                                                      |
|--------------------------|-------------------------------------------------------------|
| ``on_chat_model_stream`` | ``content`` (the model's tokens, as they come)              |
| ``on_chat_model_end``    | usage (summed over every model call)                        |
| ``on_tool_start``        | ``janus`` ``tool_start`` + a ``reasoning_content`` line     |
| ``on_tool_end``          | ``janus`` ``tool_end`` (``status``: success, error) + a line |
| custom ``sandbox_start`` | ``janus`` ``sandbox_start`` + a line                        |
| custom ``artifact``      | ``janus`` ``artifact`` (the descriptor) + a line            |

Everything else (chain and graph bookkeeping) is not the client's business.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.runnables.schema import StreamEvent

from janus_baseline_langchain.answer import Answer
from janus_baseline_langchain.tools import ARTIFACT, SANDBOX_START

PREVIEW_CHARS = 500  # of tool outputs in events, and of everything in reasoning lines
INPUT_CHARS = 4000  # tool inputs larger than this (a base64 file...) are shown cut short


class EventTranslator:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self._handlers = {
            "on_chat_model_stream": self._model_token,
            "on_chat_model_end": self._model_end,
            "on_tool_start": self._tool_start,
            "on_tool_end": self._tool_end,
            "on_custom_event": self._custom,
        }

    async def handle(self, event: StreamEvent) -> None:
        handler = self._handlers.get(event["event"])
        if handler is not None:
            await handler(event)

    async def _model_token(self, event: StreamEvent) -> None:
        await self.answer.content(str(event["data"]["chunk"].text))

    async def _model_end(self, event: StreamEvent) -> None:
        self.answer.add_usage(getattr(event["data"].get("output"), "usage_metadata", None))

    async def _tool_start(self, event: StreamEvent) -> None:
        tool, arguments = event["name"], event["data"].get("input")
        serialized = json.dumps(arguments, ensure_ascii=False, default=str)
        await self.answer.event(
            "tool_start",
            f"\n→ {tool} {_preview(serialized)}\n",
            tool=tool,
            id=event["run_id"],
            input=arguments if len(serialized) <= INPUT_CHARS else _preview(serialized),
        )

    async def _tool_end(self, event: StreamEvent) -> None:
        tool, output = event["name"], event["data"].get("output")
        failed = isinstance(output, ToolMessage) and output.status == "error"
        text = _preview(str(output.content if isinstance(output, ToolMessage) else output))
        shown = text.rstrip()
        line = f"✗ {tool} failed: {shown}\n" if failed else f"← {tool}: {shown}\n"
        await self.answer.event(
            "tool_end",
            line,
            tool=tool,
            id=event["run_id"],
            status="error" if failed else "success",
            output=text,
        )

    async def _custom(self, event: StreamEvent) -> None:
        data: dict[str, Any] = event["data"]
        if event["name"] == SANDBOX_START:
            line = f"(sandbox {data['sandbox_id']} started)\n"
            await self.answer.event(SANDBOX_START, line, **data)
        elif event["name"] == ARTIFACT:
            line = f"(artifact {data['display_name']}, {data['size_bytes']} bytes)\n"
            await self.answer.artifact(data, line)


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"
