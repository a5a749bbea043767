"""Work the gateway does beside requests: keeping meters, expiring artifacts.

Nothing here runs on a request's critical path: meters are written to the store in the
background after the answer went out, and a periodic sweep removes what expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from janus.gateway.keys import ARTIFACTS, BACKGROUND, METERING, STORE
from janus.platform.metering import Meter

log = logging.getLogger("janus.gateway")
SWEEP_INTERVAL_S = 60.0


def keep_metering(app: web.Application, meters: list[Meter]) -> None:
    """Store a finished request's meters for the bench, without delaying its answer."""
    if not meters:
        return
    rows = [(m.request_id, m.competitor_id, time.time(), m.to_dict()) for m in meters]
    task = asyncio.get_running_loop().create_task(app[STORE].record_metering(rows))
    background = app[BACKGROUND]
    background.add(task)
    task.add_done_callback(background.discard)


async def sweep(app: web.Application) -> None:
    """Expire artifacts and unvoted arena battles, and collect meters whose tokens ran out
    without their request closing here (late calls, or requests another replica served)."""
    removed = await app[ARTIFACTS].remove_expired()
    orphans = app[METERING].sweep(time.time())
    keep_metering(app, orphans)
    battles = await app[STORE].delete_expired_battles(time.time())
    if battles:
        log.info("housekeeping: %d arena battle(s) expired without a vote", battles)
    if removed or orphans:
        log.info(
            "housekeeping: %d expired artifact(s) removed, %d orphan meter(s) kept",
            removed,
            len(orphans),
        )


async def run_housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the periodic sweep while the app runs, then drain pending writes."""

    async def every_interval() -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            try:
                await sweep(app)
            except Exception:
                log.exception("housekeeping sweep failed")

    sweeper = asyncio.get_running_loop().create_task(every_interval())
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    if pending := app[BACKGROUND]:
        await asyncio.gather(*pending, return_exceptions=True)
