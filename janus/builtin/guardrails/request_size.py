"""``request-size``: refuse requests too big to be worth a competitor's time.

The gateway's ``max_body_bytes`` guards memory; this guardrail bounds what a competitor
has to process (messages, characters, parts, image bytes) so one client cannot make every
competitor slow for everyone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from janus.builtin.guardrails._messages import image_urls, split_data_url
from janus.errors import GuardrailViolation
from janus.hookspecs import hookimpl
from janus.interfaces import Phase, RequestContext


class RequestSize:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        max_bytes: int = Field(4 * 1024 * 1024, ge=1)
        max_messages: int = Field(1000, ge=1)
        max_chars_per_message: int = Field(200_000, ge=1)
        max_parts_per_message: int = Field(64, ge=1)
        max_image_bytes: int = Field(10 * 1024 * 1024, ge=1)

    phases: ClassVar[frozenset[Phase]] = frozenset({"request"})
    parallel = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def check_request(self, request: RequestContext) -> None:
        limits = self.settings
        if request.size_bytes > limits.max_bytes:
            raise _too_large(f"The request body of {request.size_bytes} bytes", limits.max_bytes)
        messages = request.body.get("messages") or []
        if len(messages) > limits.max_messages:
            raise GuardrailViolation(
                f"The request has {len(messages)} messages; at most {limits.max_messages} "
                "are accepted.",
                code="too_many_messages",
                param="messages",
            )
        for index, message in enumerate(messages):
            self._check_message(message, f"messages[{index}]")
        for url, param in image_urls(request.body):
            if url.startswith("data:") and (parts := split_data_url(url)):
                size = len(parts[2]) * 3 // 4 if parts[1] else len(parts[2])
                if size > limits.max_image_bytes:
                    what = f"The image at {param} (~{size} bytes)"
                    raise _too_large(what, limits.max_image_bytes)

    def _check_message(self, message: dict[str, Any], param: str) -> None:
        content = message.get("content")
        parts = content if isinstance(content, list) else [{"text": content}]
        if len(parts) > self.settings.max_parts_per_message:
            raise GuardrailViolation(
                f"{param} has {len(parts)} content parts; at most "
                f"{self.settings.max_parts_per_message} are accepted.",
                code="too_many_parts",
                param=f"{param}.content",
            )
        chars = sum(len(p["text"]) for p in parts if isinstance(p.get("text"), str))
        if chars > self.settings.max_chars_per_message:
            raise GuardrailViolation(
                f"{param} has {chars} characters of text; at most "
                f"{self.settings.max_chars_per_message} are accepted.",
                code="message_too_long",
                param=f"{param}.content",
            )


def _too_large(what: str, limit: int) -> GuardrailViolation:
    return GuardrailViolation(
        f"{what} is larger than the limit of {limit} bytes.", status=413, code="request_too_large"
    )


@hookimpl
def register_guardrails(register):
    register("request-size", RequestSize)
