"""Artifacts: what competitors produce is re-hosted by the gateway, never linked to.

A competitor returns artifact descriptors whose URL is a ``data:`` URL or a URL of a
platform sandbox's ``/artifacts/`` folder. The gateway reads the bytes through the
platform (never over the network, so a competitor cannot make it fetch arbitrary URLs),
checks size, type and ``sha256``, stores them, and hands the client a gateway URL signed
with an expiry. Clients only ever see gateway URLs or ``data:`` URLs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fnmatch
import hashlib
import hmac
import mimetypes
import re
import secrets
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from janus.config import ArtifactsConfig
from janus.errors import JanusError
from janus.platform.tokens import owner_of
from janus.store import ArtifactRecord, Store

SANDBOX_ARTIFACT_PATH = re.compile(
    r"/platform/sandbox/api/sandboxes/(?P<sandbox>[A-Za-z0-9_.-]+)/artifacts/(?P<path>.+)$"
)
_DATA_URL = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^,;]*)*?);base64,", re.ASCII
)

# (owner, sandbox id, path inside /workspace/artifacts, max bytes) → (bytes, mime type);
# a sandbox of another owner is "not found", exactly like one that does not exist.
SandboxReader = Callable[[str, str, str, int], Awaitable[tuple[bytes, str]]]
# A media type with optional parameters, in printable ASCII: it becomes a Content-Type
# header on download, so nothing in it may end or add a header.
_MIME_TYPE = re.compile(
    r'[\w.+-]+/[\w.+-]+(?:[ \t]*;[ \t]*[\w.+-]+=(?:[\w.+-]+|"[ !#-\[\]-~]*"))*',
    re.ASCII,
)
_MAX_NAME_CHARS = 255


def valid_mime_type(text: str) -> bool:
    return len(text) <= _MAX_NAME_CHARS and _MIME_TYPE.fullmatch(text) is not None


def safe_display_name(name: str) -> str:
    """A competitor's artifact name as a file name that cannot break a header: control,
    format and separator characters (CR and LF among them) and path separators become
    ``_``; at most 255 characters."""
    cleaned = "".join(
        "_" if c in "/\\" or (unicodedata.category(c)[0] in "CZ" and c != " ") else c
        for c in name[:_MAX_NAME_CHARS]
    ).strip()
    return cleaned or "artifact"


class ArtifactRejected(Exception):
    """A competitor's artifact breaks the contract (bad URL, too big, wrong hash...)."""


