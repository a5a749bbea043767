"""``POST /v1/chat/completions``: validate, route, then relay a stream or forward once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from janus.errors import JanusError, deadline_exceeded, invalid_request, no_candidates
from janus.gateway.admin import is_admin, require_admin
from janus.gateway.competitors import Competitor, CompetitorFailed
from janus.gateway.exchange import Exchange, PlatformAccess, start_exchange
from janus.gateway.guardrails import RequestCheck
from janus.gateway.housekeeping import keep_metering
from janus.gateway.keys import (
    ADMIN_KEY,
    ARTIFACTS,
    CONFIG,
    GUARDRAILS,
    METERING,
    METRICS,
    POOL,
    ROUTER,
    STREAMS,
    TOKENS,
    record_of,
)
from janus.gateway.models import resolve_alias
from janus.gateway.observability import RequestRecord
from janus.gateway.relay import StreamRelay, error_for
from janus.gateway.upstream import failure_from_status, read_limited, unreachable
from janus.platform.app import PREFIX as PLATFORM_PREFIX
from janus.protocol import (
    PIN_HEADER,
    ChatCompletion,
    ChatCompletionRequest,
    describe_validation_error,
    parse_chat_request,
)

JSON = "application/json"


async def chat_completions(request: web.Request) -> web.StreamResponse:
    record_of(request).stream = False  # a chat request for the metrics, even if it fails early
    return await serve_chat(request, await read_body(request))


async def serve_chat(
    request: web.Request, body: bytes, stream_response: web.StreamResponse | None = None
) -> web.StreamResponse:
    """Answer the chat completion request ``body``. A stream is written to
    ``stream_response`` when given (``/v1/responses`` translates it on the way out)."""
    settings = request.app[CONFIG].gateway
    record = record_of(request)
    deadline = asyncio.get_running_loop().time() + settings.request_timeout_s
    chat = parse_chat_request(body)
    body, chat = resolve_alias(request.app[CONFIG].routing.aliases, body, chat)
    record.stream = chat.stream
    guardrails = request.app[GUARDRAILS]
    if not guardrails.active:
        return await _answer(request, body, chat, None, deadline, stream_response)
    admin = is_admin(request, request.app[ADMIN_KEY])
    check = guardrails.start(request, body, record.request_id, admin=admin)
    try:
        if (changed := await check.check_request()) is not None:
            body = json.dumps(changed, separators=(",", ":")).encode()
            chat = validate_changed(changed)
        return await _answer(request, body, chat, check, deadline, stream_response)
    finally:
        check.finish()


async def _answer(
    request: web.Request,
    body: bytes,
    chat: ChatCompletionRequest,
    check: RequestCheck | None,
    deadline: float,
    stream_response: web.StreamResponse | None,
) -> web.StreamResponse:
    settings = request.app[CONFIG].gateway
    record = record_of(request)
    candidates = _pinned(request) or await request.app[ROUTER].route(chat, request.app[POOL])
    if not candidates:
        raise no_candidates()
    exchange = start_exchange(
        body,
        record.request_id,
        settings.request_timeout_s,
        platform_access(request),
        request.app[ARTIFACTS],
        origin=f"{request.scheme}://{request.host}",
        stream=chat.stream,
    )
    request.app[METRICS].overhead.observe(time.perf_counter() - record.started)
    try:
        if chat.stream:
            return await _stream(request, candidates, exchange, deadline, check, stream_response)
        async with asyncio.timeout_at(deadline):
            work = _complete(candidates, exchange, settings.max_response_bytes, record)
            if check is None:
                payload = await work
            else:
                payload = await check.check_response(await check.race(work))
        return web.Response(body=payload, content_type=JSON)
    except TimeoutError:
        raise deadline_exceeded(settings.request_timeout_s) from None
    finally:
        keep_metering(request.app, exchange.finish())


def _pinned(request: web.Request) -> list[Competitor] | None:
    """The competitor an admin pinned with ``X-Janus-Competitor`` (the gateway's own
    evaluations and audits), None without the header. The body's ``model`` stays what
    users send, and competitors never see client headers, so they cannot tell."""
    wanted = request.headers.get(PIN_HEADER)
    if wanted is None:
        return None
    require_admin(request, request.app[ADMIN_KEY])
    competitor = request.app[POOL].get(wanted)
    if competitor is None:
        raise JanusError(
            f"{PIN_HEADER}: no competitor has id '{wanted}'.",
            status=404,
            code="competitor_not_found",
        )
    return [competitor]


def validate_changed(body: dict) -> ChatCompletionRequest:
    """A guardrail's new body must still be a valid request; if not, the guardrail is at
    fault, not the client."""
    try:
        return ChatCompletionRequest.model_validate(body)
    except ValidationError as exc:
        message, _ = describe_validation_error(exc.errors())
        raise RuntimeError(f"a guardrail produced an invalid request: {message}") from None


async def _stream(
    request: web.Request,
    candidates: Sequence[Competitor],
    exchange: Exchange,
    deadline: float,
    check: RequestCheck | None,
    stream_response: web.StreamResponse | None,
) -> web.StreamResponse:
    relay = StreamRelay(
        request, record_of(request), request.app[CONFIG].gateway, response=stream_response
    )
    streams = request.app[STREAMS]
    streams.add(relay)
    try:
        return await relay.run(candidates, exchange, deadline, check)
    finally:
        streams.discard(relay)


def platform_access(request: web.Request) -> PlatformAccess | None:
    if not request.app[CONFIG].platform.enabled:
        return None
    return PlatformAccess(request.app[TOKENS], request.app[METERING], _platform_url(request))


def _platform_url(request: web.Request) -> str | None:
    """Where this request's competitor reaches the platform: the configured public URL,
    else the very address the client reached the gateway on."""
    if public_url := request.app[CONFIG].platform.public_url:
        return public_url
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not isinstance(sockname, tuple):
        return None  # a unix-socket client: only a configured public_url can be offered
    host = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
    return f"http://{host}:{sockname[1]}{PLATFORM_PREFIX}"


async def read_body(request: web.Request) -> bytes:
    """The request's body, within ``[gateway] max_body_bytes`` (413 beyond)."""
    limit = request.app[CONFIG].gateway.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(request.content_length, limit)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(None, limit) from None
    if not body:
        raise invalid_request("The request body is empty; send a JSON chat completion request.")
    return body


