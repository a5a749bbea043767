"""Terminating sandboxes, whatever happens to the request that made them.

A sandbox is terminated at once when its run fails, times out or the client goes away.
One that produced artifacts is kept ``artifact_grace_s`` longer: the gateway reads the
artifacts from it while relaying the answer, which may be after the baseline wrote its
last byte, and nothing tells the baseline when that read is done.

Terminations run as tasks of their own, with their own platform client, so a second
cancellation of the request or the end of its platform session cannot stop them; when
the app stops, pending ones happen at once and are awaited. Should the process die
anyway, the platform's idle TTL removes the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from janus.competitor.platform import Platform, PlatformError

log = logging.getLogger("janus_baseline_agent_cli")


class SandboxReaper:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()

    async def terminate(
        self, platform_url: str, token: str, sandbox_id: str, delay_s: float = 0.0
    ) -> None:
        """Terminate now (returns when done) or after ``delay_s`` (returns at once)."""
        task = asyncio.get_running_loop().create_task(
            self._terminate(platform_url, token, sandbox_id, delay_s)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if delay_s <= 0:
            await asyncio.shield(task)

    async def close(self) -> None:
        """Terminate everything still pending, now."""
        self._closing.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _terminate(self, platform_url: str, token: str, sandbox_id: str, delay_s: float):
        if delay_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay_s)
        try:
            async with Platform(platform_url, token) as platform:
                await platform.terminate(sandbox_id)
        except PlatformError as exc:
            if exc.status != 404:  # 404: it is gone already (expired)
                log.warning("could not terminate sandbox %s: %s", sandbox_id, exc)
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("could not terminate sandbox %s: %s", sandbox_id, exc)
