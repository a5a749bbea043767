"""A competitor's chat completion answer as a Responses API answer.

``response_from_completion`` turns a ``chat.completion`` into a ``response`` object;
``StreamTranslator`` turns a relayed chunk stream into the Responses event stream, one
chunk at a time, as it arrives (``response.created`` … ``response.output_text.delta`` …
``response.completed``). Reasoning (``reasoning_content``) becomes a ``reasoning`` item with
``reasoning_text`` content, tool calls become ``function_call`` items, re-hosted artifacts
stay a Janus extension on the message item (``artifacts``), and other Janus progress
events are passed on as ``janus.event`` events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from janus.gateway.exchange import ARTIFACT_EVENT, ARTIFACTS_EVENT
from janus.gateway.responses_input import ResponsesRequest

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


@dataclass(frozen=True)
class ResponseShape:
    """What every ``response`` object of one request repeats: its id and the settings."""

    request: ResponsesRequest
    response_id: str
    created_at: int

    def item_id(self, prefix: str, index: int = 0) -> str:
        suffix = self.response_id.removeprefix("resp_")
        return f"{prefix}_{suffix}" if index == 0 else f"{prefix}_{suffix}_{index}"

    def response(
        self,
        status: str,
        output: list[dict[str, Any]],
        *,
        usage: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        finish_reason: str | None = None,
    ) -> dict[str, Any]:
        request = self.request
        incomplete = _INCOMPLETE.get(finish_reason or "")
        if status == "completed" and incomplete:
            status = "incomplete"
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "error": error,
            "incomplete_details": {"reason": incomplete} if status == "incomplete" else None,
            "instructions": request.instructions,
            "max_output_tokens": request.max_output_tokens,
            "model": request.model,
            "output": output,
            "parallel_tool_calls": request.parallel_tool_calls is not False,
            "previous_response_id": None,
            "reasoning": request.reasoning or {"effort": None, "summary": None},
            "store": False,
            "temperature": request.temperature,
            "text": request.text or {"format": {"type": "text"}},
            "tool_choice": request.tool_choice or "auto",
            "tools": request.tools or [],
            "top_p": request.top_p,
            "truncation": request.truncation or "disabled",
            "usage": responses_usage(usage),
            "user": request.user,
            "metadata": request.metadata or {},
        }


def responses_usage(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chat ``usage`` in the Responses names; Janus's own figures stay beside them."""
    if not usage:
        return None
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    mapped = {
        "input_tokens": usage.get("prompt_tokens", 0),
        "input_tokens_details": {"cached_tokens": prompt_details.get("cached_tokens") or 0},
        "output_tokens": usage.get("completion_tokens", 0),
        "output_tokens_details": {
            "reasoning_tokens": completion_details.get("reasoning_tokens") or 0
        },
        "total_tokens": usage.get("total_tokens", 0),
    }
    for extra in ("cost_usd", "sandbox_seconds", "janus_metered"):
        if usage.get(extra) is not None:
            mapped[extra] = usage[extra]
    return mapped


