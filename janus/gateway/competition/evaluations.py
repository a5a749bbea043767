"""``/v1/evaluations``: start, follow, cancel and import bench runs.

An evaluation started here runs ``janus_bench.runner.run_benchmark`` against this
gateway's own address, with ``model: "janus"`` like a user's request and the competitor
pinned server-side (``X-Janus-Competitor``, admin only, never forwarded), so the
competitor cannot tell it from user traffic by the request. janus-bench is an optional
distribution, imported only when a run starts (501 ``bench_not_installed`` without it).
``POST /v1/evaluations/results`` stores a result produced elsewhere (``janus-bench run
--submit``), its aggregates recomputed from its tasks.

Per-task results (answers, checks, per-task scores) are the suite's secrets: the public
sees an evaluation's components, composite and interval only, and its event stream says
how far a run got, never how a task went. Admins, and the competitor's owner (its owner
key) once the run has ended, get the whole result.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import replace
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from janus.config import CompetitorId
from janus.errors import JanusError
from janus.gateway.competition.http import (
    admin_only,
    holds_owner_key,
    is_admin,
    listing,
    not_found,
    parse_body,
)
from janus.gateway.competition.leaderboard import ci_of
from janus.gateway.competition.runs import RunAccess, bench, run_options
from janus.gateway.competition.state import COMPETITION, Competition
from janus.gateway.keys import ADMIN_KEY, CONFIG, METERING, POOL
from janus.gateway.runtimes.wiring import with_container_usage
from janus.signatures import SIGNATURE_KEY, is_valid
from janus.sse import DONE, PING, SSE_HEADERS, data_event
from janus.store import EVALUATION_DONE, EvaluationRecord

# What a public follower of a run sees of a ``task`` progress event.
PUBLIC_TASK_FIELDS = ("event", "done", "total")


class EvaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    competitor_id: CompetitorId
    suite: str | None = Field(None, min_length=1, max_length=200)
    subset: float = Field(100.0, gt=0, le=100)
    repeat: int = Field(1, ge=1, le=20)
    # None: drawn at random. The items of a generated suite come from a secret seed drawn
    # for every run whatever this says; a private suite never gets the same seed twice
    # for one competitor.
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class SuiteRef(BaseModel):
    id: str = Field(min_length=1)
    version: str | int | None = None
    hash: str | None = None


class Interval(BaseModel):
    low: float = Field(ge=0, le=100)
    high: float = Field(ge=0, le=100)


class SubmittedTask(BaseModel):
    """One (task, repeat) of a result: the per-task scores the aggregates are made of."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1)
    repeat: int = Field(0, ge=0)
    scores: dict[str, float | None]

    @field_validator("scores")
    @classmethod
    def _fractions(cls, scores: dict[str, float | None]) -> dict[str, float | None]:
        if any(v is not None and not 0 <= v <= 1 for v in scores.values()):
            raise ValueError("per-task scores are fractions in [0, 1]")
        return scores


class Signature(BaseModel):
    signer: str = Field(min_length=1)
    value: str = Field(min_length=1)


class SubmittedResult(BaseModel):
    """A janus-bench result (CONTRACTS A) plus whose it is; other fields are kept as is.

    Its ``composite``, ``ci`` and ``components`` are claims: the gateway recomputes them
    from ``tasks`` and stores its own."""

    model_config = ConfigDict(extra="allow")
    competitor_id: CompetitorId
    suite: SuiteRef
    composite: float | None = Field(None, ge=0, le=100)
    ci: Interval | None = None
    components: dict[str, float | None] | None = None
    tasks: list[SubmittedTask] = Field(min_length=1)
    # The composite is only comparable under the weights it was computed with; the board
    # ranks results weighted as configured.
    weights: dict[str, float]
    subset: float = Field(100.0, gt=0, le=100)
    repeat: int = Field(1, ge=1)
    seed: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    signature: Signature | None = None


