"""The ``sandy`` backend: our sandbox API served by a (fake) remote Sandy."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from janus.config import ConfigError
from janus.platform.backends import BackendContext, SandboxBackend
from janus.platform.sandbox.sandy import SandySandboxBackend
from tests.platform.fake_sandy import FakeSandy
from tests.platform.sandbox_client import PNG, SandboxApi

SANDY_KEY = "sandy-test-key"


@pytest.fixture
def sandy(live, tmp_path, monkeypatch) -> FakeSandy:
    fake = FakeSandy(tmp_path / "sandy", SANDY_KEY)
    monkeypatch.setenv("SANDY_BASE_URL", live.serve(fake.app()))
    monkeypatch.setenv("SANDY_API_KEY", SANDY_KEY)
    return fake


@pytest.fixture
def start_gateway(sandbox_gateway, sandy):
    return lambda **settings: sandbox_gateway("sandy", **settings)


@pytest.fixture
def api(start_gateway, token) -> SandboxApi:
    return SandboxApi(start_gateway(), token)


def test_the_backend_implements_the_protocol_and_needs_its_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SANDY_BASE_URL", "http://sandy.test")
    monkeypatch.setenv("SANDY_API_KEY", "k")
    backend = SandySandboxBackend(SandySandboxBackend.Settings(), BackendContext(tmp_path))
    assert isinstance(backend, SandboxBackend)
    monkeypatch.delenv("SANDY_API_KEY")
    with pytest.raises(ConfigError, match="SANDY_API_KEY is not set"):
        SandySandboxBackend(SandySandboxBackend.Settings(), BackendContext(tmp_path))


async def test_the_same_api_works_through_sandy(api, sandy):
    created = await api.call("POST", json={"limits": {"wall_timeout_s": 30, "cpu_seconds": 5}})
    assert created.status == 201
    sandbox = created.json()
    assert sandbox["limits"] == {"wall_timeout_s": 30}  # the one limit enforced here
    sid = sandbox["id"]
    (remote_id,) = sandy.sandboxes
    assert remote_id not in sid  # competitors never see Sandy's ids

    source = {"path": "src/app.py", "content": "print(6 * 7)\n"}
    await api.call("POST", f"/{sid}/files/write", json=source)
    await api.call(
        "POST",
        f"/{sid}/files/write",
        json={
            "path": "/workspace/artifacts/dot.png",
            "content": base64.b64encode(PNG).decode(),
            "encoding": "base64",
        },
    )
    result = await api.exec(sid, ["python3", "src/app.py"], env={"GREETING": "hi"})
    assert result["stdout"] == "42\n" and result["exit_code"] == 0
    assert result["timed_out"] is False
    (_, _, exec_body) = next(
        call
        for call in sandy.calls
        if call[1].endswith("/exec") and call[2]["command"] == "python3 src/app.py"
    )
    assert exec_body["cwd"] == "/workspace" and exec_body["timeoutMs"] == 30_000
    assert exec_body["env"] == {"GREETING": "hi"}

    text = await api.call("GET", f"/{sid}/files/read", params={"path": "src/app.py"})
    assert text.json()["content"] == "print(6 * 7)\n"
    binary = await api.call("GET", f"/{sid}/files/read", params={"path": "artifacts/dot.png"})
    assert base64.b64decode(binary.json()["content"]) == PNG
    artifact = await api.call("GET", f"/{sid}/artifacts/dot.png")
    assert artifact.body == PNG and artifact.headers["Content-Type"] == "image/png"
    missing = await api.call("GET", f"/{sid}/files/read", params={"path": "nope.txt"})
    assert missing.status == 404 and missing.json()["error"]["code"] == "file_not_found"

    stream = await api.call("POST", f"/{sid}/exec/stream", json={"command": "echo a; exit 3"})
    lines = [line[len("data: ") :] for line in stream.body.decode().splitlines() if line]
    assert json.loads(lines[0]) == {"type": "stdout", "data": "a\n"}
    assert json.loads(lines[-2])["exit_code"] == 3 and lines[-1] == "[DONE]"

    assert (await api.call("POST", f"/{sid}/terminate")).status == 200
    assert sandy.sandboxes == {}
    assert (await api.call("GET", f"/{sid}")).status == 404


async def test_other_owners_get_404_and_sandy_is_not_called(api, sandy, platform_tokens):
    sid = await api.create()
    calls = len(sandy.calls)
    other = platform_tokens.mint("tester", "another-request", time.time() + 60)
    reply = await api.call("POST", f"/{sid}/exec", token=other, json={"command": "ls"})
    assert reply.status == 404 and len(sandy.calls) == calls


async def test_a_command_cut_at_its_timeout_is_reported_as_timed_out(api):
    sid = await api.create(limits={"wall_timeout_s": 1})
    result = await api.exec(sid, "sleep 30")
    assert result["timed_out"] is True and result["exit_code"] != 0


async def test_a_sandbox_sandy_lost_is_gone_here_too(api, sandy):
    sid = await api.create()
    sandy.sandboxes.clear()
    reply = await api.call("POST", f"/{sid}/exec", json={"command": "true"})
    assert reply.status == 404 and reply.json()["error"]["code"] == "sandbox_not_found"
    assert (await api.call("GET", f"/{sid}")).status == 404


async def test_sandy_failures_are_502_in_the_openai_shape(api, sandy, monkeypatch):
    sid = await api.create()
    sandy.fail_with = 500
    reply = await api.call("POST", f"/{sid}/exec", json={"command": "true"})
    assert reply.status == 502
    assert reply.json()["error"]["code"] == "sandbox_backend_failed"
    sandy.fail_with = None
    sandy.api_key = "rotated"
    assert (await api.call("POST")).status == 502


async def test_idle_sandboxes_are_terminated_on_sandy(start_gateway, token, sandy):
    api = SandboxApi(start_gateway(sweep_interval_s=0.1), token)
    await api.create(ttl_seconds=1)
    assert len(sandy.sandboxes) == 1
    for _ in range(100):
        if not sandy.sandboxes:
            break
        await asyncio.sleep(0.05)
    assert sandy.sandboxes == {}
