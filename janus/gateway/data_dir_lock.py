"""One gateway per ``platform.data_dir``.

Two gateways on one data directory would share its sandbox workspaces, artifacts and
SQLite store, and the second one's start-up would wipe the first one's live workspaces.
So a running gateway holds an exclusive ``flock`` on ``<data_dir>/gateway.lock`` for as
long as it serves; a second one refuses to start. The kernel drops the lock when the
process ends, however it ends, so a crash never leaves a stale lock behind. The file
holds the owner's pid, for the message only.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from janus.config import ConfigError
from janus.gateway.keys import CONFIG
from janus.platform.app import data_dir

LOCK_FILE = "gateway.lock"


class DataDirInUse(ConfigError):
    """Another live gateway holds the data directory; the message is meant for the user
    (a ConfigError, so ``janus serve``, which never imports the gateway, need not know it)."""


def lock_data_dir(directory: Path) -> int:
    """Take the lock (creating the directory if needed); returns the descriptor that holds
    it until closed. Raises ``DataDirInUse`` at once, without waiting, if it is taken."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        by = f" (pid {owner})" if owner.isdigit() else ""
        raise DataDirInUse(
            f"platform.data_dir {directory} is in use by another running gateway{by}; "
            "give each gateway its own data_dir"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


async def hold_data_dir(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx, first of all: nothing touches the data directory before the lock."""
    fd = await asyncio.to_thread(lock_data_dir, data_dir(app[CONFIG]))
    try:
        yield
    finally:
        os.close(fd)
