"""Evaluations the gateway runs itself: janus-bench against the gateway's own address.

Going through the gateway (``model=<competitor id>``) means the platform meters the
competitor exactly as it meters real traffic. Each run is an asyncio task: cancelling it
cancels ``run_benchmark`` and with it every request in flight. Progress events are stored
as they come (so any replica can replay them) and wake this replica's followers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from janus.store import EVALUATION_DONE, EvaluationRecord, Store

log = logging.getLogger("janus.competition")
# How often a run checks whether another replica asked to cancel it, and how often
# followers of a run on another replica look for new events.
POLL_INTERVAL_S = 1.0
# How long a cancel request waits for the replica running the evaluation to stop it.
CANCEL_WAIT_S = 10.0
# A run whose gateway has not beaten its heart (every POLL_INTERVAL_S) for this long was
# abandoned: that gateway stopped without ending it.
ABANDONED_AFTER_S = 30.0


class Pulse:
    """Wakes everyone waiting, each time it fires."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, within_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                await self._event.wait()
                return True
        return False


class EventLog:
    """Stores one run's progress events in order, without making the bench wait."""

    def __init__(self, store: Store, evaluation_id: str, pulse: Pulse) -> None:
        self._store = store
        self._id = evaluation_id
        self._pulse = pulse
        self._next_seq = 0
        self._last_write: asyncio.Task[None] | None = None

    def add(self, event: dict[str, Any]) -> None:
        """The ``progress`` callback ``run_benchmark`` calls (synchronously)."""
        seq, self._next_seq = self._next_seq, self._next_seq + 1
        previous = self._last_write
        self._last_write = asyncio.get_running_loop().create_task(
            self._write_after(previous, seq, event)
        )

    async def _write_after(self, previous: asyncio.Task | None, seq: int, event: dict) -> None:
        if previous is not None:
            await asyncio.shield(previous)
        try:
            await self._store.add_evaluation_event(self._id, seq, event)
        except Exception:
            log.exception("could not store event %d of evaluation %s", seq, self._id)
        self._pulse.fire()

    async def flush(self) -> None:
        if self._last_write is not None:
            await asyncio.shield(self._last_write)


Benchmark = Callable[[Callable[[dict], None]], Awaitable[dict]]


class EvaluationRunner:
    """The evaluations running in this gateway."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._pulses: dict[str, Pulse] = {}

    def start(
        self,
        record: EvaluationRecord,
        benchmark: Benchmark,
        on_finished: Callable[[], Awaitable[None]],
    ) -> None:
        """Run ``benchmark(progress)`` for the stored ``record`` in the background."""
        pulse = self._pulses[record.id] = Pulse()
        task = asyncio.get_running_loop().create_task(
            self._run(record.id, benchmark, EventLog(self.store, record.id, pulse), on_finished)
        )
        self._tasks[record.id] = task

    def is_running(self, evaluation_id: str) -> bool:
        return evaluation_id in self._tasks

    async def wait_for_news(self, evaluation_id: str, within_s: float) -> bool:
        """Wait until a run here stores an event or ends (True), or ``within_s`` passes."""
        pulse = self._pulses.get(evaluation_id)
        if pulse is None:
            await asyncio.sleep(min(within_s, POLL_INTERVAL_S))
            return False
        return await pulse.wait(within_s)

    async def cancel(self, evaluation_id: str) -> bool:
        """Stop a run and wait (up to ``CANCEL_WAIT_S`` for a run on another replica) until
        it has stopped. Here its task is cancelled; a replica running it learns of the
        request through the store. False if it was not running."""
        if not await self.store.request_cancel(evaluation_id):
            return False
        task = self._tasks.get(evaluation_id)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CANCEL_WAIT_S):
                while (record := await self.store.get_evaluation(evaluation_id)) is not None:
                    if record.status in EVALUATION_DONE:
                        break
                    await asyncio.sleep(POLL_INTERVAL_S)
        return True

    async def cancel_all(self) -> None:
        for evaluation_id in list(self._tasks):
            await self.cancel(evaluation_id)

    async def _run(
        self,
        evaluation_id: str,
        benchmark: Benchmark,
        events: EventLog,
        on_finished: Callable[[], Awaitable[None]],
    ) -> None:
        watcher = asyncio.get_running_loop().create_task(self._watch(evaluation_id))
        status, result, error = "failed", None, None
        try:
            result = await benchmark(events.add)
            status = "finished"
        except asyncio.CancelledError:
            status, error = "cancelled", "cancelled"
            events.add({"event": "cancelled"})
        except Exception as exc:
            log.exception("evaluation %s failed", evaluation_id)
            error = f"{type(exc).__name__}: {exc}"
            events.add({"event": "failed", "error": error})
        finally:
            watcher.cancel()
        await events.flush()
        await self.store.finish_evaluation(
            evaluation_id, status=status, finished_at=time.time(), result=result, error=error
        )
        del self._tasks[evaluation_id]
        self._pulses.pop(evaluation_id).fire()
        try:
            await on_finished()
        except Exception:
            log.exception("could not refresh the leaderboard after evaluation %s", evaluation_id)

    async def _watch(self, evaluation_id: str) -> None:
        """Beat this run's heart in the store, and cancel it when another replica asked
        for it there."""
        while True:
            await self.store.beat_evaluation(evaluation_id, time.time())
            await asyncio.sleep(POLL_INTERVAL_S)
            record = await self.store.get_evaluation(evaluation_id)
            if record is None or record.status != "running":
                self._tasks[evaluation_id].cancel()
                return
