"""The client's request, read once into what the baseline acts on.

The gateway has already validated the body against the wire schema; what is checked here
is what this baseline itself relies on, so a competitor run on its own (``janus serve``)
still answers a malformed request with a 400 rather than a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages

from janus.errors import JanusError, invalid_request
from janus_baseline_langchain.model import sampling_options


@dataclass(frozen=True)
class ChatJob:
    # The whole conversation, image parts included, as LangChain messages.
    messages: list[BaseMessage]
    stream: bool = False
    include_usage: bool = False
    # Tools the client defined (OpenAI format) and will run itself.
    client_tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    # The model the client asked for: what every chunk and completion reports (the platform
    # model that answers is the baseline's business, not the client's).
    model: str = "baseline-langchain"


def parse_job(raw: bytes) -> ChatJob:
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid_request("The body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise invalid_request("The body must be a JSON object.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid_request("messages: must be a non-empty array", param="messages")
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise invalid_request("tools: must be an array", param="tools")
    options = body.get("stream_options") or {}
    return ChatJob(
        messages=_conversation(messages),
        stream=body.get("stream") is True,
        include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        client_tools=tools,
        tool_choice=body.get("tool_choice"),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        sampling=sampling_options(body),
        model=str(body.get("model") or "baseline-langchain"),
    )


def _conversation(messages: list[Any]) -> list[BaseMessage]:
    try:
        return convert_to_messages(messages)
    except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
        raise JanusError(f"messages: {exc}", param="messages") from None
