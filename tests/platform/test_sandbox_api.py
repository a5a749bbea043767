"""``/platform/sandbox/api/...`` on a live gateway with the real bubblewrap backend."""

from __future__ import annotations

import base64
import json
import re
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.platform.sandbox_client import PNG, SandboxApi

pytestmark = pytest.mark.usefixtures("bubblewrap")


@pytest.fixture
def start_gateway(sandbox_gateway):
    return lambda **local: sandbox_gateway("local", **local)


@pytest.fixture
def api(start_gateway, token) -> SandboxApi:
    return SandboxApi(start_gateway(), token)


def workspace_on_host(tmp_path: Path, sandbox_id: str) -> Path:
    return tmp_path / "data" / "sandbox" / "local" / "workspaces" / sandbox_id


async def test_create_exec_files_artifacts_and_terminate(api, tmp_path):
    created = await api.call("POST", json={"ttl_seconds": 120, "limits": {"cpu_seconds": 10**6}})
    assert created.status == 201
    sandbox = created.json()
    assert sandbox["id"] == sandbox["sandboxId"] and sandbox["id"].startswith("sb_")
    assert sandbox["ttl_seconds"] == 120 and sandbox["expires_at"] >= sandbox["created_at"] + 119
    assert sandbox["limits"]["cpu_seconds"] == 600  # capped at the configured maximum
    sid = sandbox["id"]
    assert (await api.call("GET", f"/{sid}")).json()["id"] == sid

    write = await api.call(
        "POST",
        f"/{sid}/files/write",
        json={"path": "/workspace/src/hello.py", "content": "print('hi')\n"},
    )
    assert write.json() == {"path": "/workspace/src/hello.py", "size_bytes": 12}
    await api.call(
        "POST",
        f"/{sid}/files/write",
        json={
            "path": "artifacts/dot.png",
            "content": base64.b64encode(PNG).decode(),
            "encoding": "base64",
        },
    )

    result = await api.exec(sid, "python3 src/hello.py; echo oops >&2; exit 4", timeoutMs=5000)
    assert result["stdout"] == "hi\n" and result["stderr"] == "oops\n"
    assert result["exit_code"] == result["exitCode"] == 4
    assert result["timed_out"] is False and result["duration_seconds"] >= 0

    text = await api.call("GET", f"/{sid}/files/read", params={"path": "src/hello.py"})
    assert text.json() == {
        "path": "/workspace/src/hello.py",
        "size_bytes": 12,
        "encoding": "utf-8",
        "content": "print('hi')\n",
    }
    binary = await api.call("GET", f"/{sid}/files/read", params={"path": "artifacts/dot.png"})
    assert binary.json()["encoding"] == "base64"
    assert base64.b64decode(binary.json()["content"]) == PNG

    artifact = await api.call("GET", f"/{sid}/artifacts/dot.png")
    assert artifact.status == 200 and artifact.body == PNG
    assert artifact.headers["Content-Type"] == "image/png"
    assert artifact.headers["Content-Length"] == str(len(PNG))

    assert workspace_on_host(tmp_path, sid).is_dir()
    ended = await api.call("POST", f"/{sid}/terminate")
    assert ended.json() == {"id": sid, "status": "terminated"}
    assert not workspace_on_host(tmp_path, sid).exists()
    gone = await api.call("POST", f"/{sid}/exec", json={"command": "true"})
    assert gone.status == 404
    assert gone.json()["error"]["code"] == "sandbox_not_found"
    assert set(gone.json()["error"]) == {"message", "type", "param", "code"}


async def test_exec_streams_server_sent_events(api):
    sid = await api.create()
    reply = await api.call(
        "POST", f"/{sid}/exec/stream", json={"command": "echo out; echo err >&2; exit 2"}
    )
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/event-stream")
    lines = [line[len("data: ") :] for line in reply.body.decode().splitlines() if line]
    assert lines[-1] == "[DONE]"
    events = [json.loads(line) for line in lines[:-1]]
    assert {"type": "stdout", "data": "out\n"} in events
    assert {"type": "stderr", "data": "err\n"} in events
    assert events[-1]["type"] == "exit" and events[-1]["exit_code"] == 2
    missing = await api.call("POST", "/sb_nope/exec/stream", json={"command": "true"})
    assert missing.status == 404 and missing.json()["error"]["code"] == "sandbox_not_found"


async def test_sandboxes_belong_to_the_grant_that_created_them(api, platform_tokens):
    sid = await api.create()
    other = platform_tokens.mint("tester", "another-request", time.time() + 60)
    for method, path, kwargs in [
        ("GET", f"/{sid}", {}),
        ("POST", f"/{sid}/exec", {"json": {"command": "true"}}),
        ("POST", f"/{sid}/files/write", {"json": {"path": "a", "content": "x"}}),
        ("GET", f"/{sid}/files/read", {"params": {"path": "a"}}),
        ("GET", f"/{sid}/artifacts/a.png", {}),
        ("POST", f"/{sid}/terminate", {}),
    ]:
        reply = await api.call(method, path, token=other, **kwargs)
        assert reply.status == 404, (method, path)
        assert reply.json()["error"]["code"] == "sandbox_not_found"
    assert (await api.call("GET", f"/{sid}", token="not-a-token")).status == 401
    assert (await api.call("GET", f"/{sid}")).status == 200