def evaluation_dict(
    record: EvaluationRecord, *, with_result: bool = False, with_task_seed: bool = False
) -> dict[str, Any]:
    """The API's view of an evaluation. ``with_result``: the per-task results (admins and
    the owner, after the run). ``with_task_seed``: a generated suite's secret task seed
    (admins, after the run, to replay it); nobody else ever gets it."""
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
    if with_task_seed:
        body["task_seed"] = record.task_seed
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
    tools = bench()
    config = request.app[CONFIG]
    suite = wanted.suite or config.competition.suite
    seed = wanted.seed if wanted.seed is not None else secrets.randbelow(2**31)
    if suite.startswith("private/"):
        await _refuse_seen_seed(competition, wanted.competitor_id, suite, seed)
    access = RunAccess(_own_url(request), request.app[ADMIN_KEY], request.app[METERING].signing_key)
    options = run_options(
        tools,
        config.competition,
        access,
        competitor_id=wanted.competitor_id,
        suite=suite,
        seed=seed,
        subset=wanted.subset,
        repeat=wanted.repeat,
    )
    record = await _launch(request.app, competition, options, tools.run_benchmark)
    return web.json_response(evaluation_dict(record), status=202)


async def _launch(
    app: web.Application, competition: Competition, options: Any, run_benchmark: Any
) -> EvaluationRecord:
    """Store and start a run of ``options`` (a ``janus_bench.runner.RunOptions``); when it
    ends, settle the board and have the champion run the same tasks if it has not."""
    record = EvaluationRecord(
        id=_new_id(),
        competitor_id=options.pin,
        status="running",
        suite_id=options.suite,
        subset=options.subset,
        repeat=options.repeat,
        seed=options.seed,
        created_at=time.time(),
        source="gateway",
        weights=options.weights,
        artifact=await competition.artifact_of(options.pin),
        task_seed=options.task_seed,
    )
    await competition.store.add_evaluation(record)

    async def finished() -> None:
        await competition.leaderboard()
        await _pair_with_champion(app, competition, options, record, run_benchmark)

    competition.runner.start(
        record,
        with_container_usage(
            app, options.pin, lambda progress: run_benchmark(options, progress=progress)
        ),
        on_finished=finished,
    )
    return record


async def _pair_with_champion(
    app: web.Application,
    competition: Competition,
    options: Any,
    record: EvaluationRecord,
    run_benchmark: Any,
) -> None:
    """The crown is decided against the champion's run of the challenger's own tasks
    (``crown``): start that run when a full run of a challenger ended and the champion has
    none of the same suite and seeds (the public one and a generated suite's secret task
    seed, kept in the record for this), finished or under way."""
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
        # A run under way has no suite hash yet: the seeds say which items it draws.
        seeds = (run.suite_id, run.seed, run.task_seed)
        same = seeds == (record.suite_id, record.seed, record.task_seed) and run.subset >= 100
        if same and run.status in ("running", "finished"):
            return
    await _launch(app, competition, replace(options, pin=champion), run_benchmark)


async def _refuse_seen_seed(
    competition: Competition, competitor_id: str, suite: str, seed: int
) -> None:
    """A private suite's items (and pictures) for a seed are the same every time: giving
    them to the same competitor twice would let it replay what it logged the first time."""
    for record in await competition.store.list_evaluations(competitor_id):
        if record.suite_id == suite and record.seed == seed and record.source == "gateway":
            raise JanusError(
                f"'{competitor_id}' was already evaluated on {suite} with seed {seed} "
                f"(evaluation {record.id}); use another seed or leave it out.",
                status=409,
                param="seed",
                code="seed_already_used",
            )


async def import_result(request: web.Request) -> web.Response:
    """Store a result run elsewhere: signature and suite checked, aggregates recomputed
    from its tasks. It is ranked only when a trusted signer signed it."""
    admin_only(request)
    competition = request.app[COMPETITION]
    submitted = await parse_body(request, SubmittedResult)
    if submitted.competitor_id not in await competition.entrants():
        raise not_found("competitor", submitted.competitor_id, param="competitor_id")
    posted = await request.json()
    signed_by = _signer(competition, posted, submitted.signature)
    bench = _bench_modules()
    await asyncio.to_thread(_check_suite, bench, submitted)
    now = time.time()
    # Stored as posted (validated above), except the aggregates, which are the gateway's.
    result = {k: v for k, v in posted.items() if k not in ("competitor_id", SIGNATURE_KEY)}
    tasks = [task.model_dump() for task in submitted.tasks]
    result.update(
        await asyncio.to_thread(bench.aggregate, tasks, submitted.weights, submitted.seed)
    )
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
        signed_by=signed_by,
    )
    await competition.store.add_evaluation(record)
    await competition.store.finish_evaluation(
        record.id, status="finished", finished_at=finished_at, result=result
    )
    await competition.leaderboard()
    stored = await competition.store.get_evaluation(record.id)
    assert stored is not None
    return web.json_response(evaluation_dict(stored), status=201)


