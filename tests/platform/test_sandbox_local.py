"""The ``local`` sandbox backend against the real bubblewrap: isolation, limits, lifetimes.

Limit tests assert that the command was stopped and why (its exit status, its error), not
how fast; their safety nets are the sandbox's own wall timeouts.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from janus.config import ConfigError, JailConfig
from janus.errors import JanusError
from janus.jail.host import JailHost
from janus.platform.backends import BackendContext, SandboxBackend
from janus.platform.sandbox import command, local, workspace
from janus.platform.sandbox.local import LocalSandbox, LocalSandboxBackend
from janus.platform.sandbox.models import CreateRequest, ExecExit, ExecOutput, ExecRequest, collect
from janus.platform.sandbox.paths import workspace_path
from janus.platform.sandbox.settings import DEFAULT_LIMITS

OWNER = "tester/req-1"
AS_ROOT = os.geteuid() == 0  # then each sandbox runs as its own unprivileged host uid

pytestmark = pytest.mark.usefixtures("bubblewrap")


@pytest.fixture
def backend_with(start_backend):
    """Start a local backend with the given settings; all are closed after the test."""

    async def start(**settings) -> LocalSandboxBackend:
        return await start_backend(LocalSandboxBackend, "sandboxes", **settings)

    return start


@pytest.fixture
async def backend(backend_with) -> LocalSandboxBackend:
    return await backend_with()


async def create(backend: LocalSandboxBackend, **body) -> LocalSandbox:
    return await backend.create(OWNER, CreateRequest.model_validate(body))


async def run(backend: LocalSandboxBackend, sandbox: LocalSandbox, command, **request) -> dict:
    return await collect(backend.exec(OWNER, sandbox.id, ExecRequest(command=command, **request)))


def processes_running(marker: str) -> list[bytes]:
    """Command lines (NUL-separated) of host processes that contain ``marker``; zombies
    have none. Bubblewrap's own processes carry the command in theirs too."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(cmdline)
    return found


