"""A Responses API request (``POST /v1/responses``) as the chat completion request it means.

Competitors implement chat completions only; the gateway serves the Responses API by
translating onto that contract, so they need not change. What has no chat equivalent
(hosted tools, stored conversations, file ids) is refused with a 400 that names the field,
never dropped silently.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from janus.errors import JanusError, invalid_request
from janus.protocol import parse_body


class ResponsesRequest(BaseModel):
    """The fields the gateway understands; anything else is a 400, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    input: str | list[dict[str, Any]]
    instructions: str | None = None
    stream: bool = Field(False, strict=True)
    max_output_tokens: int | None = Field(None, ge=1, strict=True)
    temperature: float | None = None
    top_p: float | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None
    previous_response_id: str | None = None
    conversation: str | dict[str, Any] | None = None
    background: bool | None = None
    # Accepted and without effect here: nothing is stored, truncation is the competitor's.
    store: bool | None = None
    include: list[str] | None = None
    truncation: str | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    stream_options: dict[str, Any] | None = None


def parse_responses_request(body: bytes) -> ResponsesRequest:
    request = parse_body(ResponsesRequest, body, extra_is_unsupported=True)
    for field in ("previous_response_id", "conversation"):
        if getattr(request, field) is not None:
            raise _unsupported(
                field, "this gateway stores no responses; send the whole conversation as input"
            )
    if request.background:
        raise _unsupported("background", "background responses are not supported")
    return request


def chat_request(request: ResponsesRequest) -> dict[str, Any]:
    """The chat completion request (as JSON data) that asks the same of a competitor."""
    messages: list[dict[str, Any]] = []
    if request.instructions:
        messages.append({"role": "system", "content": request.instructions})
    if isinstance(request.input, str):
        messages.append({"role": "user", "content": request.input})
    else:
        for index, item in enumerate(request.input):
            _add_item(messages, item, f"input[{index}]")
    if not messages:
        raise invalid_request("Invalid request: input: no message to answer", param="input")
    chat: dict[str, Any] = {"model": request.model, "messages": messages}
    if request.stream:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    if request.max_output_tokens is not None:
        chat["max_completion_tokens"] = request.max_output_tokens
    for field in ("temperature", "top_p", "parallel_tool_calls", "metadata", "user"):
        if (value := getattr(request, field)) is not None:
            chat[field] = value
    if request.tools:
        chat["tools"] = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(request.tools)]
    if request.tool_choice is not None:
        chat["tool_choice"] = _tool_choice(request.tool_choice)
    if request.text and (response_format := _response_format(request.text)):
        chat["response_format"] = response_format
    if request.reasoning and (effort := request.reasoning.get("effort")):
        chat["reasoning_effort"] = effort
    return chat


def _add_item(messages: list[dict[str, Any]], item: dict[str, Any], where: str) -> None:
    kind = item.get("type", "message" if "role" in item else None)
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "assistant", "system", "developer"):
            raise _invalid(
                f"{where}.role", f"must be user, assistant, system or developer, not {role!r}"
            )
        content = _content(item.get("content"), f"{where}.content", assistant=role == "assistant")
        messages.append({"role": "system" if role == "developer" else role, "content": content})
    elif kind == "function_call":
        call = {
            "id": _string(item, "call_id", where),
            "type": "function",
            "function": {
                "name": _string(item, "name", where),
                "arguments": _string(item, "arguments", where),
            },
        }
        previous = messages[-1] if messages else None
        if previous is not None and previous["role"] == "assistant":
            previous.setdefault("tool_calls", []).append(call)
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
        output = item.get("output")
        messages.append(
            {
                "role": "tool",
                "tool_call_id": _string(item, "call_id", where),
                "content": output
                if isinstance(output, str)
                else _content(output, f"{where}.output", assistant=False),
            }
        )
    elif kind == "reasoning":
        return  # the model's own earlier reasoning: competitors are not sent it back
    else:
        raise _unsupported(f"{where}.type", f"input items of type {kind!r} are not supported")


def _content(content: Any, where: str, *, assistant: bool) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _invalid(where, "must be a string or a list of content parts")
    parts = [_part(part, f"{where}[{index}]") for index, part in enumerate(content)]
    if assistant:  # chat assistant turns carry text: join the parts
        return "".join(part.get("text", "") for part in parts)
    return parts


def _part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise _invalid(where, "must be a content part object")
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": _string(part, "text", where)}
    if kind == "refusal":
        return {"type": "text", "text": _string(part, "refusal", where)}
    if kind == "input_image":
        if "image_url" not in part:
            raise _unsupported(f"{where}.file_id", "images must come as image_url (no Files API)")
        image: dict[str, Any] = {"url": _string(part, "image_url", where)}
        if part.get("detail") in ("auto", "low", "high"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        if "file_data" not in part:
            raise _unsupported(f"{where}.file_data", "files must come inline as file_data")
        file = {"file_data": _string(part, "file_data", where)}
        if "filename" in part:
            file["filename"] = _string(part, "filename", where)
        return {"type": "file", "file": file}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio")}
    raise _unsupported(f"{where}.type", f"content parts of type {kind!r} are not supported")


def _tool(tool: dict[str, Any], where: str) -> dict[str, Any]:
    if tool.get("type") != "function":
        raise _unsupported(
            f"{where}.type", f"only function tools are supported, not {tool.get('type')!r}"
        )
    function = {"name": _string(tool, "name", where)}
    for key in ("description", "parameters", "strict"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    return {"type": "function", "function": function}


def _tool_choice(choice: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(choice, str):
        return choice
    if choice.get("type") == "function":
        return {"type": "function", "function": {"name": _string(choice, "name", "tool_choice")}}
    raise _unsupported("tool_choice.type", f"tool_choice {choice.get('type')!r} is not supported")


def _response_format(text: dict[str, Any]) -> dict[str, Any] | None:
    text_format = text.get("format") or {}
    kind = text_format.get("type", "text")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = {k: v for k, v in text_format.items() if k != "type"}
        return {"type": "json_schema", "json_schema": schema}
    raise _unsupported("text.format.type", f"text format {kind!r} is not supported")


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _invalid(f"{where}.{key}", "must be a string")
    return value


def _invalid(param: str, message: str) -> JanusError:
    return invalid_request(f"Invalid request: {param}: {message}", param=param)


def _unsupported(param: str, message: str) -> JanusError:
    return invalid_request(
        f"Unsupported: {param}: {message}.", param=param, code="unsupported_parameter"
    )


def encode(chat: dict[str, Any]) -> bytes:
    return json.dumps(chat, separators=(",", ":")).encode()
