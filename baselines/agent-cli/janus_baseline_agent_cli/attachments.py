"""Files attached to the conversation become files in the sandbox.

Tools cannot work on bytes inside a message, so before the agent starts, inline file and
audio parts are written to ``/workspace/inputs/`` and replaced by a note saying where they
are. Inline images stay in the message (the model may see them) and are saved as well,
for tools to process.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from typing import Any

INPUTS = "inputs"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?[^,]*?;base64,", re.ASCII)

Attachment = tuple[str, bytes, bool]  # (file name, bytes, keep the part in the message)


def extract_attachments(
    messages: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """The conversation as the agent gets it, and the files to write (workspace paths)."""
    files: dict[str, bytes] = {}
    conversation = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            conversation.append(message)
            continue
        parts = []
        for part in content:
            attachment = _attachment(part)
            if attachment is None:
                parts.append(part)
                continue
            name, data, keep = attachment
            path = f"{INPUTS}/{len(files) + 1}-{_UNSAFE.sub('_', name)[-80:]}"
            files[path] = data
            if keep:
                parts.append(part)
            note = f"[attachment saved as /workspace/{path} ({len(data)} bytes)]"
            parts.append({"type": "text", "text": note})
        conversation.append({**message, "content": parts})
    return conversation, files


def _attachment(part: dict[str, Any]) -> Attachment | None:
    kind = part.get("type")
    if kind == "file":
        file = part.get("file") or {}
        decoded = _decode(file.get("file_data"))
        if decoded is not None:
            data, mime = decoded
            return str(file.get("filename") or "file" + _extension(mime)), data, False
    elif kind == "input_audio":
        audio = part.get("input_audio") or {}
        decoded = _decode(audio.get("data"))
        if decoded is not None:
            return f"audio.{audio.get('format') or 'wav'}", decoded[0], False
    elif kind == "image_url":
        url = (part.get("image_url") or {}).get("url")
        decoded = _decode(url) if isinstance(url, str) and url.startswith("data:") else None
        if decoded is not None:
            data, mime = decoded
            return "image" + _extension(mime), data, True
    return None


def _decode(value: Any) -> tuple[bytes, str | None] | None:
    """Bytes (and type) of a ``data:...;base64,`` URL or of bare base64; None if neither."""
    if not isinstance(value, str) or not value:
        return None
    mime = None
    if match := _DATA_URL.match(value):
        mime, value = match["mime"], value[match.end() :]
    try:
        return base64.b64decode(value, validate=True), mime
    except (binascii.Error, ValueError):
        return None


def _extension(mime: str | None) -> str:
    return (mimetypes.guess_extension(mime) if mime else None) or ".bin"
