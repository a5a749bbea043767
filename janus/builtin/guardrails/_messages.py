"""Walking a request body's message parts, shared by the guardrails that inspect them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def image_urls(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Each ``image_url`` part's URL with its ``param`` path (``messages[0].content[1]``)."""
    for m_index, message in enumerate(body.get("messages") or ()):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for p_index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = (part.get("image_url") or {}).get("url")
                if isinstance(url, str):
                    yield url, f"messages[{m_index}].content[{p_index}].image_url.url"


def split_data_url(url: str) -> tuple[str, bool, str] | None:
    """``data:<mime>[;base64],<payload>`` → (mime, is_base64, payload); None if malformed."""
    header, comma, payload = url.removeprefix("data:").partition(",")
    if not comma:
        return None
    params = header.split(";")
    return params[0], "base64" in params[1:], payload
