"""``GET /v1/artifacts/{id}/{file name}`` (and ``/{id}``): re-hosted artifacts, for holders
of a valid signed link."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from aiohttp import web

from janus.errors import JanusError
from janus.gateway.artifacts import link_name, safe_display_name, valid_mime_type
from janus.gateway.keys import ARTIFACTS
from janus.store import ArtifactRecord

_CACHE = "private, max-age=3600"
_EXPIRES = re.compile(r"[0-9]{1,15}")  # ASCII digits only: int() would take any script's


def _not_found(artifact_id: str) -> JanusError:
    return JanusError(f"No artifact '{artifact_id}'.", status=404, code="artifact_not_found")


async def serve_artifact(request: web.Request) -> web.StreamResponse:
    artifact_id = request.match_info["artifact_id"]
    artifacts = request.app[ARTIFACTS]
    expires_text = request.query.get("expires", "")
    if _EXPIRES.fullmatch(expires_text) is None:
        raise _bad_link()
    expires = int(expires_text)
    if not artifacts.signer.valid(artifact_id, expires, request.query.get("signature", "")):
        raise _bad_link()
    # A genuine link that ran out is 410 even once the sweep has deleted the artifact.
    if expires < _now():
        raise _expired(artifact_id)
    record = await artifacts.store.get_artifact(artifact_id)
    if record is None or not artifacts.path_of(artifact_id).is_file():
        raise _not_found(artifact_id)
    # Links end with the file name (older ones without): only the artifact's own name serves.
    named = request.match_info.get("file_name")
    if named is not None and named != link_name(record.display_name, record.mime_type):
        raise _not_found(artifact_id)
    if record.expires_at < _now():
        raise _expired(artifact_id)
    # FileResponse streams the file with sendfile and answers conditional requests
    # (ETag / If-None-Match, ranges) itself.
    return web.FileResponse(artifacts.path_of(artifact_id), headers=_headers(record))


def _headers(record: ArtifactRecord) -> dict[str, str]:
    """Headers from what the store holds, cleaned again: a row stored before names and
    types were checked at intake must not break (or add to) the response's headers."""
    name = safe_display_name(record.display_name)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return {
        "Content-Type": record.mime_type
        if valid_mime_type(record.mime_type)
        else "application/octet-stream",
        "X-Content-SHA256": record.sha256,
        "Content-Disposition": disposition,
        "Cache-Control": _CACHE,
        "X-Content-Type-Options": "nosniff",
    }


def _expired(artifact_id: str) -> JanusError:
    return JanusError(
        f"The link to artifact '{artifact_id}' has expired.", status=410, code="artifact_expired"
    )


def _bad_link() -> JanusError:
    return JanusError(
        "The artifact link's signature is missing or invalid.",
        status=403,
        type="permission_error",
        code="invalid_signature",
    )


def _now() -> int:
    return int(time.time())
