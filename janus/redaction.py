"""Redacting text that streams in pieces: the mechanism chunk guardrails share.

A secret or a card number may be split across two chunks, so the end of each chunk's text
is held back until the next chunk shows whether it starts something to redact. A
guardrail built on ``StreamRedaction`` only says how to redact a piece of text; this class
keeps what is held per choice and text slot (``content``, ``reasoning_content``, each tool
call's ``arguments``), sends it on with the choice's final chunk (or before ``[DONE]`` when
a stream ends without one), redacts ``janus`` event payloads, and reports every redaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from janus.interfaces import RequestContext, StreamState

# The delta fields that carry text a client reads.
TEXT_FIELDS = ("content", "reasoning_content")
TOOL = "tool_calls"
HOLDING = "holding"  # key in StreamState.data: whether any slot holds text back

# Where held text belongs: (choice index, field) or (choice index, "tool_calls", call index).
SlotKey = tuple


@dataclass(slots=True)
class Held:
    text: str = ""  # not sent yet: it may be the start of something to redact
    before: str = ""  # the end of what was sent, context for the patterns


def _slots(delta: dict[str, Any]) -> Iterator[tuple[tuple, dict[str, Any], str]]:
    """Each place of ``delta`` that streams text: (slot, the dict holding it, its key)."""
    for field in TEXT_FIELDS:
        yield (field,), delta, field
    for call in delta.get(TOOL) or ():
        if isinstance(call, dict) and isinstance(function := call.get("function"), dict):
            yield (TOOL, call.get("index", 0)), function, "arguments"


def _put(delta: dict[str, Any], slot: tuple, text: str) -> None:
    """Add released ``text`` to ``delta`` at ``slot`` (created when the chunk lacks it)."""
    if slot[0] != TOOL:
        delta[slot[0]] = text
        return
    calls = delta.setdefault(TOOL, [])
    for call in calls:
        if isinstance(call, dict) and call.get("index", 0) == slot[1]:
            function = call.setdefault("function", {})
            function["arguments"] = function.get("arguments", "") + text
            return
    calls.append({"index": slot[1], "function": {"arguments": text}})


class StreamRedaction:
    """Mixin giving a guardrail ``check_chunk``, ``finish_stream`` and ``redact_answer``.

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
            if not isinstance(choice, dict) or not isinstance(choice.get("delta", {}), dict):
                continue
            delta = choice.setdefault("delta", {})
            index = choice.get("index", 0)
            final = choice.get("finish_reason") is not None
            for slot, holder, name in _slots(delta):
                held = state.data.setdefault((index, *slot), Held())
                text = holder.get(name)
                if not isinstance(text, str):
                    continue
                if not (text or held.text or final):
                    continue
                send = self._pass(held, held.text + text, slot, state, final)
                if name in holder or send:
                    holder[name] = send
            if final:
                for slot, held in self._held(state, index):
                    _put(delta, slot, self._release(held, slot, state))
            if isinstance(event := delta.get("janus"), dict):
                self._redact_event(event, state.report)
        return chunk

    def holds_text(self, state: StreamState) -> bool:
        """Whether some text of this stream is waiting to be sent."""
        return state.data.get(HOLDING, False)

    def finish_stream(self, state: StreamState) -> list[dict[str, Any]]:
        """Chunks with what is still held (a stream that ended without ``finish_reason``)."""
        last = state.data.get("last") or {}
        chunks = []
        for key, held in list(state.data.items()):
            if not isinstance(held, Held) or not held.text:
                continue
            index, *slot = key
            delta: dict[str, Any] = {}
            _put(delta, tuple(slot), self._release(held, tuple(slot), state))
            chunks.append(
                {
                    "id": last.get("id"),
                    "object": "chat.completion.chunk",
                    "created": last.get("created"),
                    "model": last.get("model"),
                    "choices": [{"index": index, "delta": delta, "finish_reason": None}],
                }
            )
        return chunks

    def redact_answer(self, response: dict[str, Any], request: RequestContext) -> None:
        """Redact a non-stream answer's text and tool call arguments in place, reporting
        each find."""
        for choice in response.get("choices") or ():
            message = choice.get("message") if isinstance(choice, dict) else None
            if not isinstance(message, dict):
                continue
            for slot, holder, name in _slots(message):
                if isinstance(text := holder.get(name), str):
                    holder[name], _, count = self.redact_piece(text, "", True)
                    if count:
                        request.report("redact", f"{count} {self.found} in the answer's {slot[0]}")

    def _redact_event(self, event: dict[str, Any], report) -> None:
        """Redact every string inside a ``janus`` event: events arrive whole, never split."""
        count = 0

        def clean(value: Any) -> Any:
            nonlocal count
            if isinstance(value, str):
                value, _, found = self.redact_piece(value, "", True)
                count += found
            elif isinstance(value, dict):
                for key in value:
                    value[key] = clean(value[key])
            elif isinstance(value, list):
                value[:] = [clean(item) for item in value]
            return value

        clean(event)
        if count:
            report("redact", f"{count} {self.found} in a janus event")

    def _held(self, state: StreamState, index: int) -> list[tuple[tuple, Held]]:
        return [
            (tuple(key[1:]), held)
            for key, held in state.data.items()
            if isinstance(held, Held) and held.text and key[0] == index
        ]

    def _release(self, held: Held, slot: tuple, state: StreamState) -> str:
        text, held.text = held.text, ""
        return self._pass(held, text, slot, state, final=True)

    def _pass(self, held: Held, text: str, slot: tuple, state: StreamState, final: bool) -> str:
        send, held.text, count = self.redact_piece(text, held.before, final)
        state.data[HOLDING] = bool(held.text) or any(
            isinstance(other, Held) and other.text for other in state.data.values()
        )
        held.before = (held.before + send)[-self.context_chars :] if self.context_chars else ""
        if count:
            where = "tool call arguments" if slot[0] == TOOL else f"a streamed {slot[0]}"
            state.report("redact", f"{count} {self.found} in {where}")
        return send
