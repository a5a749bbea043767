"""The request's platform sandbox: created on first use, terminated when the request ends.

Code never runs in the baseline's own process. Most answers need no sandbox at all, so
none is created until a tool asks for one; once created it holds the files of every
tool call of this request (``/workspace``), and it is terminated however the request
ends — success, error, timeout or a client that went away.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from janus.competitor.platform import Platform, PlatformError

log = logging.getLogger(__name__)


class SandboxSession:
    def __init__(self, platform: Platform, ttl_seconds: int) -> None:
        self._platform = platform
        self._ttl_seconds = ttl_seconds
        self._id: str | None = None
        self._lock = asyncio.Lock()  # parallel tool calls must not create two sandboxes
        self.seconds = 0.0  # wall time of the commands run, reported in usage

    @property
    def id(self) -> str | None:
        return self._id

    async def acquire(self) -> tuple[str, bool]:
        """The sandbox's id, and whether this call created it."""
        async with self._lock:
            if self._id is not None:
                return self._id, False
            self._id = await self._platform.create_sandbox(ttl_seconds=self._ttl_seconds)
            return self._id, True

    async def run(self, command: str | list[str], timeout_s: float) -> dict[str, Any]:
        """Run ``command`` in ``/workspace``: ``{stdout, stderr, exit_code, timed_out...}``."""
        sandbox_id, _ = await self.acquire()
        result = await self._platform.exec(sandbox_id, command, timeout_seconds=timeout_s)
        self.seconds += float(result.get("duration_seconds") or 0.0)
        return result

    async def write(self, path: str, content: str | bytes) -> None:
        """Write a file, ``path`` relative to ``/workspace``."""
        sandbox_id, _ = await self.acquire()
        await self._platform.write_file(sandbox_id, path, content)

    async def read(self, path: str) -> bytes:
        """Read a file, ``path`` relative to ``/workspace``."""
        sandbox_id, _ = await self.acquire()
        return await self._platform.read_file(sandbox_id, path)

    async def close(self) -> str | None:
        """Terminate the sandbox if there is one; returns its id. Safe to call twice.

        Shielded, so that a cancellation arriving meanwhile (the client left) cannot leave
        the sandbox running; a failure is logged, not raised, since the answer is already
        decided by then and the sandbox's TTL reaps it anyway.
        """
        sandbox_id, self._id = self._id, None
        if sandbox_id is None:
            return None
        try:
            await asyncio.shield(self._platform.terminate(sandbox_id))
        except (PlatformError, aiohttp.ClientError, OSError) as exc:
            log.warning("could not terminate sandbox %s: %s", sandbox_id, exc)
        return sandbox_id
