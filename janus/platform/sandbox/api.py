"""``/platform/sandbox/api/sandboxes...``: the Sandy-compatible sandbox API.

Every route runs behind the platform's token check; a sandbox belongs to the grant that
created it (``Grant.owner``) and does not exist for anyone else. The wall time of every
exec is metered against the caller's grant, whether it succeeds, fails or is cut short.
"""

from __future__ import annotations

import base64
import math
import time
from contextlib import aclosing
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from janus.errors import JanusError, invalid_request
from janus.platform.backends import SandboxBackend
from janus.platform.keys import METERING, SANDBOX, grant_of
from janus.platform.sandbox.models import CreateRequest, ExecRequest, WriteRequest, collect
from janus.platform.sandbox.paths import WORKSPACE, artifact_path, mime_type, workspace_path
from janus.protocol import describe_validation_error
from janus.sse import DONE, SSE_HEADERS, data_event

SANDBOXES = "/sandbox/api/sandboxes"

Body = TypeVar("Body", bound=BaseModel)


def add_routes(app: web.Application) -> None:
    one = SANDBOXES + "/{sandbox_id}"
    app.router.add_post(SANDBOXES, create)
    app.router.add_get(one, get_sandbox)
    app.router.add_post(one + "/exec", exec_command)
    app.router.add_post(one + "/exec/stream", exec_stream)
    app.router.add_post(one + "/files/write", write_file)
    app.router.add_get(one + "/files/read", read_file)
    app.router.add_post(one + "/terminate", terminate)
    app.router.add_get(one + "/artifacts/{path:.+}", artifact)


def _backend(request: web.Request) -> SandboxBackend:
    return request.app[SANDBOX]


def _owner(request: web.Request) -> str:
    return grant_of(request).owner


def _sandbox_id(request: web.Request) -> str:
    return request.match_info["sandbox_id"]


async def _body(request: web.Request, model: type[Body]) -> Body:
    raw = await request.read()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        message, param = describe_validation_error(exc.errors())
        raise invalid_request(f"Invalid request: {message}", param=param) from None


async def create(request: web.Request) -> web.Response:
    """Body (optional): ``{ttl_seconds?, limits?: {...}, env?}`` → 201 with the sandbox."""
    body = await _body(request, CreateRequest)
    grant = grant_of(request)
    if body.ttl_seconds is None and grant.request_id is not None:
        # Bound to the request that opens it: idle past the request's deadline, it goes.
        remaining = max(1, math.ceil(grant.expires_at - time.time()))
        body = body.model_copy(update={"ttl_seconds": remaining})
    sandbox = await _backend(request).create(grant.owner, body)
    return web.json_response(sandbox.to_dict(), status=201)


async def get_sandbox(request: web.Request) -> web.Response:
    sandbox = _backend(request).get(_owner(request), _sandbox_id(request))
    return web.json_response(sandbox.to_dict())


async def exec_command(request: web.Request) -> web.Response:
    """→ ``{stdout, stderr, exit_code, duration_seconds, timed_out, *_truncated}``."""
    body = await _body(request, ExecRequest)
    started = time.monotonic()
    try:
        events = _backend(request).exec(_owner(request), _sandbox_id(request), body)
        return web.json_response(await collect(events))
    finally:
        _meter(request, started)


async def exec_stream(request: web.Request) -> web.StreamResponse:
    """SSE: ``{"type": "stdout"|"stderr", "data"}`` events as output comes, then
    ``{"type": "exit", ...}`` and ``[DONE]``; a failure after the start comes in-band as
    ``{"error": {...}}`` before ``[DONE]``."""
    body = await _body(request, ExecRequest)
    started = time.monotonic()
    try:
        events = _backend(request).exec(_owner(request), _sandbox_id(request), body)
        async with aclosing(events):
            # The first event is awaited before answering, so that an unknown sandbox
            # still gets a proper 404 rather than an error inside a 200 stream.
            first = await anext(events)
            response = web.StreamResponse(headers=SSE_HEADERS)
            await response.prepare(request)
            await response.write(data_event(first.to_dict()))
            try:
                async for event in events:
                    await response.write(data_event(event.to_dict()))
            except JanusError as error:
                await response.write(data_event(error.to_dict()))
            await response.write(DONE)
            return response
    finally:
        _meter(request, started)


def _meter(request: web.Request, started: float) -> None:
    meter = request.app[METERING].meter_for(grant_of(request))
    meter.add_sandbox_seconds(time.monotonic() - started)


async def write_file(request: web.Request) -> web.Response:
    """Body ``{path, content, encoding?: "utf-8"|"base64"}`` → ``{path, size_bytes}``."""
    body = await _body(request, WriteRequest)
    path = workspace_path(body.path)
    data = body.data()
    await _backend(request).write_file(_owner(request), _sandbox_id(request), path, data)
    return web.json_response({"path": str(WORKSPACE / path), "size_bytes": len(data)})


async def read_file(request: web.Request) -> web.Response:
    """``?path=...[&encoding=base64]`` → ``{path, size_bytes, encoding, content}``.

    ``content`` is the text when the file is valid UTF-8 (as Sandy answers), else base64,
    and ``encoding`` says which; ``encoding=base64`` asks for base64 always.
    """
    wanted = request.query.get("encoding", "utf-8")
    if wanted not in ("utf-8", "base64"):
        raise invalid_request("encoding: must be 'utf-8' or 'base64'", param="encoding")
    path = workspace_path(request.query.get("path", ""))
    data = await _backend(request).read_file(_owner(request), _sandbox_id(request), path)
    encoding, content = "base64", base64.b64encode(data).decode()
    if wanted == "utf-8":
        try:
            encoding, content = "utf-8", data.decode()
        except UnicodeDecodeError:
            pass
    return web.json_response(
        {
            "path": str(WORKSPACE / path),
            "size_bytes": len(data),
            "encoding": encoding,
            "content": content,
        }
    )


async def terminate(request: web.Request) -> web.Response:
    sandbox_id = _sandbox_id(request)
    await _backend(request).terminate(_owner(request), sandbox_id)
    return web.json_response({"id": sandbox_id, "status": "terminated"})


async def artifact(request: web.Request) -> web.Response:
    """The bytes of ``/workspace/artifacts/{path}``, typed by the file name's extension."""
    path = artifact_path(request.match_info["path"])
    data = await _backend(request).read_file(_owner(request), _sandbox_id(request), path)
    return web.Response(body=data, content_type=mime_type(path))
