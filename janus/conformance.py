"""Does a server keep the competitor contract? A black-box check over HTTP.

Used by ``janus validate URL`` and by the competition before a competitor is admitted.
It speaks plain OpenAI Chat Completions and sends no Janus-only header, so any
OpenAI-compatible server can be checked, not only ours. Each check is independent: one
broken behaviour fails the check that names it, and the report says why.

The checks (specs/marketplace.md lists them with their rules):
``health`` answers 200 within ``health_timeout_s``; ``non_stream`` is a valid
``chat.completion``; ``stream`` is SSE whose data events are all valid
``chat.completion.chunk`` objects with some content; ``stream_done`` ends with
``data: [DONE]``; ``stream_gaps`` never leaves more than ``max_gap_s`` without a byte
(keep-alive comments count); ``usage`` is reported by both answers; ``errors`` are
OpenAI-shaped JSON for a malformed request; ``artifacts`` (if the answers carry any) are
reachable; ``concurrency`` answers two requests at once.

The checks run on behalf of anonymous submitters, so they must not become a probe of
someone else's network (SSRF): no redirect is ever followed (a 3xx is a failed check),
artifact URLs are fetched only on the server's own origin, and every way of not getting
an HTTP answer (refused, unreachable, timed out, not HTTP) reads the same.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
from pydantic import ValidationError
from yarl import URL

from janus.protocol import ChatCompletion, ChatCompletionChunk, ErrorEnvelope
from janus.sse import DONE_MARKER, SSEError, SSEParser

DEFAULT_MODEL = "janus"
PROMPT = "Reply with one short sentence: what is the capital of France?"
MAX_ANSWER_BYTES = 16 * 1024 * 1024
# One text for every way of getting no HTTP answer: telling them apart would tell a
# submitter which hosts and ports are open where the gateway runs.
NO_HTTP_ANSWER = "no HTTP answer (nothing listening, unreachable, timed out or not HTTP)"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class ConformanceReport:
    url: str
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "passed": self.passed,
            "checks": [asdict(check) for check in self.checks],
        }


class BadTarget(ValueError):
    """The URL to check is not an http(s) URL of a server."""


def base_url(url: str) -> URL:
    """The server's root: ``http(s)://host[:port][/prefix]``, a trailing ``/v1`` removed
    (OpenAI clients are usually given the ``/v1`` base URL; ``/health`` sits above it)."""
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise BadTarget(f"not a URL: {url!r} ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BadTarget(f"not an http(s) URL of a server: {url!r}")
    if parsed.query_string or parsed.fragment:
        raise BadTarget(f"the URL must not carry a query or fragment: {url!r}")
    path = parsed.path.rstrip("/").removesuffix("/v1")
    return parsed.with_path(path or "/")


@dataclass
class StreamObservation:
    """What one streamed answer looked like, byte timing included."""

    status: int = 0
    content_type: str = ""
    chunks: int = 0
    content_chunks: int = 0
    bad_events: list[str] = field(default_factory=list)
    done: bool = False
    events_after_done: int = 0
    usage: dict[str, Any] | None = None
    max_gap_s: float = 0.0
    artifact_urls: list[str] = field(default_factory=list)
    error_body: str = ""


class _Target:
    """One server under test and the HTTP session used to talk to it."""

    def __init__(
        self,
        root: URL,
        session: aiohttp.ClientSession,
        api_key: str | None,
        request_timeout_s: float,
    ) -> None:
        self.root = root
        self.session = session
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = aiohttp.ClientTimeout(total=request_timeout_s)
        self.model = DEFAULT_MODEL

    def url(self, path: str) -> str:
        return str(self.root).rstrip("/") + path

    def request(self, method: str, url: str | URL, **kwargs: Any):
        """A request to the server under test; redirects are answers, never followed."""
        kwargs.setdefault("headers", self.headers)
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, url, allow_redirects=False, **kwargs)

    def chat_body(self, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def post_chat(self, body: Any) -> tuple[int, str, bytes]:
        async with self.request("POST", self.url("/v1/chat/completions"), json=body) as response:
            return response.status, response.content_type, await _read_all(response)

    async def pick_model(self) -> None:
        """The first model ``/v1/models`` lists; the competitor contract does not require
        that route, so without it the checks ask for ``janus``."""
        try:
            async with self.request("GET", self.url("/v1/models")) as response:
                if response.status != 200:
                    return
                models = (await response.json(content_type=None)).get("data") or []
        except (TimeoutError, aiohttp.ClientError, ValueError, AttributeError):
            return
        ids = [m.get("id") for m in models if isinstance(m, dict)]
        if ids and isinstance(ids[0], str) and ids[0]:
            self.model = ids[0]

    async def stream(self) -> StreamObservation:
        seen = StreamObservation()
        async with self.request(
            "POST", self.url("/v1/chat/completions"), json=self.chat_body(stream=True)
        ) as response:
            seen.status, seen.content_type = response.status, response.content_type
            if response.status != 200 or response.content_type != "text/event-stream":
                seen.error_body = (await response.content.read(2000)).decode("utf-8", "replace")
                return seen
            parser = SSEParser()
            last = time.monotonic()
            async for data in response.content.iter_any():
                now = time.monotonic()
                seen.max_gap_s = max(seen.max_gap_s, now - last)
                last = now
                try:
                    for event in parser.feed(data):
                        _observe_event(seen, event.data)
                except SSEError as exc:
                    seen.bad_events.append(str(exc))
                    return seen
            seen.max_gap_s = max(seen.max_gap_s, time.monotonic() - last)
            if parser.pending:
                seen.bad_events.append("the stream ended in the middle of an event")
        return seen


async def _read_all(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, refusing one above ``MAX_ANSWER_BYTES`` (a failed check)."""
    body = bytearray()
    async for piece in response.content.iter_chunked(64 * 1024):
        body += piece
        if len(body) > MAX_ANSWER_BYTES:
            raise ValueError(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
    return bytes(body)


def _observe_event(seen: StreamObservation, data: bytes) -> None:
    if data.strip() == DONE_MARKER:
        seen.done = True
        return
    if seen.done:
        seen.events_after_done += 1
        return
    try:
        payload = json.loads(data)
    except ValueError:
        seen.bad_events.append(f"not JSON: {_clip(data)}")
        return
    if isinstance(payload, dict) and "error" in payload:
        seen.bad_events.append(f"an in-band error: {_clip(data)}")
        return
    try:
        chunk = ChatCompletionChunk.model_validate(payload)
    except ValidationError as exc:
        seen.bad_events.append(f"not a chat.completion.chunk ({_first_error(exc)}): {_clip(data)}")
        return
    seen.chunks += 1
    seen.content_chunks += chunk.carries_content()
    if chunk.usage is not None:
        seen.usage = chunk.usage.model_dump(exclude_none=True)
    for choice in chunk.choices:
        event = choice.delta.janus
        if event is not None and event.event == "artifact":
            url = event.payload.get("url")
            if isinstance(url, str):
                seen.artifact_urls.append(url)


def _clip(data: bytes | str, limit: int = 120) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]


