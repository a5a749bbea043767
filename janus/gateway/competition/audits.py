"""Post-crowning audits: what the champion serves once it is crowned.

A competitor that can tell an evaluation from a user's request could answer the bench
well and users badly. Evaluations are announced (``GET /v1/evaluations`` lists them while
they run); audits are not. At random times (``[competition] audit_interval_s`` on
average) or when an admin asks (``POST /v1/competition/audit``) the gateway runs a sample
of freshly generated items (``audit_subset`` percent of the suite) against the champion
through the ordinary ``janus`` route, pinned to the champion server-side, and stores the
run only once it has ended (``source: "audit"``).

The rule: the audit fails when even the upper end of its composite's interval is below
the lower end of the interval of the evaluation the champion was ranked on (the composite
itself when a run has no interval) by more than ``audit_tolerance`` points (speed varies
with the machine's load between two runs; what a two-faced champion serves users does not
come near). A failed audit takes the champion off the board (the
next one down is crowned) until a full evaluation newer than the audit ranks it again;
the leaderboard shows every competitor's latest audit and why one failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from janus.errors import JanusError
from janus.gateway.competition.http import admin_only
from janus.gateway.competition.leaderboard import AUDIT_SOURCE
from janus.gateway.competition.runs import RunAccess, bench, run_options
from janus.gateway.competition.state import COMPETITION, Competition
from janus.gateway.keys import ADMIN_KEY, METERING
from janus.server import LISTENING_URLS
from janus.store import EvaluationRecord

log = logging.getLogger("janus.competition")


def audit_verdict(
    audit: dict[str, Any], ranked: EvaluationRecord, tolerance: float
) -> dict[str, Any]:
    """Whether the audit's result (a janus-bench result) agrees with the evaluation the
    champion was ranked on, within ``tolerance`` composite points, and why not."""
    composite = float(audit["composite"])
    audit_high = float((audit.get("ci") or {}).get("high", composite))
    assert ranked.composite is not None
    bound = (ranked.ci_low if ranked.ci_low is not None else ranked.composite) - tolerance
    passed = audit_high >= bound
    reason = None
    if not passed:
        reason = (
            f"audit composite {composite:.1f} (upper bound {audit_high:.1f}) on "
            f"{len(audit.get('tasks') or [])} fresh items is below {bound:.1f}: the lower "
            f"bound of evaluation {ranked.id} it was ranked on, less {tolerance:g} points"
        )
    return {"against": ranked.id, "bound": bound, "passed": passed, "reason": reason}


def audit_dict(record: EvaluationRecord, verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "competition.audit",
        "competitor_id": record.competitor_id,
        "finished_at": record.finished_at,
        "composite": record.composite,
        "ci": None if record.ci_low is None else {"low": record.ci_low, "high": record.ci_high},
        **verdict,
    }


class Auditor:
    """Runs audits of the champion, one at a time."""

    def __init__(self, competition: Competition, urls: list[str], meter_key: bytes) -> None:
        self.competition = competition
        self.urls = urls  # where this gateway listens (filled once it does)
        self.meter_key = meter_key  # the gateway's meters are checked with it
        self._lock = asyncio.Lock()

    async def audit_now(self, admin_key: str) -> dict[str, Any]:
        """Audit the current champion (calling the gateway with ``admin_key``) and
        refresh the board; the audit as ``audit_dict``. JanusError when there is nothing
        to audit or no way to."""
        if self._lock.locked():
            raise JanusError("An audit is already running.", status=409, code="audit_running")
        async with self._lock:
            return await self._audit(admin_key)

    async def _audit(self, admin_key: str) -> dict[str, Any]:
        config = self.competition.config.competition
        tools = bench()
        if not tools.is_generated(config.suite):
            raise JanusError(
                f"Audits need fresh items: the ranked suite '{config.suite}' is not a "
                "generated suite.",
                status=409,
                code="audit_needs_generated_suite",
            )
        board = await self.competition.leaderboard()
        champion = next((row for row in board["data"] if row["champion"]), None)
        if champion is None:
            raise JanusError("There is no champion to audit.", status=409, code="no_champion")
        runs = await self.competition.store.list_evaluations(champion["competitor_id"])
        if any(run.status in ("running", "cancelling") for run in runs):
            # An announced run of the champion is under way (its paired re-run, say): a
            # two-faced champion answers well now, so an audit would tell nothing.
            raise JanusError(
                "The champion is being evaluated; audit it once that run has ended.",
                status=409,
                code="champion_under_evaluation",
            )
        ranked = await self.competition.store.get_evaluation(champion["evaluation_id"])
        assert ranked is not None
        target = next((url for url in self.urls if url.startswith("http")), None)
        if target is None:
            raise JanusError(
                "The gateway listens on no TCP address to send the audit to.",
                status=409,
                code="gateway_address_unknown",
            )
        options = run_options(
            tools,
            config,
            RunAccess(target, admin_key, self.meter_key),
            competitor_id=champion["competitor_id"],
            suite=config.suite,
            seed=secrets.randbelow(2**31),
            subset=config.audit_subset,
        )
        created_at = time.time()
        result = await tools.run_benchmark(options)
        verdict = audit_verdict(result, ranked, config.audit_tolerance)
        record = EvaluationRecord(
            id="audit-" + secrets.token_hex(12),
            competitor_id=champion["competitor_id"],
            status="running",
            suite_id=options.suite,
            subset=options.subset,
            repeat=1,
            seed=options.seed,
            created_at=created_at,
            source=AUDIT_SOURCE,
            weights=options.weights,
            task_seed=options.task_seed,
        )
        store = self.competition.store
        await store.add_evaluation(record)
        await store.finish_evaluation(
            record.id,
            status="finished",
            finished_at=time.time(),
            result={**result, "audit": verdict},
            error=verdict["reason"],
        )
        if not verdict["passed"]:
            log.warning("champion %s failed audit %s", record.competitor_id, record.id)
        await self.competition.leaderboard()
        stored = await store.get_evaluation(record.id)
        assert stored is not None
        return audit_dict(stored, verdict)


AUDITOR = web.AppKey("auditor", Auditor)


def setup_audits(app: web.Application) -> None:
    """The audit endpoint and, when ``audit_interval_s`` is set, the background audits."""
    app[LISTENING_URLS] = urls = []
    app[AUDITOR] = Auditor(app[COMPETITION], urls, app[METERING].signing_key)
    app.router.add_post("/v1/competition/audit", audit)
    app.cleanup_ctx.append(_audit_at_random_times)


async def audit(request: web.Request) -> web.Response:
    admin_only(request)
    return web.json_response(await request.app[AUDITOR].audit_now(request.app[ADMIN_KEY]))


async def _audit_at_random_times(app: web.Application) -> AsyncIterator[None]:
    mean_s = app[AUDITOR].competition.config.competition.audit_interval_s
    task = None
    if mean_s:
        audits = _keep_auditing(app[AUDITOR], app[ADMIN_KEY], mean_s)
        task = asyncio.get_running_loop().create_task(audits)
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _keep_auditing(auditor: Auditor, admin_key: str, mean_s: float) -> None:
    """Audits at exponentially distributed intervals: no schedule to learn."""
    draw = random.SystemRandom()
    while True:
        await asyncio.sleep(draw.expovariate(1.0 / mean_s))
        try:
            await auditor.audit_now(admin_key)
        except JanusError as exc:
            log.info("no audit this time: %s", exc.message)
        except Exception:
            log.exception("the audit failed")
