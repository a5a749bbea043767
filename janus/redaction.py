"""Redacting text that streams in pieces: the mechanism chunk guardrails share.

A secret or a card number may be split across two chunks, so the end of each chunk's text
is held back until the next chunk shows whether it starts something to redact. A
guardrail built on ``StreamRedaction`` only says how to redact a piece of text; this class
keeps what is held per choice and field, sends it on with the choice's final chunk (or
before ``[DONE]`` when a stream ends without one), and reports every redaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from janus.interfaces import RequestContext, StreamState

# The delta fields that carry text a client reads.
TEXT_FIELDS = ("content", "reasoning_content")


@dataclass(slots=True)
class Held:
    text: str = ""  # not sent yet: it may be the start of something to redact
    before: str = ""  # the end of what was sent, context for the patterns


class StreamRedaction:
    """Mixin giving a guardrail ``check_chunk`` and ``finish_stream``.

    Subclasses implement ``redact_piece(text, before, final) -> (send, hold, count)`` and
    set ``found`` (what a redaction is called in reports, e.g. "secret(s)") and
    ``context_chars`` (how much sent text to keep as ``before``).
    """

    found: str = "item(s)"
    context_chars: int = 1

    def redact_piece(self, text: str, before: str, final: bool) -> tuple[str, str, int]:
        raise NotImplementedError

    async def check_chunk(self, chunk: dict[str, Any], state: StreamState) -> dict[str, Any]:
        state.data["last"] = chunk
        for choice in chunk.get("choices") or ():
            delta = choice.setdefault("delta", {})
            final = choice.get("finish_reason") is not None
            for field in TEXT_FIELDS:
                held = state.data.setdefault((choice.get("index", 0), field), Held())
                text = delta.get(field)
                if not isinstance(text, str):
                    if final and held.text:
                        delta[field] = self._release(held, field, state)
                    continue
                if not (text or held.text or final):
                    continue
                send = self._pass(held, held.text + text, field, state, final)
                if field in delta or send:
                    delta[field] = send
        return chunk

    def finish_stream(self, state: StreamState) -> list[dict[str, Any]]:
        """Chunks with what is still held (a stream that ended without ``finish_reason``)."""
        last = state.data.get("last") or {}
        chunks = []
        for key, held in list(state.data.items()):
            if not isinstance(held, Held) or not held.text:
                continue
            index, field = key
            choice = {
                "index": index,
                "delta": {field: self._release(held, field, state)},
                "finish_reason": None,
            }
            chunks.append(
                {
                    "id": last.get("id"),
                    "object": "chat.completion.chunk",
                    "created": last.get("created"),
                    "model": last.get("model"),
                    "choices": [choice],
                }
            )
        return chunks

    def redact_answer(self, response: dict[str, Any], request: RequestContext) -> None:
        """Redact the text fields of a non-stream answer in place, reporting each find."""
        for choice in response.get("choices") or ():
            message = choice.get("message") or {}
            for field in TEXT_FIELDS:
                if isinstance(text := message.get(field), str):
                    message[field], _, count = self.redact_piece(text, "", True)
                    if count:
                        request.report("redact", f"{count} {self.found} in the answer's {field}")

    def _release(self, held: Held, field: str, state: StreamState) -> str:
        text, held.text = held.text, ""
        return self._pass(held, text, field, state, final=True)

    def _pass(self, held: Held, text: str, field: str, state: StreamState, final: bool) -> str:
        send, held.text, count = self.redact_piece(text, held.before, final)
        held.before = (held.before + send)[-self.context_chars :] if self.context_chars else ""
        if count:
            state.report("redact", f"{count} {self.found} in a streamed {field}")
        return send
