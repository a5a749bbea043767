"""Running a suite against a target: every task, its repeats, scoring and the result.

``run_benchmark`` is what ``janus-bench run`` and the competition's evaluations call. It
talks to the target like any client (streamed chat completions), plays the tools of
tool-use tasks, grades code in a platform sandbox, scores every (task, repeat) with the
registered scorers and aggregates them into components, the composite and its bootstrap
interval (``janus_bench.composite``). Cancelling the task that awaits it cancels every
request in flight.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import aiohttp

from janus.config import DEFAULT_WEIGHTS
from janus.interfaces import Score, Scorer
from janus.protocol import PIN_HEADER
from janus_bench import __version__
from janus_bench.catalog import Suite, SuiteError, load_suite
from janus_bench.checks import Answer, ArtifactFile, CheckContext, evaluate
from janus_bench.client import ExchangeFailed, Turn, stream_chat
from janus_bench.composite import aggregate
from janus_bench.judge import JudgeUnavailable, PlatformJudge
from janus_bench.load import LoadWatch
from janus_bench.meters import GatewayVerifier, KeyVerifier, MeterVerifier, believed_meters
from janus_bench.sandbox import SandboxRunner, SandboxUnavailable, find_platform_key

Progress = Callable[[dict], None]

MAX_TOOL_ROUNDS = 8
MAX_ARTIFACT_BYTES = 25 * 1024 * 1024
ANSWER_EXCERPT_CHARS = 400
METERED_COUNTERS = (
    "prompt_tokens",
    "completion_tokens",
    "sandbox_seconds",
    "search_calls",
    "component_calls",
)


@dataclass(frozen=True)
class RunOptions:
    target: str  # base URL of an OpenAI-compatible server (gateway)
    suite: str = "public/dev"  # "public/dev" | "public/train" | "private/test"
    model: str = "janus"
    seed: int = 0
    subset: float = 100.0  # percent of tasks, sampled with the seed
    concurrency: int = 2
    repeat: int = 1
    api_key: str | None = None  # client key for the target
    platform_url: str | None = None  # where the sandbox is (default: target)
    platform_key: str | None = None  # default: $JANUS_ADMIN_KEY, else <data_dir>/admin.key
    private_path: str | None = None  # private/test location (flag or $JANUS_BENCH_PRIVATE)
    weights: dict[str, float] | None = None  # default janus.config.DEFAULT_WEIGHTS
    task_timeout_s: float = 120.0
    judge_model: str | None = None  # platform model for ``judge`` checks; None: skip them
    # How ``usage.janus_metered`` signatures are checked: with the gateway's meter key (a
    # run inside the gateway), else by the gateway at ``meter_verify_url`` (default target).
    meter_key: bytes | None = None
    meter_verify_url: str | None = None
    # A generated suite's secret seed: None draws a fresh one (the result records only
    # its hash). Give one only to repeat a run exactly, e.g. the same items for two
    # competitors.
    task_seed: str | None = None
    # Route every request to this competitor (admin key only) while the body keeps
    # ``model``: what the gateway's own evaluations and audits do, so their requests look
    # like a user's ``janus`` requests to the competitor.
    pin: str | None = None
    overload_load_per_core: float = 2.0  # above this, the result is flagged overloaded
    overload_loop_lag_s: float = 0.5  # ... and above this event-loop lag too


class RunError(Exception):
    """The run cannot start (bad options, missing suite, no sandbox); one line for users."""


def select_tasks(tasks: tuple[dict, ...], subset: float, seed: int) -> list[dict]:
    """``subset`` percent of the tasks, drawn with ``seed`` from each type separately (at
    least one of each), so a small subset still exercises every component; suite order."""
    if subset >= 100:
        return list(tasks)
    rng = random.Random(f"janus-bench-subset:{seed}")
    chosen: set[str] = set()
    by_type: dict[str, list[dict]] = {}
    for task in tasks:
        by_type.setdefault(task["type"], []).append(task)
    for kind in sorted(by_type):
        group = by_type[kind]
        count = max(1, round(len(group) * subset / 100))
        chosen.update(task["id"] for task in rng.sample(group, count))
    return [task for task in tasks if task["id"] in chosen]


def item_seed(seed: int | str, task_id: str) -> int:
    """Each item's own seed (multimodal images): differs per item and per run seed."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{task_id}".encode()).digest()[:8], "big")


