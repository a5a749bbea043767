"""Does Podman enforce a competitor container's limits on this host? Asked once at start-up.

Podman can accept ``--memory`` and ``--pids-limit`` and not apply them (rootless on
cgroup v1 only warns), or fail to run containers at all (``crun`` on a hybrid cgroup
host). So the runtime runs one container with its own flags (``podman.run_arguments``:
``--network none``, the jail, small memory and pids limits), and the container reports,
from inside, which network interfaces it has and which cgroup limits hold it. No image is
needed: the container's root is an empty directory with the host's ``/usr`` bound
read-only (``--rootfs``), enough for ``/usr/bin/sh``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from dataclasses import replace
from pathlib import Path

from janus.gateway.runtimes.podman import ContainerSpec, Limits, PodmanError, podman, run_arguments

PROBE_LIMITS = Limits(memory_mb=64, cpus=1.0, pids=32, tmp_mb=1)
_SCRIPT = (
    'echo "net $(ls /sys/class/net)"; '
    'echo "memory $(cat /sys/fs/cgroup/memory.max 2>/dev/null'
    ' || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; '
    'echo "pids $(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)"'
)
_TOP_DIRECTORIES = ("bin", "sbin", "lib", "lib64")
# One verdict per Podman setup and process (a test run starts many gateways).
_VERDICTS: dict[tuple[str, ...], str | None] = {}


class PodmanMissing(Exception):
    """The Podman binary is not installed: nothing can run, so no limit is at stake."""


async def unenforced(
    spec: ContainerSpec, rootfs: Path, *, binary: str, timeout_s: float
) -> str | None:
    """Why the limits ``run_arguments(spec)`` sets do not hold here (None: they do).

    ``spec.image`` and ``spec.limits`` are replaced: the probe runs ``/usr/bin/sh`` in
    ``rootfs`` (a directory it prepares) under ``PROBE_LIMITS``."""
    resolved = shutil.which(binary)
    if resolved is None:
        raise PodmanMissing(f"'{binary}' is not installed (Debian package podman)")
    # The profile's content, not its path: each gateway writes it into a directory of its own.
    profile = await asyncio.get_running_loop().run_in_executor(None, _digest, spec.seccomp_profile)
    key = (resolved, spec.oci_runtime, spec.user, profile)
    if key not in _VERDICTS:
        _VERDICTS[key] = await _probe(spec, rootfs, binary, timeout_s)
    return _VERDICTS[key]


async def _probe(spec: ContainerSpec, rootfs: Path, binary: str, timeout_s: float) -> str | None:
    volumes = await asyncio.get_running_loop().run_in_executor(None, _prepare_rootfs, rootfs)
    arguments = run_arguments(replace(spec, image=str(rootfs), limits=PROBE_LIMITS))
    arguments[-1:] = [*volumes, "--rootfs", str(rootfs), "/usr/bin/sh", "-c", _SCRIPT]
    try:
        out = await podman(*arguments, binary=binary, timeout_s=timeout_s)
    except PodmanError as exc:
        return f"a probe container did not run: {exc}"
    seen = dict(line.partition(" ")[::2] for line in out.splitlines() if " " in line)
    problems = []
    if seen.get("net", "").split() != ["lo"]:
        problems.append(f"--network none left interfaces {seen.get('net', '?')!r}")
    if seen.get("memory") != str(PROBE_LIMITS.memory_mb * 1024 * 1024):
        problems.append(f"--memory {PROBE_LIMITS.memory_mb}m gave {seen.get('memory', '?')!r}")
    if seen.get("pids") != str(PROBE_LIMITS.pids):
        problems.append(f"--pids-limit {PROBE_LIMITS.pids} gave {seen.get('pids', '?')!r}")
    return "; ".join(problems) or None


def _digest(path: str | None) -> str:
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return path


def _prepare_rootfs(rootfs: Path) -> list[str]:
    """An empty root with ``/usr`` and the top directories the host has: links where the
    host links them into ``/usr`` (merged /usr), read-only binds where they are real."""
    shutil.rmtree(rootfs, ignore_errors=True)
    (rootfs / "usr").mkdir(parents=True)
    volumes = ["--volume", "/usr:/usr:ro"]
    for name in _TOP_DIRECTORIES:
        host = Path("/") / name
        if host.is_symlink():
            os.symlink(os.readlink(host), rootfs / name)
        elif host.is_dir():
            volumes += ["--volume", f"{host}:{host}:ro"]
    return volumes
