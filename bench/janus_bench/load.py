"""How loaded the evaluating machine was during a run.

A latency score measured on an overloaded evaluator says more about the evaluator than
about the competitor, so a run watches its own machine: the 1-minute load average per
core (``os.getloadavg``) and its event loop's lag (how late a short sleep wakes up, which
is what every timing the bench takes suffers too), and the result says whether either
went above the thresholds (``evaluator.overloaded``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

SAMPLE_EVERY_S = 0.25


def load_per_core() -> float | None:
    """The 1-minute load average divided by the cores; None where the OS has none."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (OSError, AttributeError):
        return None


@dataclass
class LoadWatch:
    """The worst load and loop lag seen while ``watching``."""

    max_load_per_core: float | None = None
    max_loop_lag_s: float = 0.0
    samples: int = 0
    load: Callable[[], float | None] = field(default=load_per_core, repr=False)

    def sample(self, lag_s: float) -> None:
        self.samples += 1
        self.max_loop_lag_s = max(self.max_loop_lag_s, lag_s)
        load = self.load()
        if load is not None:
            self.max_load_per_core = max(self.max_load_per_core or 0.0, load)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[LoadWatch]:
        async def watch() -> None:
            while True:
                asked = time.monotonic()
                await asyncio.sleep(SAMPLE_EVERY_S)
                self.sample(max(0.0, time.monotonic() - asked - SAMPLE_EVERY_S))

        self.sample(0.0)
        task = asyncio.get_running_loop().create_task(watch())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def report(self, load_per_core_limit: float, loop_lag_limit_s: float) -> dict:
        """The result's ``evaluator`` entry."""
        load = self.max_load_per_core
        overloaded = self.max_loop_lag_s > loop_lag_limit_s or (
            load is not None and load > load_per_core_limit
        )
        return {
            "cores": os.cpu_count(),
            "max_load_per_core": None if load is None else round(load, 3),
            "max_loop_lag_s": round(self.max_loop_lag_s, 4),
            "limits": {"load_per_core": load_per_core_limit, "loop_lag_s": loop_lag_limit_s},
            "overloaded": overloaded,
        }
