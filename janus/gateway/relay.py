"""The stream relay: the heart of the gateway.

It reads a competitor's SSE stream event by event, checks every chunk, and re-emits it to
the client, while a keep-alive task writes ``: ping`` whenever the client heard nothing for
``keepalive_interval_s`` (also before the first token). The whole exchange runs under the
request deadline. Until a chunk of an answer has reached the client, a failing competitor is
replaced by the next candidate; after that, a failure ends the stream in-band with an
``error`` event and ``[DONE]`` — never a silent close and never invented content.

Disconnects need no special code: aiohttp cancels the handler when the client goes away
(``handler_cancellation=True``), and leaving the upstream ``async with`` closes the
competitor's connection. A gateway shutdown cancels the relay the same way, but through
``shut_down()``, so the stream still ends in-band with a 503 error and ``[DONE]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from janus.config import GatewayConfig
from janus.errors import (
    GuardrailViolation,
    JanusError,
    deadline_exceeded,
    shutting_down,
    upstream_failed,
)
from janus.gateway.competitors import Competitor, CompetitorFailed
from janus.gateway.exchange import Exchange, without_usage
from janus.gateway.guardrails import RequestCheck, StreamCheck
from janus.gateway.observability import RequestRecord
from janus.gateway.upstream import failure_from_status, unreachable
from janus.protocol import ChatCompletionChunk, describe_validation_error
from janus.sse import DONE, DONE_MARKER, PING, SSE_HEADERS, SSEError, SSEParser, data_event

CLIENT_CLOSED_STATUS = 499  # nginx's convention for "the client closed the connection"


class ClientGone(Exception):
    """Writing to the client failed: it disconnected. Not the competitor's fault."""