def _too_large(size: int | None, limit: int) -> JanusError:
    measured = f" of {size} bytes" if size is not None else ""
    return JanusError(
        f"The request body{measured} is larger than the limit of {limit} bytes.",
        status=413,
        code="request_too_large",
    )


async def _complete(
    candidates: Sequence[Competitor], exchange: Exchange, limit: int, record: RequestRecord
) -> bytes:
    """Forward a non-stream request to the first candidate that gives a valid answer."""
    failure: CompetitorFailed | None = None
    for competitor in candidates:
        record.competitor = competitor.id
        record.attempts += 1
        try:
            answer = await _fetch(competitor, exchange, limit)
            return await exchange.rewrite_answer(answer, competitor.id)
        except CompetitorFailed as exc:
            failure = exc
            if not exc.retryable:
                break
    assert failure is not None, "a router returns at least one candidate"
    raise error_for(failure)


async def _fetch(competitor: Competitor, exchange: Exchange, limit: int) -> bytes:
    try:
        async with exchange.send_to(competitor) as upstream:
            if upstream.status != 200:
                raise await failure_from_status(competitor.id, upstream)
            payload = await read_limited(upstream, limit, "the answer")
    except ValueError as exc:
        raise CompetitorFailed(competitor.id, f"sent an answer too large: {exc}") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise unreachable(competitor.id, exc) from exc
    try:
        ChatCompletion.model_validate_json(payload)
    except ValidationError as exc:
        detail, _ = describe_validation_error(exc.errors())
        raise CompetitorFailed(
            competitor.id, f"sent an invalid chat.completion ({detail})"
        ) from None
    return payload