async def test_bad_input_is_a_400_in_the_openai_shape(api):
    sid = await api.create()
    for path in ("../escape", "/etc/passwd", "/workspace/../etc/passwd", ""):
        reply = await api.call("POST", f"/{sid}/files/write", json={"path": path, "content": "x"})
        assert reply.status == 400, path
        assert reply.json()["error"]["code"] == "invalid_path"
    reply = await api.call("GET", f"/{sid}/files/read", params={"path": "a/../../b"})
    assert reply.status == 400
    assert (await api.call("POST", f"/{sid}/exec", json={"cmd": "ls"})).status == 400
    assert (await api.call("POST", f"/{sid}/exec", data=b"{not json")).status == 400
    bad_base64 = {"path": "a", "content": "***", "encoding": "base64"}
    assert (await api.call("POST", f"/{sid}/files/write", json=bad_base64)).status == 400
    assert (await api.call("POST", json={"limits": {"processes": "many"}})).status == 400
    escape = await api.call("GET", f"/{sid}/artifacts/%2E%2E/%2E%2E/etc/passwd")
    assert escape.status in (400, 404) and b"root:" not in escape.body


async def test_exec_wall_time_is_metered_for_the_competitor(api):
    sid = await api.create()
    await api.exec(sid, "sleep 0.2")
    async with aiohttp.ClientSession() as session, session.get(api.gateway + "/metrics") as r:
        metrics = await r.text()
    found = re.search(r'janus_platform_sandbox_seconds_total\{competitor="tester"\} (\S+)', metrics)
    assert found and float(found.group(1)) > 0


PROBE = """
import json, os, socket

def tcp(host, port):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def platform(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ["JANUS_PLATFORM_SOCKET"])
    request = (f"GET {path} HTTP/1.0\\r\\nHost: platform\\r\\n"
               f"Authorization: Bearer {os.environ['TOKEN']}\\r\\n\\r\\n")
    s.sendall(request.encode())
    answer = b""
    while chunk := s.recv(65536):
        answer += chunk
    return answer.split(b"\\r\\n", 1)[0].decode()

print(json.dumps({
    "internet": tcp("1.1.1.1", 80),
    "gateway": tcp("127.0.0.1", int(os.environ["GATEWAY_PORT"])),
    "platform": platform("/platform/v1/models"),
}))
"""


async def test_inside_the_platform_socket_is_the_only_way_out(api, token, tmp_path):
    config = tmp_path / "janus.toml"
    config.write_text("[platform]\nsecret_env = 'JANUS_PLATFORM_SECRET'\n")
    sid = await api.create()
    await api.call("POST", f"/{sid}/files/write", json={"path": "probe.py", "content": PROBE})
    port = str(urlsplit(api.gateway).port)
    result = await api.exec(
        sid, ["python3", "probe.py"], env={"TOKEN": token, "GATEWAY_PORT": port}
    )
    assert result["exit_code"] == 0, result["stderr"]
    reached = json.loads(result["stdout"])
    assert reached["internet"] != "connected"
    assert reached["gateway"] == "ConnectionRefusedError"  # nothing listens in its own netns
    assert reached["platform"] == "HTTP/1.0 200 OK"
    for secret in (str(config), str(tmp_path / "data"), "/root"):
        looked = await api.exec(sid, ["cat", secret])
        assert looked["exit_code"] != 0 and "No such file or directory" in looked["stderr"]


async def test_runaway_commands_are_stopped_and_the_gateway_stays_healthy(api):
    # The wall-clock limit is far above one CPU second even on a machine at load 12, so the
    # CPU limit, not the clock, is what stops the loop; the bomb asks for a short one.
    sid = await api.create(
        limits={"cpu_seconds": 1, "memory_mb": 256, "processes": 32, "wall_timeout_s": 300}
    )
    loop = await api.exec(sid, ["python3", "-c", "while True: pass"])
    assert loop["exit_code"] == 128 + signal.SIGXCPU and loop["timed_out"] is False
    hog = await api.exec(sid, ["python3", "-c", "x = [bytearray(2**24) for _ in range(10**4)]"])
    assert hog["exit_code"] == 128 + signal.SIGKILL and hog["timed_out"] is False  # the cgroup
    bomb = await api.exec(sid, ["bash", "-c", "b() { b | b & }; b; sleep 60"], timeout_seconds=3)
    assert bomb["timed_out"] is True and "Resource temporarily unavailable" in bomb["stderr"]
    async with aiohttp.ClientSession() as session, session.get(api.gateway + "/health") as r:
        assert r.status == 200
    assert (await api.exec(sid, "echo alive"))["stdout"] == "alive\n"


async def test_a_sandbox_lives_no_longer_than_the_request_that_opened_it(api):
    """The token expires with its request (60 s here); the default TTL is 600 s."""
    bound = (await api.call("POST", json={})).json()
    assert 0 < bound["ttl_seconds"] <= 60
    asked = (await api.call("POST", json={"ttl_seconds": 300})).json()
    assert asked["ttl_seconds"] == 300  # asked for explicitly, within the maximum
