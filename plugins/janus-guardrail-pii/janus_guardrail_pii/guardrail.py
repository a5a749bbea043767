"""``pii``: redact personal data in what clients send and what competitors answer.

Requests: the text of ``user`` messages is redacted before any competitor sees it (a
competitor is untrusted code and has no need for a client's card number). Answers: the
content of non-stream answers and of each streamed choice, where the end of the text is
held back (``window_chars``) until the next chunk shows whether it starts a number.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from janus.interfaces import Phase, RequestContext, StreamState
from janus_guardrail_pii.detect import KINDS, Kind
from janus_guardrail_pii.redact import Redactor

FIELDS = ("content", "reasoning_content")


@dataclass(slots=True)
class _Held:
    text: str = ""  # not sent yet: it may be the start of a number
    before: str = ""  # the text last sent, context for the patterns


class PiiGuardrail:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kinds: list[Kind] = Field(default_factory=lambda: list(KINDS), min_length=1)
        replacement: str = "[{kind} redacted]"
        window_chars: int = Field(64, ge=32, le=1024)

        @field_validator("replacement")
        @classmethod
        def _formats(cls, value: str) -> str:
            try:
                value.format(kind="email")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"only the placeholder {{kind}} is known ({exc})") from None
            return value

    phases: ClassVar[frozenset[Phase]] = frozenset({"request", "chunk", "response"})
    parallel = False

    def __init__(self, settings: Settings) -> None:
        self.redactor = Redactor(settings.kinds, settings.replacement, settings.window_chars)

    def _text(self, text: str) -> tuple[str, int]:
        send, _, count = self.redactor.redact(text)
        return send, count

    async def check_request(self, request: RequestContext) -> dict[str, Any] | None:
        body = copy.deepcopy(request.body)
        total = 0
        for message in body.get("messages") or ():
            if not isinstance(message, dict) or message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                message["content"], count = self._text(content)
                total += count
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        part["text"], count = self._text(part["text"])
                        total += count
        if not total:
            return None
        request.report("modify", f"{total} personal data item(s) in the request")
        return body

    async def check_chunk(self, chunk: dict[str, Any], state: StreamState) -> dict[str, Any]:
        state.data["last"] = chunk
        for choice in chunk.get("choices") or ():
            delta = choice.setdefault("delta", {})
            final = choice.get("finish_reason") is not None
            for field in FIELDS:
                held = state.data.setdefault((choice.get("index", 0), field), _Held())
                text = delta.get(field)
                if not isinstance(text, str) or not (text or held.text or final):
                    if final and held.text:
                        delta[field] = self._flush(held, field, state)
                    continue
                send, held.text, count = self.redactor.redact(
                    held.text + text, held.before, final=final
                )
                held.before = (held.before + send)[-self.redactor.window :]
                if count:
                    state.report("redact", f"{count} personal data item(s) in a streamed {field}")
                if field in delta or send:
                    delta[field] = send
        return chunk

    def _flush(self, held: _Held, field: str, state: StreamState) -> str:
        send, _, count = self.redactor.redact(held.text, held.before, final=True)
        held.text = ""
        if count:
            state.report("redact", f"{count} personal data item(s) in a streamed {field}")
        return send

    def finish_stream(self, state: StreamState) -> list[dict[str, Any]]:
        """Send what is still held (a stream that ended without ``finish_reason``)."""
        last = state.data.get("last") or {}
        chunks = []
        for key, held in state.data.items():
            if not isinstance(held, _Held) or not held.text:
                continue
            index, field = key
            chunks.append(
                {
                    "id": last.get("id"),
                    "object": "chat.completion.chunk",
                    "created": last.get("created"),
                    "model": last.get("model"),
                    "choices": [
                        {
                            "index": index,
                            "delta": {field: self._flush(held, field, state)},
                            "finish_reason": None,
                        }
                    ],
                }
            )
        return chunks

    async def check_response(
        self, response: dict[str, Any], request: RequestContext
    ) -> dict[str, Any]:
        for choice in response.get("choices") or ():
            message = choice.get("message") or {}
            for field in FIELDS:
                if isinstance(text := message.get(field), str):
                    message[field], count = self._text(text)
                    if count:
                        request.report("redact", f"{count} personal data item(s) in the answer")
        return response
