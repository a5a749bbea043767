"""``pii``: redact personal data in what clients send and what competitors answer.

Requests: the text of ``user`` messages is redacted before any competitor sees it (a
competitor is untrusted code and has no need for a client's card number). Answers: the
content of non-stream answers and of each streamed choice, where the end of the text is
held back (``window_chars``) until the next chunk shows whether it starts a number.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from janus.interfaces import Phase, RequestContext
from janus.redaction import StreamRedaction
from janus_guardrail_pii.detect import KINDS, Kind
from janus_guardrail_pii.redact import Redactor


class PiiGuardrail(StreamRedaction):
    found = "personal data item(s)"

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
        self.context_chars = self.redactor.window  # patterns look back this far

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

    def redact_piece(self, text: str, before: str, final: bool) -> tuple[str, str, int]:
        return self.redactor.redact(text, before, final=final)

    async def check_response(
        self, response: dict[str, Any], request: RequestContext
    ) -> dict[str, Any]:
        self.redact_answer(response, request)
        return response
