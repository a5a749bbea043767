"""``/v1/evaluations``: start, follow, cancel and import bench runs.

An evaluation started here runs ``janus_bench.runner.run_benchmark`` against this
gateway's own address with ``model=<competitor id>``. janus-bench is an optional
distribution, imported only when a run starts (501 ``bench_not_installed`` without it).
``POST /v1/evaluations/results`` stores a result produced elsewhere (``janus-bench run
--submit``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from janus.config import CompetitorId
from janus.errors import JanusError
from janus.gateway.competition.http import admin_only, listing, not_found, parse_body
from janus.gateway.competition.leaderboard import ci_of
from janus.gateway.competition.state import COMPETITION, Competition
from janus.gateway.keys import ADMIN_KEY, CONFIG, POOL
from janus.sse import DONE, PING, SSE_HEADERS, data_event
from janus.store import EVALUATION_DONE, EvaluationRecord


class EvaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    competitor_id: CompetitorId
    suite: str | None = Field(None, min_length=1, max_length=200)
    subset: float = Field(100.0, gt=0, le=100)
    repeat: int = Field(1, ge=1, le=20)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class SuiteRef(BaseModel):
    id: str = Field(min_length=1)
    version: str | int | None = None
    hash: str | None = None


class Interval(BaseModel):
    low: float = Field(ge=0, le=100)
    high: float = Field(ge=0, le=100)


class SubmittedResult(BaseModel):
    """A janus-bench result (CONTRACTS A) plus whose it is; other fields are kept as is."""

    model_config = ConfigDict(extra="allow")
    competitor_id: CompetitorId
    suite: SuiteRef
    composite: float = Field(ge=0, le=100)
    ci: Interval | None = None
    components: dict[str, float | None]
    # The composite is only comparable under the weights it was computed with; the board
    # ranks results weighted as configured.
    weights: dict[str, float]
    subset: float = Field(100.0, gt=0, le=100)
    repeat: int = Field(1, ge=1)
    seed: int = 0
    started_at: float | None = None
    finished_at: float | None = None


def evaluation_dict(record: EvaluationRecord, *, with_result: bool = False) -> dict[str, Any]:
    body = {
        "id": record.id,
        "object": "evaluation",
        "competitor_id": record.competitor_id,
        "status": record.status,
        "source": record.source,
        "suite": {
            "id": record.suite_id,
            "version": record.suite_version,
            "hash": record.suite_hash,
        },
        "subset": record.subset,
        "repeat": record.repeat,
        "seed": record.seed,
        "created_at": record.created_at,
        "finished_at": record.finished_at,
        "composite": record.composite,
        "ci": ci_of(record),
        "components": record.components,
        "weights": record.weights,
        "error": record.error,
    }
    if with_result:
        body["result"] = record.result
    return body


def _new_id() -> str:
    return "eval-" + secrets.token_hex(12)


def _own_url(request: web.Request) -> str:
    """The address this request reached the gateway on: where the bench will call it."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not isinstance(sockname, tuple):
        raise JanusError(
            "Evaluations must be started over TCP: the bench calls the gateway at the "
            "address the request came in on.",
            status=409,
            code="gateway_address_unknown",
        )
    host = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
    return f"http://{host}:{sockname[1]}"


async def start_evaluation(request: web.Request) -> web.Response:
    admin_only(request)
    competition = request.app[COMPETITION]
    wanted = await parse_body(request, EvaluationRequest)
    if request.app[POOL].get(wanted.competitor_id) is None:
        raise not_found("competitor", wanted.competitor_id, param="competitor_id")
    try:
        from janus_bench.runner import RunOptions, run_benchmark
    except ImportError:
        raise JanusError(
            "janus-bench is not installed in this gateway (pip install janus-bench).",
            status=501,
            type="server_error",
            code="bench_not_installed",
        ) from None
    config = request.app[CONFIG]
    options = RunOptions(
        target=_own_url(request),
        suite=wanted.suite or config.competition.suite,
        model=wanted.competitor_id,
        seed=wanted.seed,
        subset=wanted.subset,
        repeat=wanted.repeat,
        api_key=request.app[ADMIN_KEY],
        platform_key=request.app[ADMIN_KEY],
        weights=dict(config.competition.weights),
        task_timeout_s=config.competition.task_timeout_s,
        overload_load_per_core=config.competition.overload_load_per_core,
        overload_loop_lag_s=config.competition.overload_loop_lag_s,
    )
    record = await _launch(competition, options, run_benchmark)
    return web.json_response(evaluation_dict(record), status=202)