class UrlSigner:
    """Signs ``(artifact id, expiry)`` so download links cannot be forged or extended."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def sign(self, artifact_id: str, expires: int) -> str:
        message = f"{artifact_id}.{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def valid(self, artifact_id: str, expires: int, signature: str) -> bool:
        # Any text can arrive in a URL; signatures and our ids are ASCII (and
        # compare_digest refuses other strings).
        if not (artifact_id.isascii() and signature.isascii()):
            return False
        return hmac.compare_digest(self.sign(artifact_id, expires), signature)


@dataclass
class Artifacts:
    settings: ArtifactsConfig
    store: Store
    directory: Path
    signer: UrlSigner
    read_from_sandbox: SandboxReader | None

    def path_of(self, artifact_id: str) -> Path:
        return self.directory / artifact_id

    def url(self, origin: str, artifact_id: str, expires: int, file_name: str) -> str:
        """The signed link; it ends with the file name, so that clients which recognise a
        file by its extension (an image, say) recognise this one."""
        signature = self.signer.sign(artifact_id, expires)
        name = quote(file_name, safe="")
        return f"{origin}/v1/artifacts/{artifact_id}/{name}?expires={expires}&signature={signature}"

    async def rehost(
        self, descriptor: dict[str, Any], *, request_id: str, competitor_id: str, origin: str
    ) -> dict[str, Any]:
        """The descriptor the client sees: same artifact, bytes verified, URL of ours.

        Sandbox artifacts are read only from sandboxes of ``competitor_id`` for this
        request (``request_id`` is the gateway's own), as its platform token owns them.
        """
        source = descriptor.get("url")
        if not isinstance(source, str) or not source:
            raise ArtifactRejected("an artifact has no url")
        data, detected_mime = await self._fetch(source, owner_of(competitor_id, request_id))
        mime_type = str(descriptor.get("mime_type") or detected_mime or "application/octet-stream")
        if not valid_mime_type(mime_type):
            raise ArtifactRejected(f"artifact mime_type {mime_type[:100]!r} is not a media type")
        self._check(descriptor, data, mime_type)
        digest = hashlib.sha256(data).hexdigest()
        now = int(time.time())
        name = safe_display_name(
            str(descriptor.get("display_name") or Path(urlsplit(source).path).name or "")
        )
        if source.startswith("data:") and len(data) <= self.settings.inline_max_bytes:
            url, artifact_id, expires = source, str(descriptor.get("id") or digest[:16]), None
        else:
            artifact_id = secrets.token_urlsafe(12)
            expires = now + self.settings.url_ttl_s
            await asyncio.to_thread(self._write, artifact_id, data)
            await self.store.add_artifact(
                ArtifactRecord(
                    artifact_id,
                    request_id,
                    competitor_id,
                    str(descriptor.get("type") or "file"),
                    mime_type,
                    name,
                    len(data),
                    digest,
                    now,
                    expires,
                )
            )
            url = self.url(origin, artifact_id, expires, link_name(name, mime_type))
        return {
            "id": artifact_id,
            "type": str(descriptor.get("type") or "file"),
            "mime_type": mime_type,
            "display_name": name,
            "size_bytes": len(data),
            "sha256": digest,
            "created_at": now,
            "ttl_seconds": self.settings.url_ttl_s if expires else None,
            "url": url,
        }

    async def _fetch(self, source: str, owner: str) -> tuple[bytes, str | None]:
        if source.startswith("data:"):
            return _decode_data_url(source, self.settings.max_bytes)
        match = SANDBOX_ARTIFACT_PATH.search(urlsplit(source).path)
        if match is None or self.read_from_sandbox is None:
            raise ArtifactRejected(
                "artifact URLs must be data: URLs or platform sandbox artifact URLs, "
                f"not {source[:100]!r}"
            )
        try:
            return await self.read_from_sandbox(
                owner, match["sandbox"], unquote(match["path"]), self.settings.max_bytes
            )
        except (JanusError, LookupError, ValueError, OSError) as exc:
            raise ArtifactRejected(f"artifact {source[:100]!r} cannot be read: {exc}") from exc

    def _check(self, descriptor: dict[str, Any], data: bytes, mime_type: str) -> None:
        if len(data) > self.settings.max_bytes:
            raise ArtifactRejected(
                f"an artifact of {len(data)} bytes exceeds {self.settings.max_bytes} bytes"
            )
        if not any(
            fnmatch.fnmatch(mime_type, allowed) for allowed in self.settings.allowed_mime_types
        ):
            raise ArtifactRejected(f"artifact type {mime_type} is not allowed")
        claimed = descriptor.get("sha256")
        if claimed and claimed != hashlib.sha256(data).hexdigest():
            raise ArtifactRejected("an artifact's bytes do not match its sha256")
        claimed_size = descriptor.get("size_bytes")
        if claimed_size is not None and claimed_size != len(data):
            raise ArtifactRejected(f"an artifact claims {claimed_size} bytes but has {len(data)}")

    def _write(self, artifact_id: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path_of(artifact_id).write_bytes(data)

    async def remove_expired(self) -> int:
        expired = await self.store.delete_expired_artifacts(int(time.time()))
        for artifact_id in expired:
            await asyncio.to_thread(self.path_of(artifact_id).unlink, missing_ok=True)
        return len(expired)


def link_name(display_name: str, mime_type: str) -> str:
    """The file name an artifact's link ends with: the last component of its display name,
    given the extension of its type when it has none."""
    name = PurePosixPath(display_name.replace("\\", "/")).name
    if name in ("", ".", ".."):  # a browser would resolve these as path steps
        name = "artifact"
    if not PurePosixPath(name).suffix and mime_type != "application/octet-stream":
        name += mimetypes.guess_extension(mime_type) or ""
    return name


def _decode_data_url(url: str, limit: int) -> tuple[bytes, str | None]:
    match = _DATA_URL.match(url)
    if match is None:
        raise ArtifactRejected("a data: artifact URL must be base64 (data:<type>;base64,...)")
    payload = url[match.end() :]
    if len(payload) * 3 // 4 > limit + 3:
        raise ArtifactRejected(f"an artifact exceeds {limit} bytes")
    try:
        return base64.b64decode(payload, validate=True), match["mime"]
    except (binascii.Error, ValueError) as exc:
        raise ArtifactRejected(f"a data: artifact URL is not valid base64: {exc}") from None
