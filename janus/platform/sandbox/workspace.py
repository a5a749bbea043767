"""A sandbox's workspace as seen from the host: created, read, written and removed.

The gateway touches these files with its own rights (often root), while the sandbox can
put anything there, including symbolic links to ``/etc/shadow``. So every path is walked
one component at a time from a directory descriptor with ``O_NOFOLLOW``: a symbolic link
anywhere on the way is refused, never followed, and nothing the sandbox swaps in between
two steps can redirect the walk. FIFOs and devices are refused too (opened non-blocking,
then checked). These functions block: call them in a worker thread.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from janus.errors import invalid_request
from janus.platform.sandbox.paths import ARTIFACTS, WORKSPACE, file_not_found, file_too_large

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
READ_SIZE = 1024 * 1024


def create(root: Path, uid: int | None) -> None:
    """A fresh workspace with its ``artifacts`` directory, owned by ``uid`` if given.
    ``root`` may already be there: an empty volume's mount point."""
    if root.is_mount():
        (root / "lost+found").rmdir()
        root.chmod(0o700)
    else:
        root.mkdir(mode=0o700)
    (root / ARTIFACTS).mkdir(mode=0o755)
    if uid is not None:
        for path in (root, root / ARTIFACTS):
            os.chown(path, uid, uid)


def write(root: Path, path: PurePosixPath, data: bytes, uid: int | None) -> None:
    """Write ``data`` to ``path`` (relative), creating parent directories as needed."""
    with _errors_as_api_errors(path), _parent(root, path, create=True, uid=uid) as parent:
        fd = os.open(path.name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _FILE, 0o644, dir_fd=parent)
        try:
            _require_regular_file(fd, path)
            if uid is not None:
                os.fchown(fd, uid, uid)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def read(root: Path, path: PurePosixPath, max_bytes: int) -> bytes:
    """The bytes of ``path`` (relative); 413 beyond ``max_bytes``."""
    with _errors_as_api_errors(path), _parent(root, path, create=False, uid=None) as parent:
        fd = os.open(path.name, os.O_RDONLY | _FILE, dir_fd=parent)
        try:
            size = _require_regular_file(fd, path)
            if size > max_bytes:
                raise file_too_large(path, max_bytes)
            chunks = []
            remaining = max_bytes + 1
            while remaining and (chunk := os.read(fd, min(READ_SIZE, remaining))):
                chunks.append(chunk)
                remaining -= len(chunk)
            if not remaining:  # it grew while we read
                raise file_too_large(path, max_bytes)
            return b"".join(chunks)
        finally:
            os.close(fd)


def remove(root: Path) -> None:
    """Remove a workspace, whatever permissions the sandbox left on its directories."""
    if not root.exists():
        return
    os.chmod(root, 0o700)
    for directory, subdirectories, _ in os.walk(root):
        for name in subdirectories:
            child = os.path.join(directory, name)
            if not os.path.islink(child):
                os.chmod(child, 0o700)  # before os.walk goes in
    shutil.rmtree(root)


@contextmanager
def _parent(root: Path, path: PurePosixPath, create: bool, uid: int | None) -> Iterator[int]:
    """A descriptor of ``path``'s directory, reached without following any link; missing
    directories are created (owned by ``uid`` if given) when ``create`` is set."""
    fd = os.open(root, _DIRECTORY)
    try:
        for part in path.parent.parts:
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    if uid is not None:
                        os.chown(part, uid, uid, dir_fd=fd, follow_symlinks=False)
                except FileExistsError:
                    pass
            child = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _require_regular_file(fd: int, path: PurePosixPath) -> int:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise invalid_request(
            f"path: {WORKSPACE / path} is not a regular file", param="path", code="invalid_path"
        )
    return info.st_size


@contextmanager
def _errors_as_api_errors(path: PurePosixPath) -> Iterator[None]:
    shown = WORKSPACE / path
    try:
        yield
    except FileNotFoundError:
        raise file_not_found(path) from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            reason = "goes through a symbolic link or a file (links are not followed)"
        elif exc.errno == errno.EISDIR:
            reason = "is a directory"
        elif exc.errno in (errno.ENXIO, errno.EACCES, errno.EPERM):
            reason = "cannot be opened (not a regular file, or no permission)"
        else:
            raise
        raise invalid_request(
            f"path: {shown} {reason}", param="path", code="invalid_path"
        ) from None