async def eventually(condition: Callable[[], object], within_s: float = 10.0) -> bool:
    """Poll ``condition`` until it holds; a safety net, not a performance threshold."""
    for _ in range(int(within_s / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def no_process_left(marker: str) -> bool:
    return await eventually(lambda: not processes_running(marker))


def test_the_backend_implements_the_protocol(tmp_path):
    backend = LocalSandboxBackend(LocalSandboxBackend.Settings(), BackendContext(tmp_path))
    assert isinstance(backend, SandboxBackend)


async def test_start_fails_clearly_without_bubblewrap(tmp_path):
    backend = LocalSandboxBackend(
        LocalSandboxBackend.Settings(bwrap="no-such-bwrap"), BackendContext(tmp_path)
    )
    with pytest.raises(ConfigError, match=r"bubblewrap \('no-such-bwrap'\) is not installed"):
        await backend.start()


async def test_start_removes_workspaces_a_previous_run_left(backend_with, tmp_path):
    stale = tmp_path / "sandboxes" / "workspaces" / "sb_stale"
    stale.mkdir(parents=True)
    (stale / "file").write_text("left over")
    await backend_with()
    assert not stale.exists()


async def test_commands_see_a_scrubbed_environment_and_their_workspace(backend, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-gateway-secret")
    sandbox = await create(backend, env={"FROM_CREATE": "1", "BOTH": "create"})
    result = await run(
        backend,
        sandbox,
        "env; pwd; ls artifacts && echo has-artifacts; echo scratch > /tmp/s && cat /tmp/s",
        env={"BOTH": "exec"},
    )
    assert result["exit_code"] == 0
    env = dict(line.split("=", 1) for line in result["stdout"].splitlines() if "=" in line)
    assert env["HOME"] == "/workspace" and env["LANG"] == "C.UTF-8" and "PATH" in env
    assert env["FROM_CREATE"] == "1" and env["BOTH"] == "exec"
    assert "sk-gateway-secret" not in result["stdout"]
    assert "OPENAI_API_KEY" not in env and "JANUS_PLATFORM_SECRET" not in env
    assert "/workspace\nhas-artifacts\nscratch" in result["stdout"]


async def test_host_secrets_and_homes_are_not_there_and_the_system_is_read_only(backend, tmp_path):
    secret = tmp_path / "janus.toml"
    secret.write_text("api_key = 'sk-config-secret'\n")
    sandbox = await create(backend)
    for target in (
        "/root",
        "/home",
        "/etc/shadow",
        "/etc/passwd",
        str(secret),
        str(tmp_path),
        str(sandbox.workspace),
    ):
        result = await run(backend, sandbox, ["ls", "-d", target])
        assert result["exit_code"] != 0, target
        assert "No such file or directory" in result["stderr"]
    for target in ("/usr/bin/evil", "/etc/evil", "/bin/evil"):
        result = await run(backend, sandbox, ["touch", target])
        assert result["exit_code"] != 0, target
        assert re.search("Read-only file system|Permission denied", result["stderr"]), target


async def test_a_cpu_loop_is_killed_at_its_cpu_limit(backend):
    sandbox = await create(backend, limits={"cpu_seconds": 1, "wall_timeout_s": 60})
    result = await run(backend, sandbox, ["python3", "-c", "while True: pass"])
    assert result["exit_code"] == 128 + signal.SIGXCPU
    assert result["timed_out"] is False


async def test_a_memory_hog_cannot_get_past_its_memory_limit(backend):
    sandbox = await create(backend, limits={"memory_mb": 256})
    hog = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n"
    result = await run(backend, sandbox, ["python3", "-c", hog])
    # The cgroup's out-of-memory killer ends it: no allowance per process to multiply.
    assert result["exit_code"] == 128 + signal.SIGKILL
    assert result["timed_out"] is False


async def test_forks_beyond_the_process_limit_are_refused(backend):
    sandbox = await create(backend, limits={"processes": 16})
    script = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 1000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        n += 1\n"
        "except BlockingIOError:\n"
        "    print('refused after', n)\n"
    )
    result = await run(backend, sandbox, ["python3", "-c", script], timeout_seconds=20)
    forked = int(result["stdout"].split()[-1])
    assert result["stdout"].startswith("refused after") and forked < 16


async def test_a_fork_bomb_is_contained_and_leaves_nothing_behind(backend):
    marker = f"bomb-{uuid.uuid4().hex}"
    sandbox = await create(backend, limits={"processes": 32, "wall_timeout_s": 2})
    bomb = ["bash", "-c", "b() { b | b & }; b; sleep 60", marker]  # $0 marks every fork
    running = asyncio.create_task(run(backend, sandbox, bomb))
    most = 0
    while not running.done():
        bombs = [p for p in processes_running(marker) if p.startswith(b"bash")]
        most = max(most, len(bombs))
        await asyncio.sleep(0.02)
    result = running.result()
    assert most <= 32
    assert "fork: retry: Resource temporarily unavailable" in result["stderr"]
    assert result["timed_out"] is True
    assert await no_process_left(marker)
    after = await run(backend, sandbox, "echo still fine")
    assert after["stdout"] == "still fine\n"


async def test_file_size_and_open_file_limits(backend):
    sandbox = await create(backend, limits={"file_size_mb": 1, "open_files": 32})
    big = "open('big', 'wb').write(b'x' * 2 * 1024 * 1024)"
    result = await run(backend, sandbox, ["python3", "-c", big])
    assert result["exit_code"] == 1 and "File too large" in result["stderr"]
    many = "files = [open('f%d' % i, 'w') for i in range(100)]"
    result = await run(backend, sandbox, ["python3", "-c", many])
    assert result["exit_code"] == 1 and "Too many open files" in result["stderr"]


async def test_the_wall_timeout_kills_the_whole_process_tree(backend):
    marker = f"{uuid.uuid4().int % 10**6}.123"
    sandbox = await create(backend)
    result = await run(backend, sandbox, f"sleep {marker} & sleep {marker}", timeout_seconds=1)
    assert result["timed_out"] is True
    assert result["exit_code"] == 128 + signal.SIGKILL
    assert await no_process_left(f"sleep\x00{marker}")


GATEWAY_SCRIPT = """
import asyncio, sys
from pathlib import Path
from janus.platform.backends import BackendContext
from janus.platform.sandbox.local import LocalSandboxBackend
from janus.platform.sandbox.models import CreateRequest, ExecRequest, collect

async def main():
    backend = LocalSandboxBackend(LocalSandboxBackend.Settings(), BackendContext(Path(sys.argv[1])))
    await backend.start()
    sandbox = await backend.create("o", CreateRequest())
    await collect(backend.exec("o", sandbox.id, ExecRequest(command=["sleep", sys.argv[2]])))

asyncio.run(main())
"""


async def test_commands_die_with_a_gateway_that_is_killed(tmp_path):
    marker = f"{uuid.uuid4().int % 10**6}.456"
    sleeping = f"sleep\x00{marker}"  # the command, not the gateway's own argv
    gateway = await asyncio.create_subprocess_exec(
        sys.executable, "-c", GATEWAY_SCRIPT, str(tmp_path / "other"), marker
    )
    try:
        # The command itself, not bubblewrap (whose argv holds it too) still setting up.
        assert await eventually(
            lambda: any(p.startswith(b"sleep") for p in processes_running(sleeping))
        )
    finally:
        gateway.kill()  # no clean-up code of ours runs
        await gateway.wait()
    assert await no_process_left(sleeping)
    # What the next start on that directory does: unmount and remove the dead one's volumes.
    await asyncio.to_thread(local._reset, tmp_path / "other" / "workspaces")
    assert not any(p.is_mount() for p in (tmp_path / "other" / "workspaces").iterdir())


async def test_the_jail_enforces_the_wall_timeout_itself_as_a_backstop(tmp_path, monkeypatch):
    """Without the gateway's timer (a gateway gone before bubblewrap could arm
    ``--die-with-parent``), ``timeout`` in the jail still ends the command."""
    monkeypatch.setattr(command, "BACKSTOP_AFTER_S", 0.0)
    host = await asyncio.to_thread(JailHost.open, JailConfig(), tmp_path, "bwrap", False)
    slot = await asyncio.to_thread(host.acquire, "test", local._cgroup_limits(DEFAULT_LIMITS))
    try:
        workspace.create(tmp_path / "ws", slot.uid)
        spec = command.command_spec(
            command.Helpers.find(),
            tmp_path / "ws",
            DEFAULT_LIMITS,
            None,
            ["sleep", "60"],
            {},
            "/workspace",
            0.5,
            True,
        )
        process = await host.launcher.spawn(spec, slot.uid, slot.cgroup)
        assert await asyncio.wait_for(process.wait(), 30) == 128 + signal.SIGKILL
    finally:
        await asyncio.to_thread(slot.release)


async def test_output_beyond_the_limit_is_dropped_and_flagged(backend_with):
    backend = await backend_with(max_output_bytes=1024)
    sandbox = await create(backend)
    result = await run(backend, sandbox, "head -c 5000 /dev/zero | tr '\\0' a; echo err >&2")
    assert result["stdout"] == "a" * 1024 and result["stdout_truncated"] is True
    assert result["stderr"] == "err\n" and result["stderr_truncated"] is False


async def test_two_sandboxes_cannot_see_each_others_files(backend):
    first, second = await create(backend), await create(backend)
    await run(backend, first, "echo first-secret > secret.txt")
    result = await run(backend, second, f"ls -a /workspace; cat secret.txt {first.workspace}/*")
    assert "secret.txt" not in result["stdout"]
    assert "first-secret" not in result["stdout"]
    if AS_ROOT:
        assert first.uid != second.uid  # one unprivileged host uid per sandbox


async def test_terminate_kills_running_commands_and_removes_the_workspace(backend):
    marker = f"{uuid.uuid4().int % 10**6}.321"
    sandbox = await create(backend)
    running = asyncio.create_task(run(backend, sandbox, f"sleep {marker}"))
    assert await eventually(lambda: processes_running(marker))
    await backend.terminate(OWNER, sandbox.id)
    result = await running
    assert result["exit_code"] == 128 + signal.SIGKILL
    assert not sandbox.workspace.exists()
    assert await no_process_left(marker)
    with pytest.raises(JanusError) as caught:
        await run(backend, sandbox, "true")
    assert caught.value.status == 404 and caught.value.code == "sandbox_not_found"


async def test_idle_sandboxes_expire_and_are_cleaned_up(backend_with):
    backend = await backend_with(sweep_interval_s=0.1)
    sandbox = await create(backend, ttl_seconds=1)
    assert await eventually(lambda: not sandbox.workspace.exists())
    with pytest.raises(JanusError) as caught:
        backend.get(OWNER, sandbox.id)
    assert caught.value.code == "sandbox_not_found"


async def test_a_sandbox_running_a_command_does_not_expire(backend_with):
    backend = await backend_with(sweep_interval_s=0.1)
    sandbox = await create(backend, ttl_seconds=1)
    result = await run(backend, sandbox, "sleep 2; echo done")
    assert result["stdout"] == "done\n"
    assert backend.get(OWNER, sandbox.id) is sandbox  # its TTL started again when it ended


async def test_commands_run_off_the_event_loop(backend):
    """The command waits for a file that only this event loop can write: if running it
    blocked the loop, it could never finish (but time out)."""
    sandbox = await create(backend, limits={"wall_timeout_s": 30})
    waiting = asyncio.create_task(
        run(backend, sandbox, "while [ ! -f go ]; do sleep 0.05; done; echo released")
    )
    await asyncio.sleep(0.2)
    await backend.write_file(OWNER, sandbox.id, workspace_path("go"), b"")
    result = await waiting
    assert result["stdout"] == "released\n" and result["timed_out"] is False


async def test_output_streams_while_the_command_runs(backend):
    sandbox = await create(backend, limits={"wall_timeout_s": 30})
    script = "echo ready; while [ ! -f go ]; do sleep 0.05; done; echo done >&2; exit 3"
    events = backend.exec(OWNER, sandbox.id, ExecRequest(command=script))
    first = await anext(events)
    assert first == ExecOutput("stdout", "ready\n")  # while the command is still waiting
    await backend.write_file(OWNER, sandbox.id, workspace_path("go"), b"")
    rest = [event async for event in events]
    assert rest[0] == ExecOutput("stderr", "done\n")
    assert isinstance(rest[-1], ExecExit) and rest[-1].exit_code == 3


async def test_files_round_trip_and_artifacts_are_readable_by_the_gateway(backend):
    sandbox = await create(backend)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    await backend.write_file(OWNER, sandbox.id, workspace_path("deep/dir/data.bin"), png)
    assert await backend.read_file(OWNER, sandbox.id, workspace_path("deep/dir/data.bin")) == png
    result = await run(backend, sandbox, "cp deep/dir/data.bin artifacts/plot.png && id -u")
    if AS_ROOT:
        assert int(result["stdout"]) == sandbox.uid  # files written for it are its own
    assert await backend.read_artifact(OWNER, sandbox.id, "plot.png", 10_000) == (png, "image/png")
    with pytest.raises(JanusError) as caught:
        await backend.read_artifact(OWNER, sandbox.id, "plot.png", 100)
    assert (caught.value.status, caught.value.code) == (413, "file_too_large")
    # To another owner the sandbox does not exist: same 404 as an unknown id, no size.
    with pytest.raises(JanusError) as foreign:
        await backend.read_artifact("intruder/r", sandbox.id, "plot.png", 100)
    with pytest.raises(JanusError) as unknown:
        await backend.read_artifact("intruder/r", "sb_unknown", "plot.png", 100)
    assert (foreign.value.status, foreign.value.code) == (404, "sandbox_not_found")
    assert foreign.value.message == unknown.value.message.replace("sb_unknown", sandbox.id)
    with pytest.raises(JanusError) as caught:
        await backend.read_file(OWNER, sandbox.id, workspace_path("missing.txt"))
    assert (caught.value.status, caught.value.code) == (404, "file_not_found")


async def test_symbolic_links_planted_in_the_workspace_are_never_followed(backend, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "host-secret").write_text("host secret")
    sandbox = await create(backend)
    await run(backend, sandbox, f"ln -s /etc/passwd passwd; ln -s {outside} out; mkfifo pipe")
    # The links point at host paths the gateway could read or write on the sandbox's behalf.
    for path in ("passwd", "out/host-secret", "pipe"):
        with pytest.raises(JanusError) as caught:
            await backend.read_file(OWNER, sandbox.id, workspace_path(path))
        assert caught.value.code == "invalid_path", path
    for path in ("passwd", "out/planted"):
        with pytest.raises(JanusError):
            await backend.write_file(OWNER, sandbox.id, workspace_path(path), b"x")
    assert not (outside / "planted").exists()


async def test_sandboxes_of_other_owners_do_not_exist(backend):
    sandbox = await create(backend)
    with pytest.raises(JanusError) as caught:
        await collect(backend.exec("someone/else", sandbox.id, ExecRequest(command="true")))
    assert caught.value.code == "sandbox_not_found"
    with pytest.raises(JanusError):
        await backend.terminate("someone/else", sandbox.id)
    assert sandbox.workspace.exists()


async def test_capacity_is_bounded(backend_with):
    backend = await backend_with(max_sandboxes=1)
    await create(backend)
    with pytest.raises(JanusError) as caught:
        await create(backend)
    assert (caught.value.status, caught.value.code) == (503, "sandbox_capacity_exhausted")
