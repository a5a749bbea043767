"""The agent's only output channel: one JSON object per line on stdout.

Each line is ``{"event": NAME, ...fields}``. The baseline reads them while the agent
runs, so every line is flushed at once. Nothing secret is ever written here.
"""

from __future__ import annotations

import json
import sys
from typing import Any

PREVIEW_CHARS = 400


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def clip(text: str, limit: int = PREVIEW_CHARS) -> str:
    """At most ``limit`` characters: the head and the tail, the middle marked as cut."""
    if len(text) <= limit:
        return text
    half = max(limit // 2 - 10, 1)
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"
