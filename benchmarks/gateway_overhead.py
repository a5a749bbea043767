"""What does the Janus gateway add on top of a fast upstream?

Run it from the repository root (Linux only: it reads ``/proc``)::

    python benchmarks/gateway_overhead.py [--quick] [--json results.json]

Four parts, each in its own process so that no part's event loop steals time from another's:

- a fake upstream competitor (aiohttp on uvloop) that answers instantly: a small
  ``chat.completion``, or 20 ``chat.completion.chunk`` events and ``[DONE]`` written without
  any pause; under ``/idle`` it sends one chunk and then holds the stream open;
- the gateway, started the way a user starts it: ``python -m janus run --config FILE``,
  stderr (where the access log goes) redirected to a file; a second gateway with
  ``access_log = false`` runs beside it so the cost of logging is measured in the same run;
- a load generator (aiohttp client on uvloop) that sends the same requests directly to the
  upstream and through each gateway, alternating in short legs so that the noise of a shared
  machine hits every target alike;
- this orchestrator, which tells the load generator what to do, reads the CPU time and
  memory of the other processes from ``/proc``, and prints the results and the verdict on
  each target.

The exit status is 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from aiohttp import web

import janus

HOST = "127.0.0.1"
CHUNKS_PER_STREAM = 20
IDLE_STREAMS = 1000
#: How many of the idle streams may be connecting at once; more would overflow the listen
#: backlog (128 in aiohttp) and cost a one-second SYN retry each, which measures nothing.
IDLE_OPENING_AT_ONCE = 100
IDLE_HOLD_SECONDS = 2.0
STARTUP_TIMEOUT_S = 30.0
CLIENT_TIMEOUT_S = 60.0

BENCH_KEY = "bench-client-key"
# Every target gets the client key; only the guarded gateway checks it.
JSON_HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {BENCH_KEY}"}
# The built-in guardrails, all on: what issue 3's "keeps >= 80% of its throughput" is about.
GUARDRAILS = f"""
[guardrails]
enabled = ["client-auth", "request-size", "url-policy", "secret-scan"]

[guardrails.client-auth]
keys = [{{name = "bench", sha256 = "{hashlib.sha256(BENCH_KEY.encode()).hexdigest()}"}}]
"""
DATA_PREFIX = b"data: {"
DONE = b"data: [DONE]\n\n"


def _request_body(model: str, stream: bool) -> bytes:
    message = {"role": "user", "content": "Say hello."}
    return json.dumps({"model": model, "messages": [message], "stream": stream}).encode()


COMPLETE_BODY = _request_body("janus", stream=False)
STREAM_BODY = _request_body("janus", stream=True)
IDLE_BODY = _request_body("idle", stream=True)


def raise_open_file_limit() -> None:
    """1,000 relayed streams need about 2,000 sockets in the gateway and 1,000 elsewhere."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for an empty sample so a failed leg shows as such."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# The fake upstream ---------------------------------------------------------------------


def _completion() -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello! How can I help?"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9},
        },
        separators=(",", ":"),
    ).encode()


def _chunk(index: int, last: bool) -> bytes:
    chunk = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "delta": {"content": f"tok{index} "},
                "finish_reason": "stop" if last else None,
            }
        ],
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


COMPLETION = _completion()
CHUNKS = [_chunk(i, last=i == CHUNKS_PER_STREAM - 1) for i in range(CHUNKS_PER_STREAM)]
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


async def _answer_fast(request: web.Request) -> web.StreamResponse:
    """Answer as fast as aiohttp allows, so that what we measure is the gateway."""
    if not json.loads(await request.read()).get("stream"):
        return web.Response(body=COMPLETION, content_type="application/json")
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    # One write per chunk, as a model server emits tokens; no pause between them.
    for chunk in CHUNKS:
        await response.write(chunk)
    await response.write(DONE)
    return response


async def _answer_idle(request: web.Request) -> web.StreamResponse:
    """Send one chunk, then hold the stream open the way a slow model would."""
    await request.read()
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    await response.write(CHUNKS[0])
    await asyncio.sleep(3600)  # cancelled when the gateway lets go of the stream
    return response


