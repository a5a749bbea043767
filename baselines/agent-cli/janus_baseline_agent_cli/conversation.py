"""Reading OpenAI messages: the last user message, and the text of any content."""

from __future__ import annotations

from typing import Any


def last_user_content(messages: list[dict[str, Any]]) -> Any:
    return next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), None)


def text_of(content: Any) -> str:
    """A string content as is; the text parts of a list content, one per line."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return ""
