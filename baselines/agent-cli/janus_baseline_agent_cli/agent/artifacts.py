"""``janus-agent artifacts DIR``: announce every file in DIR as an ``artifact`` line.

The bootstrap runs it after any agent — ours or another one — so the files left in
``/workspace/artifacts`` reach the client whichever agent made them. Hashing happens here,
next to the bytes; the gateway checks size and sha256 again when it re-hosts them.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from pathlib import Path

from .events import emit

CHUNK = 1024 * 1024


def announce_artifacts(directory: Path) -> int:
    """Emit one ``artifact`` event per regular file (symbolic links are skipped)."""
    count = 0
    if not directory.is_dir():
        return count
    for root, subdirectories, files in os.walk(directory):
        subdirectories.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(directory).as_posix()
            emit(
                "artifact",
                path=relative,
                size_bytes=path.stat().st_size,
                sha256=_sha256(path),
                mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            )
            count += 1
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