async def _serve_upstream(conn: Connection) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _answer_fast)
    app.router.add_post("/idle/v1/chat/completions", _answer_idle)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    conn.send(f"http://{HOST}:{port}")
    # Serve until the orchestrator closes its end of the pipe (or terminates us).
    await asyncio.get_running_loop().run_in_executor(None, _wait_closed, conn)
    await runner.cleanup()


def _wait_closed(conn: Connection) -> None:
    with contextlib.suppress(EOFError):
        conn.recv()


def upstream_main(conn: Connection) -> None:
    """Entry point of the fake upstream process."""
    raise_open_file_limit()
    uvloop.run(_serve_upstream(conn))


# The load generator ---------------------------------------------------------------------


class BadAnswer(Exception):
    """The target answered, but not with what the benchmark asked for."""


async def _complete_once(session: aiohttp.ClientSession, url: str) -> None:
    async with session.post(url, data=COMPLETE_BODY, headers=JSON_HEADERS) as response:
        body = await response.read()
        if response.status != 200 or b'"chat.completion"' not in body:
            raise BadAnswer(f"HTTP {response.status}: {body[:200]!r}")


async def _stream_once(session: aiohttp.ClientSession, url: str, started: float) -> float:
    """Read one whole stream; return the time to its first content chunk."""
    async with session.post(url, data=STREAM_BODY, headers=JSON_HEADERS) as response:
        if response.status != 200:
            raise BadAnswer(f"HTTP {response.status}: {(await response.read())[:200]!r}")
        received = bytearray()
        ttft = math.nan
        async for piece in response.content.iter_any():
            received += piece
            # Every chunk of the fake upstream carries content, so the first ``data: {``
            # is the first token; ``: ping`` keep-alives do not count.
            if math.isnan(ttft) and DATA_PREFIX in received:
                ttft = time.perf_counter() - started
        if received.count(DATA_PREFIX) != CHUNKS_PER_STREAM or not received.endswith(DONE):
            raise BadAnswer(f"incomplete stream: {bytes(received[-200:])!r}")
        return ttft


@dataclass
class LegResult:
    """One target hit at one concurrency for a fixed time."""

    completed: int = 0
    errors: int = 0
    first_error: str | None = None
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    ttfts_s: list[float] = field(default_factory=list)


async def _run_leg(url: str, stream: bool, concurrency: int, seconds: float) -> LegResult:
    """``concurrency`` clients each send requests back to back until the time is up."""
    result = LegResult()
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = loop.time() + seconds

        async def client() -> None:
            while loop.time() < deadline:
                started = time.perf_counter()
                try:
                    if stream:
                        result.ttfts_s.append(await _stream_once(session, url, started))
                    else:
                        await _complete_once(session, url)
                except (aiohttp.ClientError, TimeoutError, BadAnswer) as exc:
                    result.errors += 1
                    result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
                    continue
                result.latencies_s.append(time.perf_counter() - started)
                result.completed += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.elapsed_s = time.perf_counter() - started
    return result


@dataclass
class HoldResult:
    """How the idle streams fared: opened, failed to open, or closed while held."""

    opened: int = 0
    failed: int = 0
    first_error: str | None = None
    open_seconds: float = 0.0
    dropped: int = 0


async def _first_chunk(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    """Open one idle stream and wait for its first chunk; the caller closes the response."""
    response = await session.post(url, data=IDLE_BODY, headers=JSON_HEADERS)
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_S):
            if response.status != 200:
                raise BadAnswer(f"HTTP {response.status}")
            received = bytearray()
            while DATA_PREFIX not in received:
                piece = await response.content.readany()
                if not piece:
                    raise BadAnswer("the stream ended before its first chunk")
                received += piece
    except BaseException:
        response.close()
        raise
    return response


