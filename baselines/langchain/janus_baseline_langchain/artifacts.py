"""Artifact descriptors for files the agent hands to the user.

The bytes travel inside the descriptor as a ``data:`` URL rather than as the sandbox's
artifact URL (``Platform.artifact_url``). The gateway reads a sandbox URL only when it
relays the descriptor — for a non-stream answer, after the whole answer arrived — and by
then this request has terminated its sandbox, as it must. A ``data:`` URL carries the bytes
with it, so the artifact outlives the sandbox; the gateway re-hosts it under
``/v1/artifacts/{id}`` all the same.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import time
import uuid
from pathlib import PurePosixPath
from typing import Any


def describe(name: str, data: bytes) -> dict[str, Any]:
    """The descriptor of ``data``, a file called ``name`` (``specs/platform.md`` §9)."""
    mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {
        "id": uuid.uuid4().hex,
        "type": "image" if mime_type.startswith("image/") else "file",
        "mime_type": mime_type,
        "display_name": PurePosixPath(name).name,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": int(time.time()),
        "url": f"data:{mime_type};base64,{base64.b64encode(data).decode()}",
    }