class _Bench:
    """The janus-bench functions an import needs (it is an optional distribution)."""

    def __init__(self) -> None:
        from janus_bench.catalog import SuiteError, load_suite
        from janus_bench.composite import aggregate

        self.aggregate = aggregate
        self.load_suite = load_suite
        self.SuiteError = SuiteError


def _bench_modules() -> _Bench:
    try:
        return _Bench()
    except ImportError:
        raise JanusError(
            "janus-bench is not installed in this gateway (pip install janus-bench): "
            "imported results are recomputed with it.",
            status=501,
            type="server_error",
            code="bench_not_installed",
        ) from None


def _signer(competition: Competition, posted: dict, signature: Signature | None) -> str | None:
    """The trusted signer whose signature ``posted`` carries; None when unsigned. A
    signature by an unknown signer, or one that does not match, is refused."""
    if signature is None:
        return None
    key = competition.signer_keys.get(signature.signer)
    if key is None:
        raise JanusError(
            f"'{signature.signer}' is not a trusted signer (or its key is not set).",
            status=422,
            code="unknown_signer",
            param="signature.signer",
        )
    unsigned = {k: v for k, v in posted.items() if k != SIGNATURE_KEY}
    if not is_valid(key, unsigned, signature.value):
        raise JanusError(
            "The signature does not match the result (altered, or another key).",
            status=422,
            code="invalid_signature",
            param="signature.value",
        )
    return signature.signer


def _check_suite(bench: _Bench, submitted: SubmittedResult) -> None:
    """The result is of a suite this gateway knows, at the hash it has, and its tasks are
    that suite's (all of them, every repeat, for a full-suite result)."""
    try:
        suite = bench.load_suite(submitted.suite.id, None)
    except bench.SuiteError as exc:
        raise JanusError(
            f"suite: this gateway cannot check the suite ({exc}).",
            status=422,
            code="unknown_suite",
            param="suite.id",
        ) from None
    if submitted.suite.hash != suite.hash:
        raise JanusError(
            f"suite.hash: {submitted.suite.hash!r} is not the hash of {suite.id} here "
            f"({suite.hash}).",
            status=422,
            code="suite_hash_mismatch",
            param="suite.hash",
        )
    known = {task["id"] for task in suite.tasks}
    seen = {(task.id, task.repeat) for task in submitted.tasks}
    if strangers := sorted({task_id for task_id, _ in seen} - known):
        raise JanusError(
            f"tasks: {strangers[0]!r} is not a task of {suite.id}.",
            status=422,
            code="unknown_task",
            param="tasks",
        )
    expected = {(task_id, repeat) for task_id in known for repeat in range(submitted.repeat)}
    if submitted.subset >= 100 and (seen != expected or len(submitted.tasks) != len(expected)):
        raise JanusError(
            f"tasks: a full-suite result has each of the {len(known)} tasks of {suite.id} "
            f"once per repeat ({submitted.repeat}).",
            status=422,
            code="incomplete_result",
            param="tasks",
        )


async def list_evaluations(request: web.Request) -> web.Response:
    competitor_id = request.query.get("competitor_id") or None
    records = await request.app[COMPETITION].store.list_evaluations(competitor_id)
    return listing([evaluation_dict(record) for record in records])


async def get_evaluation(request: web.Request) -> web.Response:
    competition = request.app[COMPETITION]
    record = await _evaluation(competition, request.match_info["evaluation_id"])
    done, admin = record.status in EVALUATION_DONE, is_admin(request)
    with_result = done and (admin or await _is_owner(request, competition, record.competitor_id))
    return web.json_response(
        evaluation_dict(record, with_result=with_result, with_task_seed=done and admin)
    )


async def _is_owner(request: web.Request, competition: Competition, competitor_id: str) -> bool:
    submitted = await competition.store.get_competitor(competitor_id)
    return submitted is not None and holds_owner_key(request, submitted.owner_key_hash)


def public_event(event: dict[str, Any]) -> dict[str, Any]:
    """A progress event as the public sees it: how far the run is, not how tasks went."""
    if event.get("event") == "task":
        return {k: event[k] for k in PUBLIC_TASK_FIELDS if k in event}
    return event


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
    shown = (lambda event: event) if is_admin(request) else public_event
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    keepalive_s = request.app[CONFIG].gateway.keepalive_interval_s
    seen = -1
    while True:
        record = await _evaluation(competition, evaluation_id)
        events = await competition.store.evaluation_events(evaluation_id, after=seen)
        for seq, event in events:
            await response.write(data_event(shown(event)))
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
