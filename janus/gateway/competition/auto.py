"""Accepted submissions are evaluated on the canonical suite without anyone asking.

Each accepted submission (images by default, ``competition.auto_evaluate``) joins a queue
in this gateway; one worker starts their evaluations one at a time, through the gateway's
own ``POST /v1/evaluations`` with the admin key (so they are ordinary evaluations:
stored, followed, ranked), and waits for each to end before the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from janus.gateway.keys import ADMIN_KEY, CONFIG
from janus.store import EVALUATION_DONE

log = logging.getLogger("janus.competition")
POLL_INTERVAL_S = 2.0


@dataclass(frozen=True)
class Pending:
    competitor_id: str
    gateway_url: str  # where this gateway is reached over TCP (the bench calls it there)


class AutoEvaluations:
    def __init__(self, mode: str, admin_key: str, subset: float) -> None:
        self.mode = mode  # off | images | all
        self.admin_key = admin_key
        self.subset = subset
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    def enqueue(self, competitor_id: str, gateway_url: str) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())
        self._queue.put_nowait(Pending(competitor_id, gateway_url))

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _work(self) -> None:
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            while True:
                pending = await self._queue.get()
                try:
                    await self._evaluate(session, pending)
                except (aiohttp.ClientError, OSError, ValueError, KeyError) as exc:
                    log.error("automatic evaluation of %s failed: %s", pending.competitor_id, exc)

    async def _evaluate(self, session: aiohttp.ClientSession, pending: Pending) -> None:
        body = {"competitor_id": pending.competitor_id, "subset": self.subset}
        url = pending.gateway_url + "/v1/evaluations"
        async with session.post(url, json=body) as response:
            answer = await response.json(content_type=None)
        if response.status != 202:
            message = (answer.get("error") or {}).get("message", response.status)
            log.error("automatic evaluation of %s not started: %s", pending.competitor_id, message)
            return
        evaluation_id = answer["id"]
        log.info("automatic evaluation %s of %s started", evaluation_id, pending.competitor_id)
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            async with session.get(f"{url}/{evaluation_id}") as response:
                status = (await response.json(content_type=None)).get("status")
            if status in EVALUATION_DONE:
                log.info("automatic evaluation %s ended: %s", evaluation_id, status)
                return


AUTO_EVALUATIONS = web.AppKey("auto_evaluations", AutoEvaluations)


def setup_auto_evaluations(app: web.Application) -> None:
    """Give ``app`` its queue (after its config and admin key are set)."""
    competition = app[CONFIG].competition
    app[AUTO_EVALUATIONS] = AutoEvaluations(
        competition.auto_evaluate, app[ADMIN_KEY], competition.auto_evaluate_subset
    )
    app.cleanup_ctx.append(_close)


async def _close(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[AUTO_EVALUATIONS].close()


def evaluate_when_accepted(request: web.Request, competitor_id: str, *, image: bool) -> None:
    """Queue the first evaluation of a just-accepted submission, if configured so."""
    queue = request.app[AUTO_EVALUATIONS]
    if queue.mode == "off" or (queue.mode == "images" and not image):
        return
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not isinstance(sockname, tuple):
        log.warning(
            "%s is not evaluated automatically: submitted over a unix socket", competitor_id
        )
        return
    host = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
    queue.enqueue(competitor_id, f"http://{host}:{sockname[1]}")
