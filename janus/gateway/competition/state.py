"""The competition's run-time state in one gateway, and how it stays in step with the store.

The store is the truth (several replicas may share it). Each gateway mirrors two things
from it: which submitted competitors are in its pool, and the leaderboard order the
``champion`` router follows. It refreshes both after every change it makes and every
``SYNC_INTERVAL_S`` seconds, which picks up what other replicas changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from janus.config import Config
from janus.gateway.competition.leaderboard import Entrant, build_leaderboard
from janus.gateway.competition.runner import ABANDONED_AFTER_S, EvaluationRunner
from janus.gateway.competitors import CompetitorPool
from janus.gateway.keys import POOL
from janus.gateway.runtimes.wiring import submission_runtime
from janus.interfaces import CompetitorRuntime, DeployFailed
from janus.store import CompetitorRecord, Store

log = logging.getLogger("janus.competition")
SYNC_INTERVAL_S = 30.0


class Competition:
    """One gateway's view of the competition: the store it reads, the pool it keeps in
    step, the evaluations it runs."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.runner = EvaluationRunner(store)
        self.pool: CompetitorPool | None = None
        # Runs submitted images (janus.gateway.runtimes); None: image submissions can't run.
        self.runtime: CompetitorRuntime | None = None

    async def entrants(self) -> dict[str, Entrant]:
        """Who may be on the board: configured competitors and active submissions."""
        entrants = {c.id: Entrant(c.name or c.id, None) for c in self.config.competitors}
        for record in await self.store.list_competitors():
            if record.status == "active" and record.id not in entrants:
                entrants[record.id] = Entrant(record.name, record.submitted_at)
        return entrants

    async def leaderboard(self) -> dict[str, Any]:
        board = await build_leaderboard(
            self.store,
            self.config.competition.suite,
            self.config.competition.weights,
            await self.entrants(),
        )
        if self.pool is not None:
            self.pool.ranking = tuple(row["competitor_id"] for row in board["data"])
        return board

    async def sync(self) -> None:
        """Bring the pool's submitted competitors and ranking in line with the store, and
        end the runs a stopped gateway left behind."""
        for evaluation_id in await self.store.end_abandoned_evaluations(
            now=time.time(), silent_for_s=ABANDONED_AFTER_S
        ):
            log.warning("evaluation %s was abandoned by a stopped gateway: failed", evaluation_id)
        if self.pool is None:
            return
        routable = {
            record.id: record
            for record in await self.store.list_competitors()
            if record.status == "active" and (record.url or (record.image and self.runtime))
        }
        for competitor_id in self.pool.admitted():
            if competitor_id not in routable:
                self.pool.remove(competitor_id)
        if self.runtime is not None:
            for competitor_id in self.runtime.deployed():
                record = routable.get(competitor_id)
                if not self.pool.is_configured(competitor_id) and (not record or record.url):
                    await self.runtime.remove(competitor_id)
        for record in routable.values():
            if self.pool.is_configured(record.id):
                # janus.toml took the id after it was submitted: the configuration rules.
                log.warning("submitted competitor %s is shadowed by a configured one", record.id)
                continue
            if record.url:
                current = self.pool.get(record.id)
                if current is None or (current.base_url, current.name) != (record.url, record.name):
                    self.pool.add(record.id, record.name, record.url)
            else:
                await self._deploy(record)
        await self.leaderboard()

    async def _deploy(self, record: CompetitorRecord) -> None:
        """Put a submitted image in the pool, through the runtime (which starts it on its
        first request)."""
        assert self.runtime is not None and self.pool is not None and record.image
        limits = self.config.containers.limits_for(None)
        try:
            deployment = await self.runtime.deploy(record.id, record.image, limits)
        except DeployFailed as exc:
            log.error("submitted competitor %s cannot run: %s", record.id, exc)
            return
        current = self.pool.get(record.id)
        base_url = f"http://{record.id}"
        if current is None or (current.base_url, current.name) != (base_url, record.name):
            self.pool.add(
                record.id,
                record.name,
                base_url,
                unix_socket=deployment.socket_path,
                platform_url=deployment.platform_url,
            )


COMPETITION = web.AppKey("competition", Competition)


async def run_competition(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: join the pool once it exists, keep in step, stop runs on the way out."""
    competition = app[COMPETITION]
    competition.pool = app[POOL]
    competition.runtime = submission_runtime(app)
    await competition.sync()
    syncing = asyncio.get_running_loop().create_task(_keep_in_step(competition))
    yield
    syncing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await syncing
    await competition.runner.cancel_all()


async def _keep_in_step(competition: Competition) -> None:
    while True:
        await asyncio.sleep(SYNC_INTERVAL_S)
        try:
            await competition.sync()
        except Exception:
            log.exception("could not refresh the competition from the store")