async def _hold_streams(conn: Connection, url: str, count: int) -> None:
    """Open ``count`` streams, report once all have their first chunk, close on command."""
    loop = asyncio.get_running_loop()
    result = HoldResult()
    all_started = asyncio.Event()
    opening = asyncio.Semaphore(IDLE_OPENING_AT_ONCE)
    timeout = aiohttp.ClientTimeout(total=None, connect=CLIENT_TIMEOUT_S)

    def settled() -> None:
        if result.opened + result.failed == count:
            all_started.set()

    async def hold_one(session: aiohttp.ClientSession) -> None:
        try:
            async with opening:
                response = await _first_chunk(session, url)
        except (aiohttp.ClientError, TimeoutError, BadAnswer) as exc:
            result.failed += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            settled()
            return
        result.opened += 1
        settled()
        try:
            with contextlib.suppress(aiohttp.ClientError):
                await response.content.read()  # returns only if the stream closes early
            result.dropped += 1
        finally:
            response.close()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        tasks = [asyncio.create_task(hold_one(session)) for _ in range(count)]
        await all_started.wait()
        result.open_seconds = time.perf_counter() - started
        conn.send(asdict(result))
        await loop.run_in_executor(None, conn.recv)  # "release"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    conn.send({"dropped": result.dropped})


async def _generate_load(conn: Connection) -> None:
    """Obey the orchestrator's commands until told to quit."""
    loop = asyncio.get_running_loop()
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "leg":
            conn.send(asdict(await _run_leg(*args)))
        elif command == "hold":
            await _hold_streams(conn, *args)
        else:
            return


def load_generator_main(conn: Connection) -> None:
    """Entry point of the load generator process."""
    raise_open_file_limit()
    uvloop.run(_generate_load(conn))


# The orchestrator -----------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (stolen time included), all cores together."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    url: str


def _gateway_config(upstream_url: str, access_log: bool, guarded: bool, data_dir: Path) -> str:
    return (
        (GUARDRAILS if guarded else "")
        + f"""\
[gateway]
host = "{HOST}"
port = 0
access_log = {str(access_log).lower()}
# All load comes from one address: the per-client cap must admit every idle stream.
max_connections_per_client = {IDLE_STREAMS * 2}

# The platform is on, as in production (tokens minted, usage.janus_metered added), but
# its backends are off: this measures the gateway, not the embedded model's memory.
[platform]
data_dir = "{data_dir}"  # one per gateway: a data_dir serves one gateway at a time

[platform.inference]
backend = "off"

[platform.sandbox]
backend = "off"

[platform.search]
backend = "off"

[routing]
default = "fake"

[[competitors]]
id = "fake"
url = "{upstream_url}"

[[competitors]]
id = "idle"
url = "{upstream_url}/idle"
"""
    )