def uses_kind(check: Any, kind: str) -> bool:
    """Whether ``check`` or any check nested in it is of ``kind``."""
    if isinstance(check, dict):
        return check.get("kind") == kind or any(uses_kind(v, kind) for v in check.values())
    if isinstance(check, list):
        return any(uses_kind(item, kind) for item in check)
    return False


def load_scorers() -> dict[str, Scorer]:
    """The scorers registered through ``register_scorers``, by component name."""
    from janus.plugins import load_plugins

    return load_plugins().collect("register_scorers")


def _validate(options: RunOptions) -> dict[str, float]:
    if not options.target.startswith(("http://", "https://")):
        raise RunError(f"target: {options.target!r} is not an http(s):// URL")
    if not 0 < options.subset <= 100:
        raise RunError("subset: must be a percentage in (0, 100]")
    if options.concurrency < 1 or options.repeat < 1:
        raise RunError("concurrency and repeat must be at least 1")
    if options.task_timeout_s <= 0:
        raise RunError("task_timeout_s: must be positive")
    if options.overload_load_per_core <= 0 or options.overload_loop_lag_s <= 0:
        raise RunError("overload thresholds: must be positive")
    weights = dict(options.weights if options.weights is not None else DEFAULT_WEIGHTS)
    if any(w < 0 for w in weights.values()) or not sum(weights.values()) > 0:
        raise RunError("weights: must be non-negative with a positive sum")
    return weights


async def run_benchmark(
    options: RunOptions,
    progress: Progress | None = None,
    *,
    scorers: Mapping[str, Scorer] | None = None,
) -> dict:
    """Run the suite; return the result dict (``specs/scoring.md``). Cancelling the task
    that awaits it cancels every in-flight request."""
    weights = _validate(options)
    # Reading the suite and loading plugins block; the competition runs this in the
    # gateway's event loop, so they go to a thread.
    try:
        suite = await asyncio.to_thread(
            load_suite, options.suite, options.private_path, options.task_seed
        )
    except SuiteError as exc:
        raise RunError(str(exc)) from None
    if scorers is None:
        scorers = await asyncio.to_thread(load_scorers)
    # Any registered scorer is a component once it has a weight (third-party ones too).
    if unknown := sorted(set(weights) - set(scorers)):
        raise RunError(
            f"weights: unknown component(s) {', '.join(unknown)} "
            f"(registered scorers: {', '.join(sorted(scorers))})"
        )
    tasks = select_tasks(suite.tasks, options.subset, options.seed)
    emit = progress or (lambda event: None)
    started_at = time.time()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    watch = LoadWatch()
    async with aiohttp.ClientSession(timeout=timeout) as session, watch.watching():
        sandbox = await _open_sandbox(session, options, tasks)
        judge = await _open_judge(session, options, tasks)
        run = _Run(options, suite, session, sandbox, judge, scorers, list(weights))
        units = [(task, repeat) for repeat in range(options.repeat) for task in tasks]
        emit({"event": "started", "total": len(units)})
        records: list[dict | None] = [None] * len(units)
        done = 0
        semaphore = asyncio.Semaphore(options.concurrency)

        async def one(index: int, task: dict, repeat: int) -> None:
            nonlocal done
            async with semaphore:
                record = await run.task(task, repeat)
            records[index] = record
            done += 1
            emit(
                {
                    "event": "task",
                    "done": done,
                    "total": len(units),
                    "task_id": task["id"],
                    "type": task["type"],
                    "quality": record["scores"]["quality"],
                    "error": record["error"],
                }
            )

        try:
            async with asyncio.TaskGroup() as group:
                for index, (task, repeat) in enumerate(units):
                    group.create_task(one(index, task, repeat))
        except ExceptionGroup as failures:
            # One line for the user rather than a group of tracebacks, when it is ours.
            ours = failures.subgroup(RunError)
            if ours is not None:
                raise _first(ours) from failures
            raise
    finished = [record for record in records if record is not None]
    # The bootstrap is a second of arithmetic: off the loop, like the suite reading.
    result = await asyncio.to_thread(
        _result, options, suite, weights, scorers, finished, started_at
    )
    result["evaluator"] = watch.report(options.overload_load_per_core, options.overload_loop_lag_s)
    emit({"event": "finished", "composite": result["composite"]})
    return result


