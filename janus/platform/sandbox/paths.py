"""Paths callers give us, checked before anything touches a file.

Callers name files relative to ``/workspace`` (``out/plot.png``) or absolutely inside it
(``/workspace/out/plot.png``). Anything else, and any ``..``, is refused outright rather
than normalised: a path that tries to climb out is a mistake or an attack either way.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from janus.errors import JanusError, invalid_request

WORKSPACE = PurePosixPath("/workspace")
ARTIFACTS = PurePosixPath("artifacts")


def workspace_path(raw: str, param: str = "path") -> PurePosixPath:
    """``raw`` as a path relative to the workspace, or a 400."""
    path = PurePosixPath(raw)
    if path.is_absolute():
        if not path.is_relative_to(WORKSPACE):
            raise invalid_request(
                f"{param}: must be inside {WORKSPACE}", param=param, code="invalid_path"
            )
        path = path.relative_to(WORKSPACE)
    return _checked(raw, path, param)


def artifact_path(raw: str) -> PurePosixPath:
    """A path under ``/workspace/artifacts`` as it appears in an artifact URL."""
    path = PurePosixPath(raw)
    if path.is_absolute():
        raise invalid_request(
            "path: must be relative to /workspace/artifacts", param="path", code="invalid_path"
        )
    return ARTIFACTS / _checked(raw, path, "path")


def _checked(raw: str, path: PurePosixPath, param: str) -> PurePosixPath:
    if not raw or "\x00" in raw or ".." in path.parts or path == PurePosixPath("."):
        raise invalid_request(
            f"{param}: must name a file inside {WORKSPACE}, without '..'",
            param=param,
            code="invalid_path",
        )
    return path


def mime_type(path: PurePosixPath) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def file_not_found(path: PurePosixPath) -> JanusError:
    return JanusError(
        f"{WORKSPACE / path} does not exist.", status=404, code="file_not_found", param="path"
    )


def file_too_large(path: PurePosixPath, max_bytes: int) -> JanusError:
    return JanusError(
        f"{WORKSPACE / path} is larger than {max_bytes} bytes.",
        status=413,
        code="file_too_large",
        param="path",
    )