def response_from_completion(shape: ResponseShape, completion: dict[str, Any]) -> dict[str, Any]:
    """A non-stream answer: the first choice's message as output items."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    output: list[dict[str, Any]] = []
    if reasoning := message.get("reasoning_content"):
        output.append(_reasoning_item(shape.item_id("rs"), reasoning, "completed"))
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        output.append(
            _call_item(
                shape.item_id("fc", index),
                call.get("id", ""),
                function.get("name", ""),
                function.get("arguments", ""),
                "completed",
            )
        )
    if message.get("content") is not None or not output:
        item = _message_item(shape.item_id("msg"), message.get("content") or "", "completed")
        if message.get("artifacts"):
            item["artifacts"] = message["artifacts"]
        output.append(item)
    return shape.response(
        "completed",
        output,
        usage=completion.get("usage"),
        finish_reason=choice.get("finish_reason"),
    )


def _message_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [_text_part(text)],
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _reasoning_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "reasoning",
        "status": status,
        "summary": [],
        "content": [{"type": "reasoning_text", "text": text}],
    }


def _call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> dict:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


@dataclass
class _Open:
    """An output item being streamed: where it sits and what it has said so far."""

    index: int
    item_id: str
    kind: str
    text: str = ""
    call_id: str = ""
    name: str = ""


@dataclass
class StreamTranslator:
    """Chat chunks in, Responses events out (as SSE bytes), for one stream."""

    shape: ResponseShape
    _sequence: int = 0
    _output: list[dict[str, Any]] = field(default_factory=list)
    _reasoning: _Open | None = None
    _message: _Open | None = None
    _calls: dict[int, _Open] = field(default_factory=dict)
    _artifacts: list[dict[str, Any]] = field(default_factory=list)
    _usage: dict[str, Any] | None = None
    _finish_reason: str | None = None
    ended: bool = False

    def start(self) -> bytes:
        created = self.shape.response("in_progress", [])
        return self._event("response.created", response=created) + self._event(
            "response.in_progress", response=created
        )

    def chunk(self, chunk: dict[str, Any]) -> bytes:
        out: list[bytes] = []
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue  # n > 1 has no Responses equivalent: the first choice answers
            delta = choice.get("delta") or {}
            if reasoning := delta.get("reasoning_content"):
                out.append(self._reasoning_delta(reasoning))
            if content := delta.get("content"):
                out.append(self._text_delta(content))
            for call in delta.get("tool_calls") or []:
                out.append(self._call_delta(call))
            if isinstance(janus := delta.get("janus"), dict):
                out.append(self._janus_event(janus))
            if choice.get("finish_reason"):
                self._finish_reason = choice["finish_reason"]
        return b"".join(out)

    def done(self) -> bytes:
        """The stream ended well: close every item, then the response."""
        if self.ended:
            return b""
        self.ended = True
        out = [self._close_all("completed")]
        if not any(item["type"] == "message" for item in self._output) and (
            self._artifacts or not self._output
        ):
            out.append(self._open_message())
            out.append(self._close_message("completed"))
        final = self.shape.response(
            "completed", self._output, usage=self._usage, finish_reason=self._finish_reason
        )
        kind = "response.completed" if final["status"] == "completed" else "response.incomplete"
        out.append(self._event(kind, response=final))
        return b"".join(out)

    def failed(self, error: dict[str, Any]) -> bytes:
        """The stream ended in-band with ``error`` (OpenAI shape): say so twice, as OpenAI
        does — an ``error`` event, then ``response.failed`` with what was produced."""
        if self.ended:
            return b""
        self.ended = True
        out = [
            self._event(
                "error",
                code=error.get("code"),
                message=error.get("message", ""),
                param=error.get("param"),
            ),
            self._close_all("incomplete"),
        ]
        failed = self.shape.response(
            "failed",
            self._output,
            usage=self._usage,
            error={"code": error.get("code") or "server_error", "message": error.get("message")},
        )
        out.append(self._event("response.failed", response=failed))
        return b"".join(out)

    # Items --------------------------------------------------------------------------------

    def _add(self, item: dict[str, Any], kind: str) -> tuple[_Open, bytes]:
        index = len(self._output)
        self._output.append(item)
        opened = _Open(index, item["id"], kind)
        return opened, self._event("response.output_item.added", output_index=index, item=item)

    def _reasoning_delta(self, text: str) -> bytes:
        out = b""
        if self._reasoning is None:
            item = _reasoning_item(self.shape.item_id("rs", len(self._output)), "", "in_progress")
            item["content"] = []
            self._reasoning, out = self._add(item, "reasoning")
        self._reasoning.text += text
        return out + self._event(
            "response.reasoning_text.delta",
            item_id=self._reasoning.item_id,
            output_index=self._reasoning.index,
            content_index=0,
            delta=text,
        )

    def _close_reasoning(self, status: str) -> bytes:
        opened, self._reasoning = self._reasoning, None
        if opened is None:
            return b""
        item = _reasoning_item(opened.item_id, opened.text, status)
        self._output[opened.index] = item
        return self._event(
            "response.reasoning_text.done",
            item_id=opened.item_id,
            output_index=opened.index,
            content_index=0,
            text=opened.text,
        ) + self._event("response.output_item.done", output_index=opened.index, item=item)

    def _open_message(self) -> bytes:
        item = _message_item(self.shape.item_id("msg", len(self._output)), "", "in_progress")
        item["content"] = []
        self._message, added = self._add(item, "message")
        return added + self._event(
            "response.content_part.added",
            item_id=self._message.item_id,
            output_index=self._message.index,
            content_index=0,
            part=_text_part(""),
        )

    def _text_delta(self, text: str) -> bytes:
        out = self._close_reasoning("completed")
        if self._message is None:
            out += self._open_message()
        assert self._message is not None
        self._message.text += text
        return out + self._event(
            "response.output_text.delta",
            item_id=self._message.item_id,
            output_index=self._message.index,
            content_index=0,
            delta=text,
            logprobs=[],
        )

    def _close_message(self, status: str) -> bytes:
        opened, self._message = self._message, None
        if opened is None:
            return b""
        item = _message_item(opened.item_id, opened.text, status)
        if self._artifacts:
            item["artifacts"] = self._artifacts
        self._output[opened.index] = item
        where = {"item_id": opened.item_id, "output_index": opened.index, "content_index": 0}
        return (
            self._event("response.output_text.done", **where, text=opened.text, logprobs=[])
            + self._event("response.content_part.done", **where, part=item["content"][0])
            + self._event("response.output_item.done", output_index=opened.index, item=item)
        )

    def _call_delta(self, call: dict[str, Any]) -> bytes:
        out = self._close_reasoning("completed")
        position = call.get("index", 0)
        function = call.get("function") or {}
        opened = self._calls.get(position)
        if opened is None:
            item = _call_item(
                self.shape.item_id("fc", len(self._output)),
                call.get("id") or "",
                function.get("name") or "",
                "",
                "in_progress",
            )
            opened, added = self._add(item, "function_call")
            opened.call_id, opened.name = item["call_id"], item["name"]
            self._calls[position] = opened
            out += added
        if arguments := function.get("arguments"):
            opened.text += arguments
            out += self._event(
                "response.function_call_arguments.delta",
                item_id=opened.item_id,
                output_index=opened.index,
                delta=arguments,
            )
        return out

    def _close_calls(self, status: str) -> bytes:
        out = b""
        for opened in self._calls.values():
            item = _call_item(opened.item_id, opened.call_id, opened.name, opened.text, status)
            self._output[opened.index] = item
            out += self._event(
                "response.function_call_arguments.done",
                item_id=opened.item_id,
                output_index=opened.index,
                name=opened.name,
                arguments=opened.text,
            ) + self._event("response.output_item.done", output_index=opened.index, item=item)
        self._calls.clear()
        return out

    def _close_all(self, status: str) -> bytes:
        return (
            self._close_reasoning(status) + self._close_message(status) + self._close_calls(status)
        )

    def _janus_event(self, janus: dict[str, Any]) -> bytes:
        payload = janus.get("payload")
        if janus.get("event") == ARTIFACT_EVENT and isinstance(payload, dict):
            self._artifacts.append(payload)
        elif janus.get("event") == ARTIFACTS_EVENT and isinstance(payload, dict):
            self._artifacts.extend(payload.get("items") or [])
        return self._event("janus.event", event=janus.get("event"), payload=janus.get("payload"))

    def _event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        data = json.dumps(payload, separators=(",", ":"))
        return f"event: {kind}\ndata: {data}\n\n".encode()