def _first(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


async def _open_sandbox(
    session: aiohttp.ClientSession, options: RunOptions, tasks: list[dict]
) -> SandboxRunner | None:
    """A sandbox runner if any task grades code; the run refuses to start without one
    rather than scoring every coding answer 0."""
    if not any(uses_kind(task.get("check"), "code_tests") for task in tasks):
        return None
    key = await _platform_key(options, "coding tasks need the platform sandbox")
    runner = SandboxRunner(session, options.platform_url or options.target, key)
    try:
        await runner.check_available()
    except SandboxUnavailable as exc:
        raise RunError(f"the platform sandbox is not usable: {exc}") from None
    return runner


async def _platform_key(options: RunOptions, why: str) -> str:
    key = await asyncio.to_thread(find_platform_key, options.platform_key)
    if not key:
        raise RunError(
            f"{why}: give --platform-key, set $JANUS_ADMIN_KEY, or run where the "
            "gateway's <data_dir>/admin.key is readable"
        )
    return key


async def _open_judge(
    session: aiohttp.ClientSession, options: RunOptions, tasks: list[dict]
) -> PlatformJudge | None:
    """The judge when a model is pinned and some task has a ``judge`` check; without a
    pinned model those parts are skipped (and say so in the task's details). A pinned model
    the platform does not serve stops the run at once, judge tasks or not: a result must
    never claim a judge that could not have graded it."""
    if not options.judge_model:
        return None
    key = await _platform_key(options, "judge checks need platform inference")
    judge = PlatformJudge(session, options.platform_url or options.target, key, options.judge_model)
    try:
        await judge.check_available()
    except JudgeUnavailable as exc:
        raise RunError(f"the judge is not usable: {exc}") from None
    return judge if any(uses_kind(t.get("check"), "judge") for t in tasks) else None


def _result(
    options: RunOptions,
    suite: Suite,
    weights: dict[str, float],
    scorers: Mapping[str, Scorer],
    records: list[dict],
    started_at: float,
) -> dict:
    return {
        "run_id": uuid.uuid4().hex,
        "bench_version": __version__,
        "suite": {**suite.identity(), "kind": suite.kind},
        "generation": suite.generation,
        "target": options.target,
        "model": options.model,
        "seed": options.seed,
        "subset": options.subset,
        "repeat": options.repeat,
        "weights": weights,
        "scorers": {name: str(scorers[name].version) for name in weights},
        "judge_model": options.judge_model,
        "task_timeout_s": options.task_timeout_s,
        "started_at": started_at,
        "finished_at": time.time(),
        "tasks": records,
        **aggregate(records, weights, options.seed),
    }


class _Run:
    """What every task of one run shares."""

    def __init__(
        self,
        options: RunOptions,
        suite: Suite,
        session: aiohttp.ClientSession,
        sandbox: SandboxRunner | None,
        judge: PlatformJudge | None,
        scorers: Mapping[str, Scorer],
        names: list[str],
    ) -> None:
        self.options = options
        self.suite = suite
        self.session = session
        self.sandbox = sandbox
        self.judge = judge
        self.scorers = scorers
        self.names = names
        self.url = options.target.rstrip("/") + "/v1/chat/completions"
        self.headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        self.verifier: MeterVerifier = (
            KeyVerifier(options.meter_key)
            if options.meter_key
            else GatewayVerifier(session, options.meter_verify_url or options.target)
        )
        if options.pin:
            self.headers[PIN_HEADER] = options.pin
        # A generated suite's pictures come from its secret seed, not the public one.
        self.image_seed: int | str = suite.seed if suite.seed is not None else options.seed

    async def task(self, task: dict, repeat: int) -> dict:
        messages, image_facts = await asyncio.to_thread(self._messages, task)
        turns: list[Turn] = []
        error: str | None = None
        answer = Answer(text="")
        try:
            async with asyncio.timeout(self.options.task_timeout_s):
                await self._converse(task, messages, turns)
                answer = await self._answer(turns)
        except TimeoutError:
            error = f"timed out after {self.options.task_timeout_s:g} s"
        except ExchangeFailed as exc:
            error = str(exc)
        except aiohttp.ClientError as exc:
            error = f"connection failed: {exc}"
        check: Score | None = None
        if error is None:
            context = CheckContext(
                image_facts=image_facts,
                run_code=self.sandbox,
                judge=self.judge,
                question=_last_user_text(task["messages"]),
            )
            try:
                check = await evaluate(task["check"], answer, context)
            except (SandboxUnavailable, JudgeUnavailable) as exc:
                # The bench's failure, not the competitor's: stop rather than score it 0.
                raise RunError(f"the platform failed during the run: {exc}") from None
        metered, meter = (None, None) if error is not None else await self._metered(turns)
        observation = {
            "task": {"id": task["id"], "type": task["type"]},
            "ok": error is None,
            "error": error,
            "check": check,
            "timings": _timings(turns),
            "metered": metered,
            "meter": meter,
        }
        scores, details = self._score(observation)
        return {
            "id": task["id"],
            "type": task["type"],
            "repeat": repeat,
            "ok": error is None,
            "error": error,
            "timings": observation["timings"],
            "metered": observation["metered"],
            "meter": meter,
            "usage": _reported_usage(turns),
            "timeout_s": self.options.task_timeout_s,
            "scores": scores,
            "details": {**details, "answer": answer.text[:ANSWER_EXCERPT_CHARS]},
        }

    async def _metered(self, turns: list[Turn]) -> tuple[dict[str, Any] | None, str]:
        """The platform's meters summed over the turns, when every one is verified; and
        the verification's status (``janus_bench.meters``)."""
        competitor = None if self.options.model == "janus" else self.options.model
        meters, status = await believed_meters(
            self.verifier,
            [turn.metered for turn in turns],
            [turn.request_id for turn in turns],
            competitor,
        )
        return (None if meters is None else _summed(meters)), status

    def _score(self, observation: dict) -> tuple[dict, dict]:
        scores: dict[str, float | None] = {}
        details: dict[str, Any] = {}
        ordered = ["quality", *[name for name in self.names if name != "quality"]]
        for name in ordered:
            scorer = self.scorers[name]
            applies = getattr(scorer, "applies", None)
            if applies is not None and not applies(observation):
                scores[name] = None
                continue
            score = scorer.score(observation)
            scores[name] = round(min(1.0, max(0.0, float(score.value))), 6)
            details[name] = score.details
            if name == "quality":
                observation["quality"] = scores[name]
        return {name: scores.get(name) for name in self.names}, details

    def _messages(self, task: dict) -> tuple[list[dict], dict]:
        messages = json.loads(json.dumps(task["messages"]))
        if "image" not in task:
            return messages, {}
        from janus_bench.images import render

        png, facts = render(task["image"], item_seed(self.image_seed, task["id"]))
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        last = next(m for m in reversed(messages) if m.get("role") == "user")
        content = last.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        last["content"] = [*parts, {"type": "image_url", "image_url": {"url": url}}]
        return messages, facts

    async def _converse(self, task: dict, messages: list[dict], turns: list[Turn]) -> None:
        """Ask, and while the answer calls tools, reply with the task's simulated results."""
        body: dict[str, Any] = {"model": self.options.model, "messages": messages}
        if "max_tokens" in task:
            body["max_tokens"] = task["max_tokens"]
        if task.get("tools"):
            body["tools"] = task["tools"]
        for _ in range(MAX_TOOL_ROUNDS):
            turn = await stream_chat(self.session, self.url, body, self.headers)
            turns.append(turn)
            if not (turn.tool_calls and task.get("tools")):
                return
            messages.append(
                {
                    "role": "assistant",
                    "content": turn.content or None,
                    "tool_calls": turn.tool_calls,
                }
            )
            for call in turn.tool_calls:
                result = _simulated_result(task, call)
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})

    async def _answer(self, turns: list[Turn]) -> Answer:
        artifacts = []
        for turn in turns:
            for descriptor in turn.artifacts:
                artifact = await self._fetch_artifact(descriptor)
                if artifact is not None:
                    artifacts.append(artifact)
        calls = [call for turn in turns for call in turn.tool_calls]
        return Answer(
            text=turns[-1].content if turns else "", tool_calls=calls, artifacts=artifacts
        )

    async def _fetch_artifact(self, descriptor: dict) -> ArtifactFile | None:
        """The artifact's bytes from its gateway URL (or ``data:`` URL); one that cannot be
        fetched is simply not part of the answer."""
        url = str(descriptor.get("url") or "")
        name = str(descriptor.get("display_name") or descriptor.get("id") or "artifact")
        mime_type = str(descriptor.get("mime_type") or "application/octet-stream")
        if url.startswith("data:"):
            header, _, payload = url.partition(",")
            try:
                encoded = header.endswith(";base64")
                data = base64.b64decode(payload) if encoded else unquote_to_bytes(payload)
            except ValueError:
                return None
            return ArtifactFile(name, mime_type, data) if len(data) <= MAX_ARTIFACT_BYTES else None
        if url.startswith("/"):
            url = self.options.target.rstrip("/") + url
        if not url.startswith(self.options.target.rstrip("/") + "/"):
            return None  # only the gateway's own copies are trusted
        try:
            async with self.session.get(url, headers=self.headers) as response:
                if response.status != 200:
                    return None
                data = bytearray()
                async for block in response.content.iter_any():
                    data += block
                    if len(data) > MAX_ARTIFACT_BYTES:
                        return None
        except aiohttp.ClientError:
            return None
        return ArtifactFile(name, mime_type, bytes(data))


