"""Host uids for jails, each held by exactly one jail on the whole host.

Two jails that share a uid can signal, trace and fill each other's process quota, even
from two gateways. So a jail's uid is leased: an exclusive ``flock`` on ``<uid>.lock`` in a
host-wide directory, held for as long as the jail lives. The kernel drops the lock when
its holder dies, so a crashed gateway leaks nothing. Lock files are never deleted: removing
one while another process waits on it would let two holders exist.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

DEFAULT_LOCK_DIR = Path("/run/janus/jail-uids")


class NoFreeUid(RuntimeError):
    """Every uid of the range is held by a live jail."""


class UidLease:
    """One leased uid; ``release`` (or the holder's death) frees it."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class UidPool:
    """Leases uids from ``[base, base + count)``; safe across threads and processes."""

    def __init__(self, base: int, count: int, lock_dir: Path = DEFAULT_LOCK_DIR) -> None:
        self.base = base
        self.count = count
        self.lock_dir = lock_dir
        self._next = 0
        self._mutex = threading.Lock()

    def lease(self) -> UidLease:
        """The first free uid after the last one leased here (round robin, so a uid just
        released is not handed out again at once)."""
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._mutex:
            for step in range(self.count):
                offset = (self._next + step) % self.count
                uid = self.base + offset
                fd = os.open(
                    self.lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                )
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._next = offset + 1
                return UidLease(uid, fd)
        raise NoFreeUid(f"all {self.count} jail uids from {self.base} are in use on this host")
