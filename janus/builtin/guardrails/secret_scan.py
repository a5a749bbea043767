"""``secret-scan``: a competitor must not be able to hand a key to a client.

Answers are scanned for the values of the gateway's own secrets (the platform secret and
provider keys, read from the environment variables named in the settings), platform tokens
(``jpt1.…``) and common key formats, and each match is replaced by ``[REDACTED]``: in text,
reasoning, tool call arguments and ``janus`` event payloads.

In a stream a secret may be split across chunks. Only text that could be the beginning of
one (a trailing ``sk-a``, or the first characters of a configured secret) is held back
until the next chunk shows whether it is harmless, so most chunks pass untouched — and are
recognised as such from their raw bytes, without being parsed (the stream relay's hot path).
With ``extra_patterns``, whose beginnings cannot be known, the last ``window_chars`` of
each text are held back instead.

Keys written to slip past a scan (invisible characters inside, fullwidth letters, one
character at a time with spaces between) are searched for in a folded view of the text
(``folding``) and redacted over their original span.
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from janus.builtin.guardrails.folding import KEY_DISGUISE, View, fold
from janus.hookspecs import hookimpl
from janus.interfaces import Phase, RequestContext, StreamState
from janus.redaction import StreamRedaction

REDACTED = "[REDACTED]"
_KEY_CHARS = "[A-Za-z0-9_.-]"
# Each key format as (its fixed beginning, the rest): the beginning lets a held-back tail
# be recognised as a key in the making.
KEY_FORMATS = (
    ("sk-", r"(?:proj-|ant-|or-)?[A-Za-z0-9_-]{20,}"),  # OpenAI, Anthropic, OpenRouter
    ("gh", r"[pousr]_[A-Za-z0-9]{36,}"),  # GitHub tokens
    ("github_pat_", r"[A-Za-z0-9_]{22,}"),
    ("AKIA", r"[0-9A-Z]{16}"),  # AWS access key ids
    ("ASIA", r"[0-9A-Z]{16}"),
    ("xox", r"[abprs]-[A-Za-z0-9-]{10,}"),  # Slack
    ("jpt1.", r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),  # Janus platform tokens
)
# Not inside a longer word: "task-…" is not an "sk-…" key. In the folded view a word's
# start is checked in the original text ("x s k - …" is "xsk-…" in the view).
_BOUNDARY = r"(?<![A-Za-z0-9_-])"
_WORD_CHAR = re.compile(r"[A-Za-z0-9_-]")
_KEY_GROUP = "janus_key_format"  # the alternatives that must start a word
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
# A streamed text slot's value in a chunk's raw JSON, up to what its end is matched with
# (read only when the chunk has no backslash, so every string is its own raw bytes).
_RAW_TEXT_VALUE = r'"(?:content|reasoning_content|arguments)"\s*:\s*"[^"]*?'


def _beginnings(literal: str) -> str:
    """A pattern for every non-empty proper beginning of ``literal``."""
    return "|".join(re.escape(literal[:size]) for size in range(len(literal) - 1, 0, -1))


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
            {
                v
                for name in settings.secret_envs
                if len(v := environ.get(name, "")) >= _MIN_SECRET_CHARS
            },
            key=len,
            reverse=True,
        )
        formats = KEY_FORMATS if settings.key_formats else ()
        shapes = [re.escape(lead) + rest for lead, rest in formats] + settings.extra_patterns
        # Whether the pattern and the tail have key formats, which must start a word.
        self._pattern_words, self._tail_words = bool(shapes), bool(formats)
        alternatives = [re.escape(secret) for secret in secrets]
        if shapes:
            alternatives.append(f"(?P<{_KEY_GROUP}>" + "|".join(shapes) + ")")
        pattern = "|".join(alternatives)
        self._pattern = re.compile(pattern) if alternatives else None
        # What may still become a match: a key's fixed beginning (or part of it, or it
        # followed by key characters), or the first characters of a secret.
        beginnings = [f"{_beginnings(lead)}|{re.escape(lead)}{_KEY_CHARS}*" for lead, _ in formats]
        tails = [f"(?P<{_KEY_GROUP}>{'|'.join(beginnings)})"] if beginnings else []
        tails += [f"(?:{_beginnings(secret)})" for secret in secrets]
        self._tail = re.compile("(?:" + "|".join(tails) + r")\Z") if tails else None
        # Extra patterns' beginnings are unknown: hold back a window instead.
        self._window = (
            max([settings.window_chars, *map(len, secrets)]) if settings.extra_patterns else 0
        )
        # The raw fast path, one search over the chunk's bytes, only has to notice what
        # could be part of a match (a key's fixed beginning, a secret's first characters,
        # anywhere) or a text slot ending in what may become one. It starts with plain
        # literals, so the engine skips ahead; the full pattern, with its look-behind at
        # every position, costs several times as much per chunk.
        # A key spelled out with spaces starts with two characters standing apart ("s k"),
        # and a text slot ending in a lone first character and a space may start one.
        firsts = [lead for lead, _ in formats] + [secret[:_MIN_SECRET_CHARS] for secret in secrets]
        spaced = [rf"{re.escape(f[0])}[ \t]+{re.escape(f[1])}(?=[ \t\"])" for f in firsts]
        lone = "[" + "".join(sorted({re.escape(f[0]) for f in firsts})) + "]"
        tail = "|".join(tails).replace(f"(?P<{_KEY_GROUP}>", f"{_BOUNDARY}(?:")
        ends = f'(?:{tail}|(?<![^ \t"]){lone}[ \t]+)"'
        attention = [*map(re.escape, firsts), *spaced]
        attention += [f"{_RAW_TEXT_VALUE}{ends}"] if tails else []
        self._raw_attention = re.compile("|".join(attention).encode()) if alternatives else None

    def passes_unchanged(self, data: bytes, state: StreamState) -> bool:
        """Whether the raw chunk ``data`` certainly needs no redaction and starts nothing
        to hold back, so it may be sent as it is without being parsed."""
        if self._raw_attention is None:
            return True
        if self._window or b"\\" in data or self.holds_text(state):
            return False  # escapes could spell a key; held text continues in this chunk
        if not data.isascii() and KEY_DISGUISE.search(data.decode(errors="replace")):
            return False  # invisible or fullwidth characters may hide a key
        return self._raw_attention.search(data) is None

    def redact(self, text: str, before: str = "", *, final: bool) -> tuple[str, str, int]:
        """Split ``text`` into what can be sent (redacted) and what must wait; ``before``
        is the character sent just before it. Returns (send, hold, redactions)."""
        if self._pattern is None:
            return text, "", 0
        full = before + text
        # Matches and holds are found in the view, cuts made in the original.
        view = fold(full, more_to_come=not final)
        seen, base = view.text, view.view_index(len(before))
        cut = len(seen) if final else self._first_unsafe(view, full, base)
        out, position, count = [], len(before), 0
        while (match := _find(self._pattern, self._pattern_words, view, full, base)) is not None:
            if match.start() >= cut:
                break
            still_growing = match.end() == len(seen) and not final
            if still_growing and match.end() - match.start() < _MAX_HOLD:
                cut = match.start()
                break
            out += (full[position : view.start(match.start())], REDACTED)
            base, position, count = match.end(), view.end(match.end()), count + 1
        cut = max(len(full) if cut >= len(seen) else view.start(cut), position)
        out.append(full[position:cut])
        return "".join(out), full[cut:], count

    def _first_unsafe(self, view: View, full: str, base: int) -> int:
        """Where the text of the view that may still turn into a secret begins
        (``len(view.text)``: none)."""
        seen = view.text
        if self._window:
            return max(base, len(seen) - self._window)
        start = max(base, len(seen) - _MAX_HOLD)
        tail = _find(self._tail, self._tail_words, view, full, start) if self._tail else None
        return max(base, tail.start()) if tail else len(seen)

    def redact_piece(self, text: str, before: str, final: bool) -> tuple[str, str, int]:
        return self.redact(text, before, final=final)

    async def check_response(
        self, response: dict[str, Any], request: RequestContext
    ) -> dict[str, Any]:
        self.redact_answer(response, request)
        return response


def _find(
    pattern: re.Pattern[str], words: bool, view: View, full: str, start: int
) -> re.Match | None:
    """``pattern``'s first match in the view from ``start``; with ``words`` (it has key
    formats), one of a key format only where a word of the original text ``full`` begins."""
    seen, position = view.text, start
    while (match := pattern.search(seen, position)) is not None:
        if words and match.group(_KEY_GROUP) is not None:
            begins = view.start(match.start())
            if begins > 0 and _WORD_CHAR.match(full, begins - 1):
                position = match.start() + 1
                continue
        return match
    return None


@hookimpl
def register_guardrails(register):
    register("secret-scan", SecretScan)
