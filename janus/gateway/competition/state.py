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
from janus.gateway.competition.crown import CrownJudge
from janus.gateway.competition.leaderboard import Entrant, build_leaderboard
from janus.gateway.competition.runner import ABANDONED_AFTER_S, EvaluationRunner
from janus.gateway.competitors import CompetitorPool
from janus.gateway.keys import POOL
from janus.store import Store

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
        self.judge = CrownJudge(
            store, dict(config.competition.weights), config.competition.crown_alpha
        )

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
            judge=self.judge,
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
            if record.status == "active" and record.url
        }
        for competitor_id in self.pool.admitted():
            if competitor_id not in routable:
                self.pool.remove(competitor_id)
        for record in routable.values():
            if self.pool.is_configured(record.id):
                # janus.toml took the id after it was submitted: the configuration rules.
                log.warning("submitted competitor %s is shadowed by a configured one", record.id)
                continue
            current = self.pool.get(record.id)
            if current is None or (current.base_url, current.name) != (record.url, record.name):
                self.pool.add(record.id, record.name, record.url)
        await self.leaderboard()


COMPETITION = web.AppKey("competition", Competition)


async def run_competition(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: join the pool once it exists, keep in step, stop runs on the way out."""
    competition = app[COMPETITION]
    competition.pool = app[POOL]
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
