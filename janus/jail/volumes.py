"""Size-capped writable space: a file-system image per jail, loop-mounted.

A workspace directory on the host's disk has no limit but the disk: a sandbox once wrote
2.5 GB in 14 s. An ext4 image of the allowed size (sparse: it costs only what is written),
mounted with ``nosuid,nodev``, stops the writer at its size with ``ENOSPC`` and is gone
with its image. Creating and mounting takes about 70 ms; these functions block, so call
them in a worker thread.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_TIMEOUT_S = 60


class VolumeUnavailable(RuntimeError):
    """Images cannot be made or mounted here (not root, or tools missing)."""


def _tool(name: str) -> str:
    found = shutil.which(name, path=SYSTEM_PATH)
    if found is None:
        raise VolumeUnavailable(f"{name} not found (packages e2fsprogs, util-linux)")
    return found


def create(mount_point: Path, size_mb: int, uid: int) -> None:
    """Make ``<mount_point>.img`` of ``size_mb`` owned by ``uid`` and mount it there."""
    image = mount_point.with_suffix(".img")
    mount_point.mkdir(mode=0o700)
    try:
        with open(image, "wb") as handle:
            handle.truncate(size_mb * 1024 * 1024)
        _run(
            _tool("mkfs.ext4"),
            "-q",
            "-F",
            "-m",
            "0",
            "-O",
            "^has_journal",
            "-E",
            f"root_owner={uid}:{uid}",
            str(image),
        )
        _run(_tool("mount"), "-o", "loop,nosuid,nodev,noatime", str(image), str(mount_point))
    except BaseException:
        image.unlink(missing_ok=True)
        mount_point.rmdir()
        raise


def remove(mount_point: Path) -> None:
    """Unmount (lazily, should anything still hold it) and delete the image; a path that
    is not a mounted volume is left alone but for a stray image."""
    if mount_point.is_mount():
        _run(_tool("umount"), "--lazy", str(mount_point))
        mount_point.rmdir()
    mount_point.with_suffix(".img").unlink(missing_ok=True)


def check(scratch: Path) -> None:
    """Create and remove one small volume; VolumeUnavailable says why it cannot be done."""
    probe = scratch / "volume-probe"
    remove(probe)
    try:
        create(probe, 8, 0)
    except OSError as exc:
        raise VolumeUnavailable(f"cannot mount a workspace image in {scratch}: {exc}") from None
    remove(probe)


def _run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT_S)
    if result.returncode != 0:
        raise VolumeUnavailable(f"{Path(argv[0]).name} failed: {result.stderr.strip()}")