def _simulated_result(task: dict, call: dict) -> str:
    function = call.get("function") or {}
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except ValueError:
        return json.dumps({"error": "the arguments are not valid JSON"})
    for known in task.get("tool_results") or []:
        if known.get("name") == function.get("name") and known.get("arguments") == arguments:
            result = known.get("result")
            return result if isinstance(result, str) else json.dumps(result)
    return json.dumps({"error": f"no result for {function.get('name')} with these arguments"})


def _last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _timings(turns: list[Turn]) -> dict[str, Any]:
    first = turns[0].ttft_s if turns else None
    return {
        "ttft_s": None if first is None else round(first, 4),
        "total_s": round(sum(turn.total_s for turn in turns), 4),
        "max_gap_s": round(max((turn.max_gap_s for turn in turns), default=0.0), 4),
        "content_events": sum(turn.content_events for turn in turns),
        "text_events": sum(turn.text_events for turn in turns),
        "text_tokens": sum(turn.text_tokens for turn in turns),
        "substantive_events": sum(turn.substantive_events for turn in turns),
        "substantive_tokens": sum(turn.substantive_tokens for turn in turns),
        "token_arrivals": [turn.arrivals for turn in turns],
        "turns": len(turns),
    }


def _summed(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Verified ``usage.janus_metered`` records summed over the turns."""
    total: dict[str, Any] = {"competitor": records[-1].get("competitor")}
    for counter in METERED_COUNTERS:
        total[counter] = sum(float(record.get(counter) or 0) for record in records)
        if counter != "sandbox_seconds":
            total[counter] = int(total[counter])
    total["sandbox_seconds"] = round(total["sandbox_seconds"], 3)
    return total


def _reported_usage(turns: list[Turn]) -> dict[str, Any] | None:
    """What the competitor said it used (kept for the record, never used for cost)."""
    reported = [turn.usage for turn in turns if turn.usage]
    if not reported:
        return None
    return {
        key: sum(int(u.get(key) or 0) for u in reported if isinstance(u.get(key), int | float))
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    }