async def _launch(competition: Competition, options: Any, run_benchmark: Any) -> EvaluationRecord:
    """Store and start a run of ``options`` (a ``janus_bench.runner.RunOptions``); when it
    ends, settle the board and have the champion run the same tasks if it has not."""
    record = EvaluationRecord(
        id=_new_id(),
        competitor_id=options.model,
        status="running",
        suite_id=options.suite,
        subset=options.subset,
        repeat=options.repeat,
        seed=options.seed,
        created_at=time.time(),
        source="gateway",
        weights=options.weights,
    )
    await competition.store.add_evaluation(record)

    async def finished() -> None:
        await competition.leaderboard()
        await _pair_with_champion(competition, options, record, run_benchmark)

    competition.runner.start(
        record, lambda progress: run_benchmark(options, progress=progress), on_finished=finished
    )
    return record


async def _pair_with_champion(
    competition: Competition, options: Any, record: EvaluationRecord, run_benchmark: Any
) -> None:
    """The crown is decided against the champion's run of the challenger's own tasks
    (``crown``): start that run when a full run of a challenger ended and the champion has
    none of the same suite and seed, finished or under way."""
    finished = await competition.store.get_evaluation(record.id)
    if finished is None or finished.status != "finished" or options.subset < 100:
        return
    history = await competition.store.champion_history()
    champion = next((s.competitor_id for s in history if s.until is None), None)
    if champion in (None, record.competitor_id) or competition.pool is None:
        return
    if competition.pool.get(champion) is None:
        return
    for run in await competition.store.list_evaluations(champion):
        same = (run.suite_id, run.seed) == (record.suite_id, record.seed) and run.subset >= 100
        if same and run.status in ("running", "finished"):
            return
    await _launch(competition, replace(options, model=champion), run_benchmark)


async def import_result(request: web.Request) -> web.Response:
    admin_only(request)
    competition = request.app[COMPETITION]
    submitted = await parse_body(request, SubmittedResult)
    if submitted.competitor_id not in await competition.entrants():
        raise not_found("competitor", submitted.competitor_id, param="competitor_id")
    now = time.time()
    # Stored as posted (validated above): the bench's own fields stay as it wrote them.
    result = {k: v for k, v in (await request.json()).items() if k != "competitor_id"}
    finished_at = min(submitted.finished_at or now, now)
    record = EvaluationRecord(
        id=_new_id(),
        competitor_id=submitted.competitor_id,
        status="running",
        suite_id=submitted.suite.id,
        subset=submitted.subset,
        repeat=submitted.repeat,
        seed=submitted.seed,
        created_at=min(submitted.started_at or finished_at, finished_at),
        source="submitted",
    )
    await competition.store.add_evaluation(record)
    await competition.store.finish_evaluation(
        record.id, status="finished", finished_at=finished_at, result=result
    )
    await competition.leaderboard()
    stored = await competition.store.get_evaluation(record.id)
    assert stored is not None
    return web.json_response(evaluation_dict(stored), status=201)


async def list_evaluations(request: web.Request) -> web.Response:
    competitor_id = request.query.get("competitor_id") or None
    records = await request.app[COMPETITION].store.list_evaluations(competitor_id)
    return listing([evaluation_dict(record) for record in records])


async def get_evaluation(request: web.Request) -> web.Response:
    record = await _evaluation(request.app[COMPETITION], request.match_info["evaluation_id"])
    return web.json_response(evaluation_dict(record, with_result=True))


async def cancel_evaluation(request: web.Request) -> web.Response:
    admin_only(request)
    competition = request.app[COMPETITION]
    evaluation_id = request.match_info["evaluation_id"]
    record = await _evaluation(competition, evaluation_id)
    if not await competition.runner.cancel(evaluation_id):
        raise JanusError(
            f"Evaluation '{evaluation_id}' has already ended ({record.status}).",
            status=409,
            code="evaluation_not_running",
        )
    return web.json_response(evaluation_dict(await _evaluation(competition, evaluation_id)))


async def evaluation_events(request: web.Request) -> web.StreamResponse:
    """Replay the stored progress events, then follow live until the run ends; [DONE]."""
    competition = request.app[COMPETITION]
    evaluation_id = request.match_info["evaluation_id"]
    await _evaluation(competition, evaluation_id)
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    keepalive_s = request.app[CONFIG].gateway.keepalive_interval_s
    seen = -1
    while True:
        record = await _evaluation(competition, evaluation_id)
        events = await competition.store.evaluation_events(evaluation_id, after=seen)
        for seq, event in events:
            await response.write(data_event(event))
            seen = seq
        if record.status in EVALUATION_DONE:
            break  # read before the events: nothing can follow an ended run's last event
        if not events and not await competition.runner.wait_for_news(evaluation_id, keepalive_s):
            await response.write(PING)
    await response.write(DONE)
    return response


async def _evaluation(competition: Competition, evaluation_id: str) -> EvaluationRecord:
    record = await competition.store.get_evaluation(evaluation_id)
    if record is None:
        raise not_found("evaluation", evaluation_id)
    return record
