"""Subprocess competitors: started, isolated from the network, scrubbed, and restarted."""

from __future__ import annotations

import asyncio
import importlib
import os

import aiohttp
import pytest

from tests.distributions import build_distribution, install_distribution
from tests.gateway.sse_client import chat_body
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin

pytestmark = pytest.mark.slow

# A competitor that reports on its own surroundings, for these tests only.
PROBE_PLUGIN = """\
import os
import socket
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import web

from janus.hookspecs import hookimpl

STARTED = os.urandom(8).hex()


async def probe(order, request):
    verb, _, argument = order.partition(" ")
    if verb == "connect":
        host, port = argument.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=2).close()
            return "connected"
        except OSError as exc:
            return f"blocked: {exc}"
    if verb == "read":
        try:
            with open(argument, "rb") as file:
                file.read(1)
            return "readable"
        except OSError as exc:
            return f"denied: {exc}"
    if verb == "env":
        return "present" if argument in os.environ else "absent"
    if verb == "platform":
        url = urlsplit(request.headers["X-Janus-Platform-Url"])
        connector = aiohttp.UnixConnector(path=unquote(url.netloc))
        headers = {"Authorization": "Bearer " + request.headers["X-Janus-Platform-Token"]}
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            async with session.get("http://platform" + url.path + "/v1/models") as reply:
                return f"platform {reply.status}"
    if verb == "die":
        os._exit(3)
    return f"pid {os.getpid()} started {STARTED}"  # pids repeat in the jail's namespace


def make_competitor():
    async def chat(request):
        body = await request.json()
        answer = await probe(body["messages"][-1]["content"], request)
        return web.json_response({
            "id": "probe", "object": "chat.completion", "created": 0, "model": "probe",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": answer}}]})

    async def health(request):
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", health)
    return app


@hookimpl
def register_competitors(register):
    register("probe", make_competitor)
"""


@pytest.fixture(scope="module")
def probe_site(tmp_path_factory) -> str:
    package = build_distribution(
        tmp_path_factory.mktemp("probe-src"), "janus-probe", "1.0", {"probe_plugin": PROBE_PLUGIN}
    )
    return str(install_distribution(package, tmp_path_factory.mktemp("probe-site")))


@pytest.fixture
def probe_plugin(probe_site, monkeypatch):
    """The plugin, on the children's path (they load it by entry point) and known to the
    gateway in this process too (it checks that a subprocess competitor's plugin exists)."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [probe_site, os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.syspath_prepend(probe_site)
    return importlib.import_module("probe_plugin")


@pytest.fixture
def probe_gateway(live, probe_plugin, monkeypatch):
    monkeypatch.setenv("SOME_API_KEY", "must-not-leak")

    def start(**competitor) -> str:
        spec = {"kind": "subprocess", "plugin": "probe", **competitor}
        return live.gateway(
            {}, subprocess_competitors={"probe": spec}, default="probe", plugins=(probe_plugin,)
        )

    return start


async def ask(gateway: str, order: str) -> str:
    body = chat_body("probe", stream=False)
    body["messages"][0]["content"] = order
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway + "/v1/chat/completions", json=body) as response,
    ):
        answer = await response.json()
    assert response.status == 200, answer
    return answer["choices"][0]["message"]["content"]


async def test_the_gateway_starts_and_lists_a_subprocess_competitor(probe_gateway):
    gateway = probe_gateway()
    async with aiohttp.ClientSession() as session, session.get(gateway + "/v1/models") as r:
        assert [m["id"] for m in (await r.json())["data"]] == ["janus", "probe"]
    assert (await ask(gateway, "hello")).startswith("pid ")


async def test_an_isolated_competitor_has_no_network(probe_gateway):
    gateway = probe_gateway()
    port = gateway.rsplit(":", 1)[1]
    assert (await ask(gateway, f"connect 127.0.0.1:{port}")).startswith("blocked")
    assert (await ask(gateway, "connect 1.1.1.1:53")).startswith("blocked")


async def test_without_isolation_the_same_probe_connects(probe_gateway):
    gateway = probe_gateway(isolate_network=False)
    port = gateway.rsplit(":", 1)[1]
    assert await ask(gateway, f"connect 127.0.0.1:{port}") == "connected"


async def test_an_isolated_competitor_sees_no_gateway_files(probe_gateway, tmp_path):
    secret = tmp_path / "janus.toml"
    secret.write_text("[gateway]\n")
    gateway = probe_gateway()
    assert (await ask(gateway, f"read {secret}")).startswith("denied")
    assert await ask(gateway, "read /usr/bin/env") == "readable"


async def test_credentials_in_the_gateways_environment_do_not_reach_it(probe_gateway):
    gateway = probe_gateway()
    assert await ask(gateway, "env SOME_API_KEY") == "absent"
    assert await ask(gateway, "env PATH") == "present"


async def test_only_what_pass_env_allows_reaches_it_and_never_a_credential(
    probe_gateway, monkeypatch
):
    monkeypatch.setenv("JANUS_PROBE_MODEL", "small")
    monkeypatch.setenv("JANUS_PROBE_API_KEY", "must-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db/janus")
    monkeypatch.setenv("OTHER_SETTING", "not-asked-for")
    gateway = probe_gateway(pass_env=["JANUS_PROBE_", "DATABASE_URL"])
    assert await ask(gateway, "env JANUS_PROBE_MODEL") == "present"
    assert await ask(gateway, "env JANUS_PROBE_API_KEY") == "absent"
    assert await ask(gateway, "env DATABASE_URL") == "absent"  # a credential, named or not
    assert await ask(gateway, "env OTHER_SETTING") == "absent"


async def test_it_reaches_the_platform_over_the_unix_socket(probe_plugin, live, tmp_path):
    gateway = live.gateway(
        {},
        default="probe",
        subprocess_competitors={"probe": {"kind": "subprocess", "plugin": "probe"}},
        platform=platform_settings(tmp_path),
        plugins=(ScriptedInferencePlugin(), probe_plugin),
    )
    assert await ask(gateway, "platform") == "platform 200"


async def test_a_competitor_that_dies_is_restarted(probe_gateway):
    gateway = probe_gateway()
    first_pid = await ask(gateway, "hello")
    body = chat_body("probe", stream=False)
    body["messages"][0]["content"] = "die"
    async with aiohttp.ClientSession() as session:
        async with session.post(gateway + "/v1/chat/completions", json=body) as response:
            assert response.status == 502
    for _ in range(100):  # a safety net: the restart takes about a second
        await asyncio.sleep(0.2)
        try:
            second_pid = await ask(gateway, "hello")
            break
        except AssertionError:
            continue
    assert second_pid.startswith("pid ") and second_pid != first_pid


def test_a_subprocess_competitor_with_an_unknown_plugin_stops_start_up(live):
    with pytest.raises(
        Exception,
        match=r"competitors\.ghost\.plugin: no competitor plugin "
        r"named 'nope'",
    ):
        live.gateway({}, subprocess_competitors={"ghost": {"kind": "subprocess", "plugin": "nope"}})


async def test_an_optional_one_is_left_out_with_routing_to_it(live):
    gateway = live.gateway(
        {},
        default="ghost",
        subprocess_competitors={
            "ghost": {"kind": "subprocess", "plugin": "nope", "optional": True}
        },
    )
    async with aiohttp.ClientSession() as session, session.get(gateway + "/v1/models") as r:
        assert (await r.json())["data"] == []