class StreamRelay:
    """Relays one client stream; create one per request."""

    def __init__(
        self,
        request: web.Request,
        record: RequestRecord,
        settings: GatewayConfig,
        response: web.StreamResponse | None = None,
    ):
        self.request = request
        self.record = record
        self.settings = settings
        # What the chunks are written to: by default the client's SSE response as is.
        self.response = response or web.StreamResponse(headers=SSE_HEADERS)
        self._lock = asyncio.Lock()
        self._last_write = time.monotonic()
        self._last_content: float | None = None
        self._task: asyncio.Task | None = None
        self._shutting_down = False
        self.answer_started = False
        self.finished = asyncio.Event()
        self._guards: StreamCheck | None = None

    async def run(
        self,
        candidates: Sequence[Competitor],
        exchange: Exchange,
        deadline: float,
        check: RequestCheck | None = None,
    ) -> web.StreamResponse:
        """Relay the first candidate that answers; ``check`` brings the guardrails (None
        when none is enabled, so chunks go out with no extra work)."""
        self._task = asyncio.current_task()
        self._guards = check.stream() if check is not None else None
        keepalive = asyncio.create_task(self._keep_alive())
        error: JanusError | None = None
        try:
            async with asyncio.timeout_at(deadline):
                relaying = self._relay_first_that_answers(candidates, exchange)
                await (relaying if check is None else check.race(relaying))
        except TimeoutError:
            error = deadline_exceeded(self.settings.request_timeout_s)
        except JanusError as exc:
            error = exc
        except ClientGone:
            self._client_gone()
        except asyncio.CancelledError:
            if not self._shutting_down:
                raise
            self._task.uncancel()
            error = shutting_down()
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError, ClientGone):
                await keepalive
        try:
            if error is not None:
                await self._fail(error)
        except ClientGone:
            self._client_gone()
        finally:
            self.finished.set()
        return self.response

    def shut_down(self) -> None:
        """End this stream now, in-band, because the gateway is stopping."""
        if self._task is not None and not self.finished.is_set():
            self._shutting_down = True
            self._task.cancel()

    def _client_gone(self) -> None:
        self.record.status, self.record.error = CLIENT_CLOSED_STATUS, "client disconnected"

    async def _relay_first_that_answers(
        self, candidates: Sequence[Competitor], exchange: Exchange
    ) -> None:
        failure: CompetitorFailed | None = None
        for competitor in candidates:
            self.record.competitor = competitor.id
            self.record.attempts += 1
            try:
                await self._relay(competitor, exchange)
                return
            except CompetitorFailed as exc:
                failure = exc
                if self.answer_started or not exc.retryable:
                    break
        assert failure is not None, "a router returns at least one candidate"
        raise error_for(failure)

    async def _relay(self, competitor: Competitor, exchange: Exchange) -> None:
        try:
            async with exchange.send_to(competitor) as upstream:
                if upstream.status != 200:
                    raise await failure_from_status(competitor.id, upstream)
                content_type = upstream.headers.get("Content-Type", "")
                if not content_type.startswith("text/event-stream"):
                    raise CompetitorFailed(
                        competitor.id, f"answered a stream request with '{content_type}'"
                    )
                await self._pump(competitor.id, upstream, exchange)
        except (aiohttp.ClientError, OSError) as exc:
            raise unreachable(competitor.id, exc) from exc

    async def _pump(
        self, competitor_id: str, upstream: aiohttp.ClientResponse, exchange: Exchange
    ) -> None:
        parser = SSEParser(self.settings.max_event_bytes)
        async for received in upstream.content.iter_any():
            out: list[bytes] = []
            failure: CompetitorFailed | GuardrailViolation | None = None
            try:
                for event in parser.feed(received):
                    if event.data == DONE_MARKER:
                        if self._guards is not None:
                            held = await self._guards.before_done()
                            out.extend(data_event(chunk) for chunk in held)
                        await self._write_chunks(out)
                        await self._write(DONE)
                        return
                    chunk = self._check(competitor_id, event.data)
                    if exchange.strip_usage and chunk.usage is not None:
                        stripped = without_usage(event.data)
                        if stripped is None:
                            continue  # the client did not ask for usage
                        event.data = stripped
                        chunk = chunk.model_copy(update={"usage": None})
                    if exchange.chunk_needs_rewrite(chunk):
                        event.data = await exchange.rewrite_chunk(event.data, competitor_id)
                    if self._guards is not None and not self._guards.passes(event.data):
                        event.data = await self._guards.chunk(event.data)
                    out.append(event.encode())
            except SSEError as exc:
                failure = CompetitorFailed(competitor_id, f"sent an unusable stream: {exc}")
            except (CompetitorFailed, GuardrailViolation) as exc:
                failure = exc
            # Valid chunks read together with a bad one still go out first: the client sees
            # what it would have seen had they arrived in separate reads.
            await self._write_chunks(out)
            if failure is not None:
                raise failure
        raise CompetitorFailed(competitor_id, "ended the stream without data: [DONE]")

    async def _write_chunks(self, out: list[bytes]) -> None:
        if out:
            data = b"".join(out)
            out.clear()
            await self._write(data)
            self.answer_started = True

    def _check(self, competitor_id: str, data: bytes) -> ChatCompletionChunk:
        """Validate one chunk and record its timing; raise on errors and malformed chunks."""
        try:
            chunk = ChatCompletionChunk.model_validate_json(data)
        except ValidationError as exc:
            if b'"error"' in data:
                raise self._in_stream_error(competitor_id, data) from None
            detail, _ = describe_validation_error(exc.errors())
            raise CompetitorFailed(competitor_id, f"sent a malformed chunk ({detail})") from None
        if chunk.carries_content():
            now = time.perf_counter()
            if self._last_content is None:
                self.record.ttft_s = now - self.record.started
            else:
                gap = now - self._last_content
                self.record.max_gap_s = max(self.record.max_gap_s or 0.0, gap)
            self._last_content = now
        return chunk

    @staticmethod
    def _in_stream_error(competitor_id: str, data: bytes) -> CompetitorFailed:
        try:
            message = json.loads(data)["error"].get("message", "")
        except (ValueError, KeyError, AttributeError, TypeError):
            message = data[:200].decode("utf-8", "replace")
        return CompetitorFailed(competitor_id, f"reported an error: {message}")

    async def _keep_alive(self) -> None:
        interval = self.settings.keepalive_interval_s
        while True:
            idle_for = time.monotonic() - self._last_write
            if idle_for < interval:
                await asyncio.sleep(interval - idle_for)
                continue
            await asyncio.shield(self._write(PING))

    async def _write(self, data: bytes) -> None:
        async with self._lock:
            try:
                if not self.response.prepared:
                    await self.response.prepare(self.request)
                await self.response.write(data)
            except ConnectionError as exc:
                raise ClientGone(str(exc)) from exc
            self._last_write = time.monotonic()
            self.record.bytes_out += len(data)

    async def _fail(self, error: JanusError) -> None:
        """Report a failure: as an HTTP error if nothing was sent yet, else in-band."""
        self.record.error = error.message
        self.record.status = error.status
        if not self.response.prepared:
            raise error
        await self._write(data_event(error.to_dict()) + DONE)


def error_for(failure: CompetitorFailed) -> JanusError:
    """The client-facing error for the last competitor failure."""
    if not failure.retryable and failure.status is not None:
        body = (failure.error_body or {}).get("error", {})
        return JanusError(
            str(body.get("message") or failure),
            status=failure.status,
            type=str(body.get("type") or "invalid_request_error"),
            code=body.get("code"),
            param=body.get("param"),
        )
    return upstream_failed(str(failure))
