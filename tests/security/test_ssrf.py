"""SSRF through a hostile competitor: redirects, foreign artifact URLs, port probing.

A hostile competitor (a real aiohttp server on loopback, a test double) answers with a
307 pointing at an "internal" server that records every hit; the gateway must not follow
it, neither while relaying a client's request (which carries the client's body and a
platform token) nor while running the conformance checks behind ``POST /v1/competitors``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import aiohttp
import pytest
from aiohttp import web

from janus.builtin.guardrails.url_policy import is_public_address
from janus.conformance import check_conformance
from tests.conformance.competitors import Behaviour, competitor
from tests.scripted_competitor import ScriptedCompetitor, completion

ADMIN_KEY = "jadm-ssrf-tests"
CHAT = {"model": "hostile", "messages": [{"role": "user", "content": "my secret prompt"}]}


class InternalService:
    """Stands for something on the gateway's network: it records every request it gets."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()

    def app(self) -> web.Application:
        async def record(request: web.Request) -> web.Response:
            body = await request.read()
            with self._lock:
                self.hits.append((request.method, request.path, dict(request.headers), body))
            return web.json_response(completion("internal data"))

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", record)
        return app


def redirector(target: str) -> web.Application:
    """A hostile competitor: healthy, but every API call is a 307 to ``target``."""

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(target + request.path)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_route("*", "/v1/{path:.*}", redirect)
    return app


@pytest.fixture
def internal(live) -> tuple[InternalService, str]:
    service = InternalService()
    return service, live.serve(service.app())


@pytest.fixture
def admin_gateway(live, monkeypatch):
    monkeypatch.setenv("JANUS_ADMIN_KEY", ADMIN_KEY)
    return live.gateway


async def _post(url: str, path: str, **kwargs) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + path, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None)


def _platform(tmp_path) -> dict:
    """The platform on (so competitors get a platform token), its services off."""
    services = {name: {"backend": "off"} for name in ("inference", "sandbox", "search")}
    return {"data_dir": str(tmp_path / "data"), **services}


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
async def test_the_relay_does_not_follow_a_competitors_redirect(
    live, internal, platform_tokens, tmp_path, stream
):
    service, internal_url = internal
    hostile = live.serve(redirector(internal_url))
    gateway = live.gateway({"hostile": hostile}, platform=_platform(tmp_path))

    status, body = await _post(gateway, "/v1/chat/completions", json={**CHAT, "stream": stream})

    assert service.hits == [], "the client's body and platform token went to the redirect target"
    assert status == 502, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert "307" in body["error"]["message"] and "redirect" in body["error"]["message"]
    assert internal_url not in body["error"]["message"]


async def test_a_redirecting_competitor_falls_back_to_the_next_candidate(live, internal):
    service, internal_url = internal
    hostile = live.serve(redirector(internal_url))
    _, honest = live.competitor(competitor())
    gateway = live.gateway(
        {"hostile": hostile, "honest": honest}, default="hostile", fallbacks=("honest",)
    )

    status, body = await _post(gateway, "/v1/chat/completions", json={**CHAT, "model": "janus"})

    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "Paris."
    assert service.hits == []


async def test_submitting_a_redirecting_competitor_sends_nothing_to_the_target(
    live, internal, admin_gateway
):
    service, internal_url = internal
    hostile = live.serve(redirector(internal_url))
    gateway = admin_gateway({})

    status, body = await _post(
        gateway,
        "/v1/competitors",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        json=_submission("redirector", hostile),
    )

    assert status == 422, body
    assert body["error"]["code"] == "conformance_failed"
    failed = {check["name"]: check["detail"] for check in body["error"]["checks"]}
    assert "redirects are not followed" in failed["non_stream"], failed
    assert service.hits == [], "the conformance checker followed the redirect"


