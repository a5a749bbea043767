"""The jail's parts against the real kernel: seccomp filter, uid leases, cgroups, volumes,
and the first stage that lets an unprivileged uid reach sources behind closed directories.

These need root (they are what the gateway does as root); under CI a missing capability
fails the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from janus.config import ConfigError, JailConfig
from janus.jail import volumes
from janus.jail.cgroups import CgroupLimits
from janus.jail.host import JailHost
from janus.jail.launch import Bind, JailSpec, unmask
from janus.jail.seccomp import SeccompUnavailable, filter_program
from janus.jail.uids import NoFreeUid, UidPool

ROOT = os.geteuid() == 0


@pytest.fixture
def host(tmp_path) -> JailHost:
    if not ROOT:
        if os.environ.get("CI"):
            pytest.fail("the jail tests need root (CI runs as root)")
        pytest.skip("the jail tests need root")
    return JailHost.open(JailConfig(lock_dir=str(tmp_path / "uids")), tmp_path, need_volumes=True)


async def run_jailed(host: JailHost, spec: JailSpec, memory_mb: int = 256) -> tuple[int, str]:
    slot = await asyncio.to_thread(host.acquire, "test", CgroupLimits(memory_mb, 32, 1.0))
    try:
        process = await host.launcher.spawn(
            spec, slot.uid, slot.cgroup, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        return process.returncode, output.decode()
    finally:
        await asyncio.to_thread(slot.release)


def python_spec(code: str, **extra) -> JailSpec:
    binds = tuple(Bind(p) for p in {sys.base_prefix, sys.prefix})
    return JailSpec(
        argv=(sys.executable, "-c", textwrap.dedent(code)),
        env={"PATH": "/usr/bin:/bin"},
        binds=binds,
        cwd="/",
        tmp_mb=16,
        **extra,
    )


SYSCALLS = """
    import ctypes, errno, os, threading
    libc = ctypes.CDLL(None, use_errno=True)
    def call(number, *args):
        result = libc.syscall(number, *args)
        return errno.errorcode.get(ctypes.get_errno(), "?") if result == -1 else "ok"
    print("ptrace", call(101, 0, 0, 0, 0))               # PTRACE_TRACEME
    print("keyctl", call(250, 0, 0, 0, 0))
    print("bpf", call(321, 0, 0, 0))
    print("unshare", call(272, 0x10000000))               # CLONE_NEWUSER
    print("io_uring_setup", call(425, 1, 0))
    print("clone3", call(435, 0, 0))
    print("mount", call(165, b"none", b"/tmp", b"tmpfs", 0, 0))
    t = threading.Thread(target=lambda: print("thread ok")); t.start(); t.join()
    print("fork", "ok" if os.fork() == 0 and os._exit(0) is None else "ok")
"""


async def test_the_seccomp_filter_refuses_what_exploits_start_from(host):
    code, output = await run_jailed(host, python_spec(SYSCALLS))
    results = dict(line.split(" ", 1) for line in output.splitlines())
    assert code == 0, output
    for name in ("ptrace", "keyctl", "bpf", "unshare", "io_uring_setup", "mount"):
        assert results[name] == "EPERM", (name, output)
    assert results["clone3"] == "ENOSYS"  # so the C library falls back to clone
    assert results["thread"] == "ok" and results["fork"] == "ok"  # ordinary work still runs


def test_the_filter_is_refused_for_an_unknown_architecture():
    with pytest.raises(SeccompUnavailable, match="riscv64"):
        filter_program("riscv64")


async def test_a_jail_runs_as_its_own_uid_in_its_own_namespaces(host):
    code, output = await run_jailed(
        host,
        python_spec(
            """
            import os
            uid_map = open("/proc/self/uid_map").read().split()
            print(os.getuid(), uid_map, sorted(os.listdir("/proc"))[:3])
            print(os.path.exists("/etc/shadow"), os.environ.get("SECRET"))
            try:
                open("/etc/evil", "w")
            except OSError as exc:
                print("root fs", type(exc).__name__)
            """
        ),
    )
    assert code == 0, output
    uid_line, files_line, root_line = output.splitlines()
    uid = int(uid_line.split()[0])
    assert uid >= JailConfig().uid_base
    assert uid_line.endswith("'1'] ['1', '2', 'acpi']")  # one uid mapped; its own PIDs
    assert files_line == "False None"
    assert root_line.startswith("root fs")


def test_uid_leases_are_exclusive_across_processes_and_end_with_their_holder(tmp_path):
    lock_dir = tmp_path / "uids"
    pool = UidPool(300_000, 2, lock_dir)
    held = pool.lease()
    other_gateway = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from janus.jail.uids import UidPool
        lease = UidPool(300_000, 2, Path({str(lock_dir)!r})).lease()
        print(lease.uid, flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", other_gateway], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        theirs = int(child.stdout.readline())
        assert theirs != held.uid  # another gateway never gets a live jail's uid
        with pytest.raises(NoFreeUid):
            pool.lease()
    finally:
        child.kill()
        child.wait()
    assert pool.lease().uid == theirs  # its holder died: the kernel dropped the lock
    held.release()
    assert pool.lease().uid == held.uid


def test_unmask_covers_closed_directories_with_only_the_needed_paths(tmp_path):
    closed = tmp_path / "home"
    (closed / "venv" / "lib").mkdir(parents=True)
    closed.chmod(0o700)
    source = str(closed / "venv" / "lib")
    options = unmask([source, "/usr"])
    topmost_closed = next(
        str(p)
        for p in reversed(Path(source).parents)
        if p != Path("/") and not p.stat().st_mode & 1
    )
    assert options[options.index("--tmpfs") + 1] == topmost_closed
    assert options[-3:] == ["--dev-bind", source, source]  # the source alone, bound back
    assert ["--perms", "0755", "--dir", str(closed / "venv")] == options[-7:-3]
    assert "/usr" not in options  # open to everyone: nothing to do


async def test_a_workspace_volume_stops_writes_at_its_size(host, tmp_path):
    mount_point = tmp_path / "ws"
    await asyncio.to_thread(volumes.create, mount_point, 16, 200_123)
    try:
        assert mount_point.is_mount() and mount_point.stat().st_uid == 200_123
        with pytest.raises(OSError, match="No space left"):
            await asyncio.to_thread(fill, mount_point / "big", 32)
    finally:
        await asyncio.to_thread(volumes.remove, mount_point)
    assert not mount_point.exists() and not mount_point.with_suffix(".img").exists()


def fill(path: Path, megabytes: int) -> None:
    with open(path, "wb") as big:
        for _ in range(megabytes):
            big.write(b"x" * 1024 * 1024)
            big.flush()
            os.fsync(big.fileno())


def test_unenforceable_limits_stop_start_up_unless_the_operator_accepts_them(tmp_path):
    config = JailConfig(lock_dir=str(tmp_path / "uids"))
    with pytest.raises(ConfigError, match=r"cannot enforce .*size-capped workspaces"):
        JailHost.open(config, Path("/proc/no-volumes-here"), need_volumes=True)
    relaxed = JailConfig(lock_dir=str(tmp_path / "uids"), allow_unenforced_limits=True)
    host = JailHost.open(relaxed, Path("/proc/no-volumes-here"), need_volumes=True)
    assert host.volumes is False and any("workspaces" in u for u in host.unenforced)
