"""Accepted submissions are evaluated on the canonical suite without anyone asking.

The queue is the store itself: a submitted competitor (an image, by default; see
``competition.auto_evaluate``) is waiting while it has no run on the canonical suite that is
under way or finished (``Store.awaiting_evaluation``). So a submission accepted just before
a gateway stops is evaluated by the next one. Each gateway has one worker: it looks at
start-up, when a submission is accepted, after each evaluation ends and every minute or so
(a run a stopped replica abandoned ends as failed in the meantime), and starts the oldest
waiting competitor's evaluation through the gateway's own ``POST /v1/evaluations`` with the
admin key (an ordinary evaluation: stored, followed, ranked), waiting for it to end before
the next. A competitor is tried once per gateway process: a run that fails or is
cancelled is tried again by the next start, not in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from janus.gateway.competition.state import COMPETITION
from janus.gateway.keys import ADMIN_KEY, CONFIG
from janus.server import LISTENING_URLS
from janus.store import EVALUATION_DONE, Store

log = logging.getLogger("janus.competition")
POLL_INTERVAL_S = 2.0
# How often an idle worker looks at the store again (spread, so replicas sharing one
# store rarely look at the same moment).
RESCAN_INTERVAL_S = 60.0
LISTEN_POLL_S = 0.2
_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}


class AutoEvaluations:
    def __init__(self, mode: str, admin_key: str, subset: float, suite: str, store: Store) -> None:
        self.mode = mode  # off | images | all
        self.admin_key = admin_key
        self.subset = subset
        self.suite = suite
        self.store = store
        self._listening: list[str] = []
        self._wake = asyncio.Event()
        self._tried: set[str] = set()
        self._worker: asyncio.Task | None = None

    def _served_at(self) -> str | None:
        """Where the bench calls this gateway: its first TCP address, once it listens."""
        url = next((u for u in self._listening if u.startswith("http:")), None)
        if url is None:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        host = _UNSPECIFIED.get(host, f"[{host}]" if ":" in host else host)
        return f"http://{host}:{parts.port}"

    def wake(self) -> None:
        """Something may have joined the queue: look at the store now."""
        self._wake.set()

    def start(self, listening: list[str]) -> None:
        """Work once the gateway listens (``listening``: its addresses, filled then)."""
        self._listening = listening
        if self.mode != "off":
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def _work(self) -> None:
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            while True:
                # Until the gateway listens, look often: the start-up look comes right then.
                rescan_s = RESCAN_INTERVAL_S * random.uniform(0.5, 1.5)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), rescan_s if self._listening else LISTEN_POLL_S
                    )
                self._wake.clear()
                if (gateway_url := self._served_at()) is None:
                    if self._listening:  # served, but on a unix socket only
                        log.warning("no automatic evaluations: the gateway has no TCP address")
                        return
                    continue
                try:
                    while (competitor_id := await self._next()) is not None:
                        self._tried.add(competitor_id)
                        await self._evaluate(session, competitor_id, gateway_url)
                except (aiohttp.ClientError, OSError, ValueError, KeyError) as exc:
                    log.error("automatic evaluations stopped until the next look: %s", exc)
                except Exception:
                    log.exception("automatic evaluations stopped until the next look")

    async def _next(self) -> str | None:
        """The oldest waiting competitor this process has not tried yet."""
        waiting = await self.store.awaiting_evaluation(
            self.suite, min_subset=self.subset, images_only=self.mode == "images"
        )
        return next((c for c in waiting if c not in self._tried), None)

    async def _evaluate(
        self, session: aiohttp.ClientSession, competitor_id: str, gateway_url: str
    ) -> None:
        body = {"competitor_id": competitor_id, "subset": self.subset}
        url = gateway_url + "/v1/evaluations"
        async with session.post(url, json=body) as response:
            answer = await response.json(content_type=None)
        if response.status != 202:
            message = (answer.get("error") or {}).get("message", response.status)
            log.error("automatic evaluation of %s not started: %s", competitor_id, message)
            return
        evaluation_id = answer["id"]
        log.info("automatic evaluation %s of %s started", evaluation_id, competitor_id)
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            async with session.get(f"{url}/{evaluation_id}") as response:
                status = (await response.json(content_type=None)).get("status")
            if status in EVALUATION_DONE:
                log.info("automatic evaluation %s ended: %s", evaluation_id, status)
                return


AUTO_EVALUATIONS = web.AppKey("auto_evaluations", AutoEvaluations)


def setup_auto_evaluations(app: web.Application) -> None:
    """Give ``app`` its worker (after its config, admin key and competition are set)."""
    competition = app[CONFIG].competition
    auto = AutoEvaluations(
        competition.auto_evaluate,
        app[ADMIN_KEY],
        competition.auto_evaluate_subset,
        competition.suite,
        app[COMPETITION].store,
    )
    app[AUTO_EVALUATIONS] = auto
    app.setdefault(LISTENING_URLS, [])
    app.cleanup_ctx.append(_run)


async def _run(app: web.Application) -> AsyncIterator[None]:
    app[AUTO_EVALUATIONS].start(app[LISTENING_URLS])
    yield
    await app[AUTO_EVALUATIONS].close()


def evaluate_when_accepted(app: web.Application) -> None:
    """A submission was just accepted: it may be waiting for its first evaluation."""
    app[AUTO_EVALUATIONS].wake()