async def test_conformance_does_not_fetch_an_artifact_url_on_another_origin(
    live, internal, admin_gateway
):
    service, internal_url = internal
    scripted = ScriptedCompetitor(competitor(Behaviour(artifact_url=internal_url + "/admin")))
    hostile = live.serve(scripted.app())
    gateway = admin_gateway({})

    status, body = await _post(
        gateway,
        "/v1/competitors",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        json=_submission("pointer", hostile),
    )

    assert status == 422, body
    assert [check["name"] for check in body["error"]["checks"]] == ["artifacts"]
    assert "own origin" in body["error"]["checks"][0]["detail"]
    assert service.hits == [], "the conformance checker fetched a foreign artifact URL"


@contextlib.asynccontextmanager
async def _tcp_listener(greeting: bytes | None):
    """An open TCP port that is not HTTP: it sends ``greeting`` and closes, or (None)
    accepts and says nothing."""
    held: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if greeting is None:
            held.append(writer)
            return
        writer.write(greeting)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def _failure_details(report) -> list[tuple[str, str]]:
    return [(check.name, check.detail) for check in report.failed]


async def test_conformance_errors_do_not_tell_closed_ports_from_open_ones(unused_tcp_port):
    """A submitter must not learn what listens where from the error details."""
    settings = {"health_timeout_s": 1.0, "request_timeout_s": 2.0}
    closed = await check_conformance(f"http://127.0.0.1:{unused_tcp_port}", **settings)
    async with _tcp_listener(b"SSH-2.0-OpenSSH_9.2p1\r\n") as ssh_like:
        banner = await check_conformance(ssh_like, **settings)
    async with _tcp_listener(None) as silent:
        hanging = await check_conformance(silent, **settings)

    assert _failure_details(closed), closed.to_dict()
    assert _failure_details(banner) == _failure_details(closed), banner.to_dict()
    assert _failure_details(hanging) == _failure_details(closed), hanging.to_dict()
    details = " ".join(detail for _, detail in _failure_details(closed)).lower()
    for telltale in ("refused", "errno", "reset", "invalid http", "ssl"):
        assert telltale not in details, details


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),  # IPv4-mapped private
        ("::ffff:169.254.169.254", False),  # IPv4-mapped cloud metadata
        ("::ffff:8.8.8.8", True),
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1 (deprecated form)
        ("::808:808", False),  # IPv4-compatible, even of a public address
        ("::ffff:0:7f00:1", False),  # IPv4-translated (SIIT)
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 prefix
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("fec0::1", False),  # site-local
        ("feff::1", False),  # site-local, top of fec0::/10
        ("fc00::1", False),  # unique-local
        ("fd12:3456::1", False),  # unique-local
        ("fe80::1", False),  # link-local
        ("fe80::1%eth0", False),  # link-local with a zone
        ("ff02::1", False),  # multicast, link scope
        ("ff0e::1", False),  # multicast, global scope
        ("::", False),  # unspecified
        ("::1", False),  # loopback
        ("2001:db8::1", False),  # documentation
        ("100::1", False),  # discard-only
        ("4000::1", False),  # outside global unicast 2000::/3
        ("2606:4700:4700::1111", True),
        ("2a00:1450:4001:80b::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),  # shared address space (CGNAT)
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("8.8.8.8", True),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "host", ["[::7f00:1]", "[fec0::1]", "[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::1]"]
)
async def test_an_anonymous_submitter_cannot_hide_an_internal_address_in_ipv6(live, host):
    gateway = live.gateway({})
    status, body = await _post(
        gateway, "/v1/competitors", json=_submission("sneaky", f"http://{host}:8080")
    )
    assert status == 403, body
    assert body["error"]["code"] == "private_url_not_allowed"


def _submission(competitor_id: str, url: str) -> dict:
    return {
        "id": competitor_id,
        "name": competitor_id,
        "url": url,
        "source_url": f"https://git.example.org/miners/{competitor_id}",
        "license": "MIT",
    }
