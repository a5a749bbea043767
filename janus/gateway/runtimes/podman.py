"""The Podman command line, called off the event loop, and the flags of a competitor's jail.

Everything the container runtime asks of Podman goes through ``podman()``: a subprocess
whose failure becomes a ``PodmanError`` carrying Podman's own message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

# Identities in labels: which gateway (its data_dir) and which competitor a container is.
GATEWAY_LABEL = "janus.gateway"
COMPETITOR_LABEL = "janus.competitor"


class PodmanError(Exception):
    """Podman is missing, or refused or failed a command; the message says which."""


@dataclass(frozen=True)
class Limits:
    """What one competitor's container may use."""

    memory_mb: int
    cpus: float
    pids: int
    tmp_mb: int
    nofile: int = 1024
    # RLIMIT_NPROC counts every process of the uid on the host, across containers; pids
    # is the real per-container limit, this one only has to be set (runc needs it explicit).
    nproc: int = 4096


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    limits: Limits
    labels: dict[str, str]
    environment: dict[str, str]
    user: str = "65534:65534"
    oci_runtime: str = "runc"
    pull: str = "never"
    seccomp_profile: str | None = None


def run_arguments(spec: ContainerSpec) -> list[str]:
    """``podman run`` flags for a competitor: no network, no privileges, read-only root,
    a size-capped /tmp, cgroup limits, and an environment of exactly ``spec.environment``
    (no proxy variables or anything else of the gateway's)."""
    limits = spec.limits
    arguments = [
        "run",
        "--rm",
        "--replace",  # a same-named leftover of a crash is removed first
        "--name",
        spec.name,
        "--runtime",
        spec.oci_runtime,
        "--pull",
        spec.pull,
        "--network",
        "none",
        "--read-only",
        "--read-only-tmpfs=false",
        "--tmpfs",
        f"/tmp:rw,nosuid,nodev,mode=1777,size={limits.tmp_mb}m",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        spec.user,
        "--memory",
        f"{limits.memory_mb}m",
        "--memory-swap",
        f"{limits.memory_mb}m",
        "--pids-limit",
        str(limits.pids),
        "--cpus",
        f"{limits.cpus:g}",
        "--ulimit",
        f"nofile={limits.nofile}:{limits.nofile}",
        "--ulimit",
        f"nproc={limits.nproc}:{limits.nproc}",
        "--http-proxy=false",
        "--stop-timeout",
        "5",
        "--log-driver",
        "none",
    ]
    if spec.seccomp_profile:
        arguments += ["--security-opt", f"seccomp={spec.seccomp_profile}"]
    for name, value in sorted(spec.labels.items()):
        arguments += ["--label", f"{name}={value}"]
    for name, value in sorted(spec.environment.items()):
        arguments += ["--env", f"{name}={value}"]
    return [*arguments, spec.image]


async def podman(*arguments: str, binary: str = "podman", timeout_s: float = 120.0) -> str:
    """Run ``podman ARGUMENTS`` and return its standard output."""
    try:
        process = await asyncio.create_subprocess_exec(
            binary,
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise PodmanError(f"'{binary}' is not installed (Debian package podman)") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise PodmanError(f"podman {arguments[0]} did not finish within {timeout_s:g} s") from None
    if process.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        raise PodmanError(f"podman {arguments[0]}: {message[-1] if message else 'failed'}")
    return out.decode(errors="replace")


async def running_pid(name: str, *, binary: str = "podman") -> int | None:
    """The host pid of the container's first process, or None while it is not running."""
    try:
        out = await podman(
            "inspect", "--format", "{{.State.Running}} {{.State.Pid}}", name, binary=binary
        )
    except PodmanError:
        return None
    running, _, pid = out.strip().partition(" ")
    return int(pid) if running == "true" and pid.isdigit() and int(pid) > 0 else None


async def remove_labelled(label: str, value: str, *, binary: str = "podman") -> list[str]:
    """Remove (forcibly) every container carrying ``label=value``; their names."""
    out = await podman(
        "ps", "-a", "--filter", f"label={label}={value}", "--format", "{{.Names}}", binary=binary
    )
    names = out.split()
    if names:
        await podman("rm", "-f", "-t", "0", *names, binary=binary)
    return names


async def image_exists(image: str, *, binary: str = "podman") -> bool:
    try:
        await podman("image", "exists", image, binary=binary)
    except PodmanError:
        return False
    return True


async def load_archive(path: str, *, binary: str = "podman") -> list[str]:
    """Load a docker-archive or oci-archive file; the names Podman gave the images."""
    out = await podman("load", "--input", path, binary=binary, timeout_s=600.0)
    return [
        line.split(":", 1)[1].strip()
        for line in out.splitlines()
        if line.startswith("Loaded image") and ":" in line
    ]
