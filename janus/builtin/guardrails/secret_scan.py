"""``secret-scan``: a competitor must not be able to hand a key to a client.

Answers are scanned for the values of the gateway's own secrets (the platform secret and
provider keys, read from the environment variables named in the settings), platform tokens
(``jpt1.…``) and common key formats, and each match is replaced by ``[REDACTED]``.

In a stream a secret may be split across chunks, so the end of each choice's text
(``window_chars``, or a match still growing at the end) is held back until the next chunk
or the end of that choice shows it is harmless. The client thus gets the same text as
without the guardrail, minus the secrets, a few dozen characters later.
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from janus.hookspecs import hookimpl
from janus.interfaces import Phase, RequestContext
from janus.redaction import StreamRedaction

REDACTED = "[REDACTED]"
# Each shape's shortest match is below the default window, so a key split across chunks
# is always seen whole before any of it is sent.
KEY_FORMATS = (
    r"sk-(?:proj-|ant-|or-)?[A-Za-z0-9_-]{20,}",  # OpenAI, Anthropic, OpenRouter
    r"gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub tokens
    r"github_pat_[A-Za-z0-9_]{22,}",
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key ids
    r"xox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
    r"jpt1\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}",  # Janus platform tokens
)
DEFAULT_SECRET_ENVS = (
    "JANUS_PLATFORM_SECRET",
    "CHUTES_API_KEY",
    "OPENAI_API_KEY",
    "SANDY_API_KEY",
)
# A match still growing at the end of the text is held back at most this long; beyond
# it is redacted as it stands (no key is this long, and memory stays bounded).
_MAX_HOLD = 4096
_MIN_SECRET_CHARS = 8  # shorter "secrets" would redact ordinary words


class SecretScan(StreamRedaction):
    found = "secret(s)"
    context_chars = 1

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        secret_envs: list[str] = Field(default_factory=lambda: list(DEFAULT_SECRET_ENVS))
        extra_patterns: list[str] = Field(default_factory=list)
        key_formats: bool = True
        window_chars: int = Field(64, ge=16, le=_MAX_HOLD)

    phases: ClassVar[frozenset[Phase]] = frozenset({"chunk", "response"})
    parallel = False

    def __init__(self, settings: Settings, environ: Any = os.environ) -> None:
        secrets = sorted(
            {v for name in settings.secret_envs if len(v := environ.get(name, "")) >= 8},
            key=len,
            reverse=True,
        )
        shapes = [*(KEY_FORMATS if settings.key_formats else ()), *settings.extra_patterns]
        alternatives = [re.escape(secret) for secret in secrets]
        if shapes:
            # Not inside a longer word: "task-…" is not an "sk-…" key.
            alternatives.append(r"(?<![A-Za-z0-9_-])(?:" + "|".join(shapes) + ")")
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None
        self._window = max([settings.window_chars, *map(len, secrets)])

    def redact(self, text: str, before: str = "", *, final: bool) -> tuple[str, str, int]:
        """Split ``text`` into what can be sent (redacted) and what must wait; ``before``
        is the character sent just before it. Returns (send, hold, redactions)."""
        if self._pattern is None:
            return text, "", 0
        full, base = before + text, len(before)
        cut = len(full) if final else max(base, len(full) - self._window)
        out, position, count = [], base, 0
        for match in self._pattern.finditer(full, base):
            if match.start() >= cut:
                break
            still_growing = match.end() == len(full) and not final
            if still_growing and match.end() - match.start() < _MAX_HOLD:
                cut = match.start()
                break
            out += (full[position : match.start()], REDACTED)
            position, count = match.end(), count + 1
        cut = max(cut, position)
        out.append(full[position:cut])
        return "".join(out), full[cut:], count

    def redact_piece(self, text: str, before: str, final: bool) -> tuple[str, str, int]:
        return self.redact(text, before, final=final)

    async def check_response(
        self, response: dict[str, Any], request: RequestContext
    ) -> dict[str, Any]:
        self.redact_answer(response, request)
        for choice in response.get("choices") or ():
            message = choice.get("message") or {}
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                if isinstance(arguments := function.get("arguments"), str):
                    function["arguments"], _, count = self.redact(arguments, final=True)
                    if count:
                        request.report("redact", f"{count} secret(s) in tool call arguments")
        return response


@hookimpl
def register_guardrails(register):
    register("secret-scan", SecretScan)
