"""Scripted competitors for the conformance checks: one that keeps the contract, and the
same one with exactly one behaviour broken (a test double, served by ``live``)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from tests.scripted_competitor import DONE, Script, chunk, completion, sse

USAGE = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
PING = b": ping\n\n"
BROKEN_CHUNK = b'data: {"choices": [{"delta": {"content": "is"\n\n'


@dataclass(frozen=True)
class Behaviour:
    """How the competitor answers; the defaults keep the contract."""

    done: bool = True
    stall_s: float = 0.0
    ping_every_s: float = 0.0  # 0: silent during the stall; else a keep-alive this often
    usage: bool = True
    html_errors: bool = False
    broken_chunk: bool = False
    artifact_url: str | None = None


def competitor(behaviour: Behaviour = Behaviour()) -> Script:
    """A script answering like an OpenAI-compatible server that behaves as ``behaviour``."""

    async def script(request: web.Request, body: dict) -> web.StreamResponse:
        if not isinstance(body.get("messages"), list):
            return _bad_request(behaviour)
        if not body.get("stream"):
            answer = completion("Paris.")
            if not behaviour.usage:
                del answer["usage"]
            if behaviour.artifact_url:
                answer["choices"][0]["message"]["artifacts"] = [_artifact(behaviour.artifact_url)]
            return web.json_response(answer)
        steps = [chunk(role="assistant"), chunk("Par"), *_stall(behaviour)]
        steps.append(BROKEN_CHUNK if behaviour.broken_chunk else chunk("is."))
        steps.append(chunk(finish="stop"))
        if behaviour.usage:
            steps.append(chunk(choices=[], usage=USAGE))
        if behaviour.done:
            steps.append(DONE)
        return await sse(*steps)(request, body)

    return script


def _bad_request(behaviour: Behaviour) -> web.Response:
    if behaviour.html_errors:
        html = "<html><body><h1>400 Bad Request</h1></body></html>"
        return web.Response(status=400, text=html, content_type="text/html")
    error = {
        "message": "messages: must be a list",
        "type": "invalid_request_error",
        "param": "messages",
        "code": None,
    }
    return web.json_response({"error": error}, status=400)


def _stall(behaviour: Behaviour) -> list[bytes | float]:
    if not behaviour.stall_s:
        return []
    if not behaviour.ping_every_s:
        return [behaviour.stall_s]
    pings = round(behaviour.stall_s / behaviour.ping_every_s)
    return [step for _ in range(pings) for step in (behaviour.ping_every_s, PING)]


def _artifact(url: str) -> dict:
    return {
        "id": "art-1",
        "type": "file",
        "mime_type": "text/plain",
        "display_name": "notes.txt",
        "size_bytes": 5,
        "sha256": "0" * 64,
        "created_at": 1,
        "url": url,
    }


def file_server(files: dict[str, bytes], app: web.Application | None = None) -> web.Application:
    """Serves ``files`` (path → bytes) for artifact URLs under ``/files/``; anything else
    there is a 404. Added to ``app`` (a competitor's own) when given, else on its own."""

    async def serve(request: web.Request) -> web.Response:
        if request.path not in files:
            raise web.HTTPNotFound()
        return web.Response(body=files[request.path], content_type="text/plain")

    app = app or web.Application()
    app.router.add_get("/files/{path:.*}", serve)
    return app
