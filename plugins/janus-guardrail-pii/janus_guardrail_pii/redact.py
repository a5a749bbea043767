"""Redacting text, whole or as a stream that may split a number across chunks."""

from __future__ import annotations

from collections.abc import Sequence

from janus_guardrail_pii.detect import Kind, candidates, select

# Anything still growing at the end of a stream is held back at most this long; beyond it
# the text goes out as it stands, so memory stays bounded whatever a competitor sends.
MAX_HOLD = 1024


class Redactor:
    """Replaces each found item with ``replacement`` (``{kind}`` is the kind's name)."""

    def __init__(self, kinds: Sequence[Kind], replacement: str, window: int) -> None:
        self.kinds = tuple(kinds)
        self.replacement = replacement
        self.window = window

    def redact(self, text: str, before: str = "", *, final: bool = True) -> tuple[str, str, int]:
        """Split ``text`` into what can be sent now (redacted) and what must wait.

        ``before`` is the text sent just before (context for the patterns' look-behinds).
        Unless ``final``, the last ``window`` characters wait, and so does any candidate
        reaching into them: the next chunk may extend it or complete its checksum.
        Returns (send, hold, redactions).
        """
        full, base = before + text, len(before)
        found = list(candidates(full, self.kinds, base))
        cut = len(full)
        if not final:
            cut = max(base, len(full) - self.window, len(full) - MAX_HOLD)
            moved = True
            while moved:
                moved = False
                for item in found:
                    if item.start < cut < item.end and item.start >= len(full) - MAX_HOLD:
                        cut, moved = item.start, True
        out: list[str] = []
        position = base
        chosen = [item for item in select(found) if item.start < cut]
        for item in chosen:
            out += (full[position : item.start], self.replacement.format(kind=item.kind))
            position = item.end
        cut = max(cut, position)
        out.append(full[position:cut])
        return "".join(out), full[cut:], len(chosen)