@contextlib.contextmanager
def running_gateway(
    name: str, workdir: Path, upstream_url: str, access_log: bool, guarded: bool = False
) -> Iterator[Gateway]:
    """``janus run`` exactly as a user would start it, on an ephemeral port.

    ``JANUS_PLUGINS=""`` keeps third-party plugins that happen to be installed out of the
    figures: this measures the core gateway with its built-ins.
    """
    config_path = workdir / f"{name}.toml"
    config_path.write_text(_gateway_config(upstream_url, access_log, guarded, workdir / name))
    log_path = workdir / f"{name}.stderr.log"
    env = {**os.environ, "JANUS_PLUGINS": ""}
    command = [sys.executable, "-m", "janus", "run", "--config", str(config_path)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env)
    try:
        url = _wait_until_listening(process, log_path)
        yield Gateway(process, f"{url}/v1/chat/completions")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The gateway logs ``listening on URL`` once bound; with port 0 that is how we learn it."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        log = log_path.read_text(errors="replace")
        if match := re.search(r"listening on (http://\S+)", log):
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode}:\n{log[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"the gateway did not start within {STARTUP_TIMEOUT_S} s")


@dataclass
class Child:
    """A multiprocessing child and our end of its pipe."""

    process: multiprocessing.process.BaseProcess
    conn: Connection


@contextlib.contextmanager
def running_child(target: Callable[[Connection], None], name: str) -> Iterator[Child]:
    """Run ``target`` in a spawned (not forked) process: a clean interpreter, its own uvloop."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=target, args=(theirs,), name=name, daemon=True)
    process.start()
    theirs.close()
    try:
        yield Child(process, ours)
    finally:
        ours.close()
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()


@dataclass(frozen=True)
class Scenario:
    name: str
    stream: bool
    concurrency: int


SCENARIOS = (
    Scenario("non-stream c=1", stream=False, concurrency=1),
    Scenario("non-stream c=32", stream=False, concurrency=32),
    Scenario("stream c=1", stream=True, concurrency=1),
    Scenario("stream c=32", stream=True, concurrency=32),
)


@dataclass(frozen=True)
class Target:
    """Something we send load to, and the process whose CPU time that load costs."""

    name: str
    url: str
    pid: int


@dataclass
class Measured:
    """All legs of one scenario against one target, pooled."""

    completed: int = 0
    errors: int = 0
    first_error: str | None = None
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    ttfts_s: list[float] = field(default_factory=list)

    def add(self, leg: dict[str, Any], cpu_s: float, client_cpu_s: float) -> None:
        self.completed += leg["completed"]
        self.errors += leg["errors"]
        self.first_error = self.first_error or leg["first_error"]
        self.elapsed_s += leg["elapsed_s"]
        self.cpu_s += cpu_s
        self.client_cpu_s += client_cpu_s
        self.latencies_s += leg["latencies_s"]
        self.ttfts_s += leg["ttfts_s"]

    def summary(self) -> dict[str, Any]:
        latencies = sorted(self.latencies_s)
        ttfts = sorted(self.ttfts_s)
        per_request = self.cpu_s / self.completed if self.completed else math.nan
        return {
            "requests": self.completed,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": round(self.elapsed_s, 3),
            "rps": self.completed / self.elapsed_s if self.elapsed_s else 0.0,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000,
            "ttft_p50_ms": percentile(ttfts, 50) * 1000 if ttfts else None,
            # CPU time of the target's own process (upstream or gateway) per request: the
            # noise of a shared machine moves it far less than throughput or latency.
            "cpu_us_per_request": per_request * 1e6,
            "client_cpu_busy": self.client_cpu_s / self.elapsed_s if self.elapsed_s else 0.0,
        }


class Bench:
    """Drives the load generator and watches the other processes."""

    def __init__(self, load: Child) -> None:
        self.load = load

    def leg(self, target: Target, scenario: Scenario, seconds: float, into: Measured) -> None:
        client_pid = self.load.process.pid
        assert client_pid is not None
        cpu_before, client_before = cpu_seconds(target.pid), cpu_seconds(client_pid)
        self.load.conn.send(("leg", target.url, scenario.stream, scenario.concurrency, seconds))
        leg = self.load.conn.recv()
        cpu = cpu_seconds(target.pid) - cpu_before
        into.add(leg, cpu, cpu_seconds(client_pid) - client_before)

    def scenario(
        self, scenario: Scenario, targets: list[Target], rounds: int, seconds: float
    ) -> dict[str, dict[str, Any]]:
        """Alternate between targets in short legs so that noise hits them alike."""
        measured = {target.name: Measured() for target in targets}
        for _ in range(rounds):
            for target in targets:
                self.leg(target, scenario, seconds, measured[target.name])
        return {name: m.summary() for name, m in measured.items()}

    def idle_streams(self, gateway: Gateway, count: int) -> dict[str, Any]:
        """RSS of the gateway while it holds ``count`` idle streams (keep-alives flowing)."""
        pid = gateway.process.pid
        before = rss_mb(pid)
        idle_url = gateway.url  # the "idle" competitor is chosen by the request's model
        self.load.conn.send(("hold", idle_url, count))
        held = self.load.conn.recv()
        # Sample while the streams sit idle long enough for keep-alive pings to flow.
        samples = [rss_mb(pid)]
        hold_until = time.monotonic() + IDLE_HOLD_SECONDS
        while time.monotonic() < hold_until:
            time.sleep(0.25)
            samples.append(rss_mb(pid))
        self.load.conn.send(("release",))
        released = self.load.conn.recv()
        return {
            "streams": count,
            "opened": held["opened"],
            "failed": held["failed"],
            "first_error": held["first_error"],
            "open_seconds": round(held["open_seconds"], 2),
            "dropped_while_held": released["dropped"],
            "rss_before_mb": round(before, 1),
            "rss_with_streams_mb": round(max(samples), 1),
        }


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"^MemTotal:\s*(\d+)", meminfo, re.MULTILINE).group(1))
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "aiohttp": metadata.version("aiohttp"),
        "uvloop": metadata.version("uvloop"),
        "janus": janus.__version__,
        "kernel": platform.release(),
    }


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    limit: float
    unit: str
    at_most: bool

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value <= self.limit if self.at_most else self.value >= self.limit


def checks(results: dict[str, dict[str, dict[str, Any]]], memory: dict[str, Any]) -> list[Check]:
    quiet, busy = results["non-stream c=1"], results["non-stream c=32"]
    streams = results["stream c=32"]
    rss = memory["rss_with_streams_mb"] if memory["opened"] == memory["streams"] else math.nan
    return [
        Check(
            "added p50 latency, non-stream c=1",
            quiet["gateway"]["p50_ms"] - quiet["direct"]["p50_ms"],
            1.0,
            "ms",
            at_most=True,
        ),
        Check(
            "gateway throughput, non-stream c=32",
            busy["gateway"]["rps"],
            1500,
            "req/s",
            at_most=False,
        ),
        Check(
            "gateway throughput, stream c=32",
            streams["gateway"]["rps"],
            500,
            "streams/s",
            at_most=False,
        ),
        Check(f"gateway RSS with {memory['streams']} idle streams", rss, 200, "MB", at_most=True),
        *(
            Check(
                f"built-in guardrails keep of throughput, {name}",
                100 * results[name]["gateway-guarded"]["rps"] / results[name]["gateway"]["rps"],
                80,
                "%",
                at_most=False,
            )
            for name in ("non-stream c=32", "stream c=32")
        ),
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def format_results(
    results: dict[str, dict[str, dict[str, Any]]], memory: dict[str, Any], verdicts: list[Check]
) -> str:
    header = (
        "scenario",
        "direct rps",
        "gateway rps",
        "ratio",
        "direct p50/p99 ms",
        "gateway p50/p99 ms",
        "added p50 ms",
        "TTFT p50 direct/gateway ms",
    )
    rows = [header]
    for name, by_target in results.items():
        direct, gateway = by_target["direct"], by_target["gateway"]
        ratio = gateway["rps"] / direct["rps"] if direct["rps"] else math.nan
        rows.append(
            (
                name,
                f"{direct['rps']:.0f}",
                f"{gateway['rps']:.0f}",
                f"{ratio:.2f}",
                f"{_ms(direct['p50_ms'])} / {_ms(direct['p99_ms'])}",
                f"{_ms(gateway['p50_ms'])} / {_ms(gateway['p99_ms'])}",
                _ms(gateway["p50_ms"] - direct["p50_ms"]),
                f"{_ms(direct['ttft_p50_ms'])} / {_ms(gateway['ttft_p50_ms'])}"
                if direct["ttft_p50_ms"] is not None
                else "-",
            )
        )
    lines = [_table(rows), ""]

    rows = [
        (
            "scenario",
            "gateway CPU us/req",
            "no-log gateway rps",
            "no-log p50 ms",
            "no-log CPU us/req",
            "upstream CPU us/req",
            "load generator busy direct/gateway",
            "guardrails rps (share of gateway)",
        )
    ]
    for name, by_target in results.items():
        gateway, quiet, direct, guarded = (
            by_target["gateway"],
            by_target["gateway-nolog"],
            by_target["direct"],
            by_target["gateway-guarded"],
        )
        share = guarded["rps"] / gateway["rps"] if gateway["rps"] else math.nan
        rows.append(
            (
                name,
                f"{gateway['cpu_us_per_request']:.0f}",
                f"{quiet['rps']:.0f}",
                _ms(quiet["p50_ms"]),
                f"{quiet['cpu_us_per_request']:.0f}",
                f"{direct['cpu_us_per_request']:.0f}",
                f"{direct['client_cpu_busy']:.0%} / {gateway['client_cpu_busy']:.0%}",
                f"{guarded['rps']:.0f} ({share:.0%})",
            )
        )
    lines += [
        "Cost per request, the gateway with access_log = false, and with the built-in "
        "guardrails on:",
        _table(rows),
        "",
        f"Memory: gateway RSS {memory['rss_before_mb']} MB idle after the load, "
        f"{memory['rss_with_streams_mb']} MB holding {memory['opened']}/{memory['streams']} "
        f"idle streams (opened in {memory['open_seconds']} s, {memory['failed']} failed, "
        f"{memory['dropped_while_held']} dropped while held).",
        "",
    ]
    errors = [
        f"  {scenario} -> {target}: {figures['errors']} errors, first: {figures['first_error']}"
        for scenario, by_target in results.items()
        for target, figures in by_target.items()
        if figures["errors"]
    ]
    if errors or memory["first_error"]:
        lines += ["Errors:", *errors, f"  idle streams: {memory['first_error']}", ""]
    for check in verdicts:
        relation = "<=" if check.at_most else ">="
        verdict = "PASS" if check.passed else "FAIL"
        lines.append(
            f"{verdict}  {check.name}: {check.value:.2f} {check.unit} "
            f"(target {relation} {check.limit:g} {check.unit})"
        )
    return "\n".join(lines)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def run(quick: bool) -> tuple[dict[str, Any], list[Check]]:
    rounds, seconds, warmup = (1, 0.5, 0.25) if quick else (3, 1.5, 0.5)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="janus-bench-")))
        upstream = stack.enter_context(running_child(upstream_main, "fake-upstream"))
        upstream_url = upstream.conn.recv()
        gateway = stack.enter_context(running_gateway("gateway", workdir, upstream_url, True))
        nolog = stack.enter_context(running_gateway("gateway-nolog", workdir, upstream_url, False))
        guarded = stack.enter_context(
            running_gateway("gateway-guarded", workdir, upstream_url, True, guarded=True)
        )
        load = stack.enter_context(running_child(load_generator_main, "load-generator"))
        stack.callback(load.conn.send, ("quit",))

        assert upstream.process.pid is not None
        bench = Bench(load)
        targets = [
            Target("direct", f"{upstream_url}/v1/chat/completions", upstream.process.pid),
            Target("gateway", gateway.url, gateway.process.pid),
            Target("gateway-nolog", nolog.url, nolog.process.pid),
            Target("gateway-guarded", guarded.url, guarded.process.pid),
        ]
        # Warm up every path (imports, validators, connection pools) before measuring.
        for scenario in (SCENARIOS[1], SCENARIOS[3]):
            bench.scenario(scenario, targets, rounds=1, seconds=warmup)
        ours = [os.getpid(), load.process.pid, *(target.pid for target in targets)]
        wall, machine_before = time.perf_counter(), machine_busy_seconds()
        ours_before = sum(cpu_seconds(pid) for pid in ours)
        results = {}
        for scenario in SCENARIOS:
            print(f"measuring {scenario.name} ...", file=sys.stderr, flush=True)
            results[scenario.name] = bench.scenario(scenario, targets, rounds, seconds)
        # Whatever else runs on a shared machine competes with all three for the cores.
        others = machine_busy_seconds() - machine_before
        others -= sum(cpu_seconds(pid) for pid in ours) - ours_before
        other_load_cores = max(0.0, others / (time.perf_counter() - wall))
        print(f"holding {IDLE_STREAMS} idle streams ...", file=sys.stderr, flush=True)
        memory = bench.idle_streams(gateway, IDLE_STREAMS)

    verdicts = checks(results, memory)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "quick": quick,
            "rounds": rounds,
            "seconds_per_leg": seconds,
            "chunks_per_stream": CHUNKS_PER_STREAM,
        },
        "scenarios": results,
        "memory": memory,
        "other_load_cores": round(other_load_cores, 2),
        "targets": [{**asdict(check), "passed": check.passed} for check in verdicts],
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    return report, verdicts


def _without_nan(value: Any) -> Any:
    """JSON has no NaN (an empty sample); write null instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter legs, one round")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    raise_open_file_limit()
    report, verdicts = run(args.quick)
    print("machine: " + ", ".join(f"{key} {value}" for key, value in report["machine"].items()))
    print(format_results(report["scenarios"], report["memory"], verdicts))
    print(
        f"\nWhile measuring, other processes kept {report['other_load_cores']:.2f} of "
        f"{report['machine']['nproc']} cores busy (noise; rerun if it is high)."
    )
    print(f"\nOne run took {report['run_seconds']} s.")
    if args.json:
        args.json.write_text(json.dumps(_without_nan(report), indent=2) + "\n")
    return 0 if all(check.passed for check in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
