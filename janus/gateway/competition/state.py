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
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from janus.config import Config
from janus.gateway.competition.crown import CrownJudge
from janus.gateway.competition.identities import image_identity, plugin_identity
from janus.gateway.competition.leaderboard import (
    AUDIT_SOURCE,
    BoardRules,
    Entrant,
    build_leaderboard,
    suite_kind,
)
from janus.gateway.competition.rewards import RewardPlan, settle_rewards
from janus.gateway.competition.runner import ABANDONED_AFTER_S, EvaluationRunner
from janus.gateway.competitors import CompetitorPool
from janus.gateway.keys import PLUGINS, POOL
from janus.gateway.runtimes.wiring import submission_runtime
from janus.interfaces import CompetitorRuntime, DeployFailed
from janus.plugins import PluginManager
from janus.store import CompetitorRecord, Store

log = logging.getLogger("janus.competition")
SYNC_INTERVAL_S = 30.0


class Competition:
    """One gateway's view of the competition: the store it reads, the pool it keeps in
    step, the evaluations it runs."""

    def __init__(self, config: Config, store: Store, rewards: RewardPlan | None = None) -> None:
        self.config = config
        self.store = store
        self.rewards = rewards
        self.runner = EvaluationRunner(store)
        self.pool: CompetitorPool | None = None
        # Runs submitted images (janus.gateway.runtimes); None: image submissions can't run.
        self.runtime: CompetitorRuntime | None = None
        self.judge = CrownJudge(
            store, dict(config.competition.weights), config.competition.crown_alpha
        )
        # The ranked suite's version and hash (see ``pin_suite``) and the identities of the
        # configured subprocess competitors' plugins (see ``pin_plugins``).
        self.suite_pin: dict[str, str | None] = {"version": None, "hash": None}
        self.plugin_identities: dict[str, str | None] = {}
        # The trusted signers' keys, read once from the variables the configuration names.
        self.signer_keys = {
            signer.name: os.environ[signer.key_env].encode()
            for signer in config.competition.trusted_signers
            if os.environ.get(signer.key_env)
        }
        for signer in config.competition.trusted_signers:
            if signer.name not in self.signer_keys:
                log.warning(
                    "trusted signer %s has no key ($%s is unset): its imports are refused",
                    signer.name,
                    signer.key_env,
                )

    async def pin_suite(self) -> None:
        """Pin the ranked suite: the configured version/hash, else the installed
        janus-bench's copy of ``[competition] suite``; say loudly when it is public."""
        competition = self.config.competition
        if competition.suite_version or competition.suite_hash:
            self.suite_pin = {"version": competition.suite_version, "hash": competition.suite_hash}
        else:
            self.suite_pin = await asyncio.to_thread(_installed_suite, competition.suite)
        if self.suite_pin["hash"] is None and self.suite_pin["version"] is None:
            log.warning(
                "the ranked suite %s is not pinned ([competition] suite_hash) and janus-bench "
                "cannot load it: no evaluation is ranked",
                competition.suite,
            )
        if suite_kind(competition.suite) == "public":
            log.warning(
                "THE CANONICAL SUITE %s IS PUBLIC: its answers ship with janus-bench, so an "
                "answer key scores perfectly. %s",
                competition.suite,
                "Ranking on it anyway (allow_public_suite = true): rows are flagged."
                if competition.allow_public_suite
                else "Nothing is ranked on it; set [competition] suite to a private or "
                "generated suite (or allow_public_suite = true for a test board).",
            )

    async def pin_plugins(self, plugins: PluginManager) -> None:
        """The identity of each configured subprocess competitor's plugin distribution."""
        factories = plugins.collect("register_competitors")
        wanted = {c.id: factories.get(c.plugin or "") for c in self.config.competitors}
        self.plugin_identities = {
            cid: await asyncio.to_thread(plugin_identity, factory) if factory else None
            for cid, factory in wanted.items()
            if self.config.competitor(cid).kind == "subprocess"
        }

    def rules(self) -> BoardRules:
        competition = self.config.competition
        return BoardRules(
            suite_id=competition.suite,
            version=self.suite_pin["version"],
            hash=self.suite_pin["hash"],
            weights=dict(competition.weights),
            allow_public_suite=competition.allow_public_suite,
            rank_external=competition.rank_external,
            trusted_signers=frozenset(s.name for s in competition.trusted_signers),
        )

    async def entrants(self) -> dict[str, Entrant]:
        """Who may be on the board: configured competitors and active submissions."""
        entrants = {}
        for spec in self.config.competitors:
            name = spec.name or spec.id
            if spec.kind == "external":
                entrants[spec.id] = Entrant(name, None, external=True)
                continue
            identity = self.plugin_identities.get(spec.id)
            reason = None if identity else "plugin not from an installed distribution"
            entrants[spec.id] = Entrant(name, None, identity=identity, unranked_reason=reason)
        for record in await self.store.list_competitors():
            if record.status == "active" and record.id not in entrants:
                entrants[record.id] = submitted_entrant(record)
        return entrants

    async def artifact_of(self, competitor_id: str) -> str | None:
        """What an evaluation of ``competitor_id`` starting now runs (its identity)."""
        entrant = (await self.entrants()).get(competitor_id)
        return entrant.identity if entrant else None

    async def leaderboard(self) -> dict[str, Any]:
        audits = [e for e in await self.store.list_evaluations() if e.source == AUDIT_SOURCE]
        board = await build_leaderboard(
            self.store, self.rules(), await self.entrants(), audits=audits, judge=self.judge
        )
        if self.pool is not None:
            # ``janus`` goes to ranked competitors only: nothing unranked is served as #1.
            ranked = [row["competitor_id"] for row in board["data"] if row["ranked"]]
            self.pool.ranking = tuple(ranked)
        return board

    async def settle_rewards(self, now: float | None = None) -> list[str]:
        """Add the closed periods missing from the reward ledger; their labels."""
        if self.rewards is None:
            return []
        now = time.time() if now is None else now
        return await settle_rewards(
            self.store, self.rewards, self.rules(), await self.entrants(), now
        )

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


def submitted_entrant(record: CompetitorRecord) -> Entrant:
    """A submission runs off the platform when it has a URL (the URL is what is routed
    to); an image runs on it, pinned only when referenced by digest."""
    if record.url:
        return Entrant(record.name, record.submitted_at, external=True)
    identity = image_identity(record.image)
    reason = None if identity else "image not pinned by digest"
    return Entrant(record.name, record.submitted_at, identity=identity, unranked_reason=reason)


def _installed_suite(suite_id: str) -> dict[str, str | None]:
    """The installed janus-bench's version and hash of ``suite_id`` (None, None without)."""
    try:
        from janus_bench.catalog import SuiteError, load_suite
    except ImportError:
        return {"version": None, "hash": None}
    try:
        identity = load_suite(suite_id, None).identity()
    except SuiteError:
        return {"version": None, "hash": None}
    return {"version": identity["version"], "hash": identity["hash"]}


COMPETITION = web.AppKey("competition", Competition)


async def run_competition(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: join the pool once it exists, keep in step, stop runs on the way out."""
    competition = app[COMPETITION]
    competition.pool = app[POOL]
    competition.runtime = submission_runtime(app)
    await competition.pin_suite()
    await competition.pin_plugins(app[PLUGINS])
    await competition.sync()
    await competition.settle_rewards()
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
            await competition.settle_rewards()
        except Exception:
            log.exception("could not refresh the competition from the store")