Verdict = tuple[bool, str]


async def _health(target: _Target, timeout_s: float) -> Verdict:
    """Poll ``/health`` until it answers 200 (a container may still be starting)."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while True:
        remaining = deadline - time.monotonic()
        try:
            async with target.request(
                "GET",
                target.url("/health"),
                timeout=aiohttp.ClientTimeout(total=max(0.5, min(5.0, remaining))),
            ) as response:
                if response.status == 200:
                    return True, "200"
                last = _http_status(response.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            last = _describe_exception(exc)
        if time.monotonic() + 0.5 > deadline:
            return False, f"GET /health did not answer 200 within {timeout_s:g} s (last: {last})"
        await asyncio.sleep(0.5)


def _completion_verdict(status: int, content_type: str, raw: bytes) -> tuple[Verdict, Any]:
    if status != 200:
        return (False, f"{_http_status(status)}: {_clip(raw)}"), None
    try:
        answer = ChatCompletion.model_validate_json(raw)
    except ValidationError as exc:
        return (False, f"not a chat.completion ({_first_error(exc)}): {_clip(raw)}"), None
    if not answer.choices:
        return (False, "the answer has no choices"), None
    message = answer.choices[0].message
    if not (message.content or message.tool_calls or message.artifacts):
        return (False, "the answer's first choice is empty"), None
    return (True, f"{len(message.content or '')} characters of content"), answer


def _stream_verdict(seen: StreamObservation) -> Verdict:
    if not seen.status:
        return False, f"no answer: {seen.error_body}"
    if seen.status != 200 or seen.content_type != "text/event-stream":
        what = f"{_http_status(seen.status)} {seen.content_type or 'without a content type'}"
        return False, f"expected a 200 text/event-stream, got {what}: {_clip(seen.error_body)}"
    if seen.bad_events:
        more = f" (and {len(seen.bad_events) - 1} more)" if len(seen.bad_events) > 1 else ""
        return False, f"{seen.bad_events[0]}{more}"
    if not seen.content_chunks:
        return False, f"{seen.chunks} chunk(s) but none carried content"
    return True, f"{seen.chunks} valid chunks, {seen.content_chunks} with content"


def _done_verdict(seen: StreamObservation) -> Verdict:
    if seen.status != 200:
        return False, "no stream to check"
    if not seen.done:
        return False, "the stream ended without data: [DONE]"
    if seen.events_after_done:
        return False, f"{seen.events_after_done} event(s) after data: [DONE]"
    return True, "data: [DONE] ends the stream"


def _gaps_verdict(seen: StreamObservation, max_gap_s: float) -> Verdict:
    if seen.status != 200:
        return False, "no stream to check"
    detail = f"longest silence {seen.max_gap_s:.2f} s (limit {max_gap_s:g} s)"
    return seen.max_gap_s <= max_gap_s, detail


def _usage_verdict(answer: ChatCompletion | None, seen: StreamObservation) -> Verdict:
    missing = []
    if answer is None:
        missing.append("no valid non-stream answer to check")
    elif answer.usage is None:
        missing.append("the non-stream answer has no usage")
    if seen.usage is None:
        missing.append("the stream (stream_options.include_usage) sent no usage chunk")
    if missing:
        return False, "; ".join(missing)
    return True, f"non-stream {answer.usage.total_tokens} tokens, stream {seen.usage}"


async def _errors(target: _Target) -> Verdict:
    """A request whose ``messages`` is not a list must get a 4xx OpenAI error object."""
    status, content_type, raw = await target.post_chat({"model": target.model, "messages": 42})
    if not 400 <= status < 500:
        return False, f"a malformed request got HTTP {status}, not a 4xx"
    try:
        ErrorEnvelope.model_validate_json(raw)
    except ValidationError:
        shown = content_type or "no content type"
        return False, f"HTTP {status} body is not an OpenAI error object ({shown}): {_clip(raw)}"
    return True, f"HTTP {status} with an OpenAI error object"


async def _artifacts(target: _Target, urls: list[str]) -> Verdict:
    if not urls:
        return True, "the answers carried no artifacts (nothing to fetch)"
    for url in urls:
        problem = await _fetch_problem(target, url)
        if problem:
            return False, f"artifact {_clip(url, 80)}: {problem}"
    return True, f"{len(urls)} artifact URL(s) reachable"


async def _fetch_problem(target: _Target, url: str) -> str | None:
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        if not header.endswith(";base64"):
            return None
        try:
            base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return "the data: URL is not valid base64"
        return None
    try:
        absolute = URL(target.url("")).join(URL(url))
    except ValueError:
        return "not a URL"
    if _origin(absolute) != _origin(target.root):
        # Fetching it would make the checker a probe of any host and port it is pointed at.
        return "not fetched: an artifact URL must be a data: URL or on the server's own origin"
    async with target.request("GET", absolute) as response:
        if response.status != 200:
            return _http_status(response.status)
        await _read_all(response)
    return None


async def _concurrency(target: _Target) -> Verdict:
    answers = await asyncio.gather(
        target.post_chat(target.chat_body(stream=False)),
        target.post_chat(target.chat_body(stream=False)),
    )
    for number, answer in enumerate(answers, 1):
        (ok, detail), _ = _completion_verdict(*answer)
        if not ok:
            return False, f"request {number} of 2: {detail}"
    return True, "two simultaneous requests both answered"


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    return url.scheme.lower(), (url.host or "").lower() or None, url.port


def _http_status(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status} (a redirect: redirects are not followed)"
    return f"HTTP {status}"


def _describe_exception(exc: BaseException) -> str:
    """Our own findings (``ValueError``) keep their words; failures to get an HTTP answer
    all read ``NO_HTTP_ANSWER``."""
    if isinstance(exc, (TimeoutError, aiohttp.ClientError, OSError)):
        return NO_HTTP_ANSWER
    return _clip(str(exc) or type(exc).__name__, 200)


async def _timed(name: str, work: Callable[[], Awaitable[Verdict]]) -> Check:
    started = time.monotonic()
    try:
        passed, detail = await work()
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        passed, detail = False, _describe_exception(exc)
    return Check(name, passed, detail, round(time.monotonic() - started, 3))


async def check_conformance(
    url: str,
    *,
    api_key: str | None = None,
    model: str | None = None,
    health_timeout_s: float = 30.0,
    max_gap_s: float = 2.0,
    request_timeout_s: float = 120.0,
    connector: aiohttp.BaseConnector | None = None,
    headers: dict[str, str] | None = None,
) -> ConformanceReport:
    """Run every check against the server at ``url``; raises ``BadTarget`` for a URL that
    is not an http(s) server URL. Network failures are failed checks, never exceptions.
    ``connector`` reaches a server that is not on the network (a competitor's socket);
    ``headers`` go with every request to it (a competitor's platform token and URL)."""
    root = base_url(url)
    async with aiohttp.ClientSession(connector=connector) as session:
        target = _Target(root, session, api_key, request_timeout_s)
        target.headers.update(headers or {})
        checks = [await _timed("health", lambda: _health(target, health_timeout_s))]
        if model:
            target.model = model
        else:
            await target.pick_model()

        non_stream: dict[str, Any] = {}

        async def ask() -> Verdict:
            verdict, non_stream["answer"] = _completion_verdict(
                *await target.post_chat(target.chat_body(stream=False))
            )
            return verdict

        checks.append(await _timed("non_stream", ask))
        answer: ChatCompletion | None = non_stream.get("answer")

        started = time.monotonic()
        try:
            seen = await target.stream()
        except (TimeoutError, aiohttp.ClientError) as exc:
            seen = StreamObservation(error_body=_describe_exception(exc))
        seconds = round(time.monotonic() - started, 3)
        for name, (passed, detail) in (
            ("stream", _stream_verdict(seen)),
            ("stream_done", _done_verdict(seen)),
            ("stream_gaps", _gaps_verdict(seen, max_gap_s)),
            ("usage", _usage_verdict(answer, seen)),
        ):
            checks.append(Check(name, passed, detail, seconds))

        checks.append(await _timed("errors", lambda: _errors(target)))
        urls = list(seen.artifact_urls)
        if answer is not None:
            urls += [a.url for a in answer.choices[0].message.artifacts or ()]
        checks.append(await _timed("artifacts", lambda: _artifacts(target, urls)))
        checks.append(await _timed("concurrency", lambda: _concurrency(target)))
    return ConformanceReport(str(root).rstrip("/"), checks)
