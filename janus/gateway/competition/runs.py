"""The bench runs the gateway starts itself: an evaluation, the champion's paired re-run,
an audit. Built in one place so every one of them is alike: ``model: "janus"`` with the
competitor pinned server-side, meters checked with the gateway's key, the configured task
timeout and overload limits, and, on a generated suite, a secret task seed drawn here so
the evaluation record can keep it (the champion's re-run needs the same items; the result
carries only the seed's hash).

janus-bench is an optional distribution, imported only when a run starts (501
``bench_not_installed`` without it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from janus.builtin.routers import JANUS_MODEL
from janus.config import CompetitionConfig
from janus.errors import JanusError


@dataclass(frozen=True)
class Bench:
    """The janus-bench pieces a gateway's run needs."""

    run_benchmark: Callable[..., Any]
    options_type: type
    is_generated: Callable[[str], bool]
    new_seed: Callable[[], str]


def bench() -> Bench:
    try:
        from janus_bench.generated import is_generated, new_seed
        from janus_bench.runner import RunOptions, run_benchmark
    except ImportError:
        raise JanusError(
            "janus-bench is not installed in this gateway (pip install janus-bench).",
            status=501,
            type="server_error",
            code="bench_not_installed",
        ) from None
    return Bench(run_benchmark, RunOptions, is_generated, new_seed)


@dataclass(frozen=True)
class RunAccess:
    """How the gateway's own runs reach it: the address, the admin key (the pin and the
    sandbox need it) and the key its meters are signed with."""

    target: str
    admin_key: str
    meter_key: bytes


def run_options(
    tools: Bench,
    config: CompetitionConfig,
    access: RunAccess,
    *,
    competitor_id: str,
    suite: str,
    seed: int,
    subset: float,
    repeat: int = 1,
    task_seed: str | None = None,
) -> Any:
    """A ``janus_bench.runner.RunOptions`` for a run of ``competitor_id``; ``task_seed``
    None on a generated suite draws a fresh secret one."""
    if task_seed is None and tools.is_generated(suite):
        task_seed = tools.new_seed()
    return tools.options_type(
        target=access.target,
        suite=suite,
        model=JANUS_MODEL,
        pin=competitor_id,
        seed=seed,
        subset=subset,
        repeat=repeat,
        api_key=access.admin_key,
        platform_key=access.admin_key,
        weights=dict(config.weights),
        meter_key=access.meter_key,
        task_seed=task_seed,
        task_timeout_s=config.task_timeout_s,
        overload_load_per_core=config.overload_load_per_core,
        overload_loop_lag_s=config.overload_loop_lag_s,
    )
