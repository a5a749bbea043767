"""The bubblewrap command line of one command: everything a sandboxed process can see and use.

Each command runs in fresh namespaces (no network but loopback, its own PIDs, IPC and
hostname) on a root that holds only the read-only system (``/usr`` and the few ``/etc``
files programs need), a private ``/tmp``, its sandbox's ``/workspace``, and the platform's
unix socket. The host's ``/root``, ``/home``, ``/tmp``, the gateway's configuration and
data directories are simply not there. The environment is rebuilt from nothing.

Resource limits are set by ``prlimit`` inside the sandbox, just before the command. The
process limit (RLIMIT_NPROC) counts processes per user, and never applies to root, so:

- when the gateway runs as root, bubblewrap runs without a user namespace and ``setpriv``
  drops the command to an unprivileged host uid of its own (one per sandbox), with no
  capabilities and ``no_new_privs``;
- otherwise bubblewrap's user namespace is the unprivileged user, and RLIMIT_NPROC counts
  the processes inside that namespace only.

The gateway enforces the wall-clock timeout (see ``kill``); ``timeout`` inside the jail is
a backstop a little later, for a gateway that died without its clean-up (bubblewrap's
``--die-with-parent`` covers that too, but not for a parent gone before bubblewrap armed it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

from janus.config import ConfigError
from janus.platform.sandbox.models import Limits
from janus.platform.sandbox.paths import WORKSPACE

SANDBOX_SOCKET = "/run/janus/platform.sock"
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
    "HOME": str(WORKSPACE),
    "LANG": "C.UTF-8",
}
# Top-level system directories; on merged-/usr systems they are symlinks into /usr.
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# What programs need from /etc, and nothing that could hold a secret.
ETC_ENTRIES = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
)
MIB = 1024 * 1024
BACKSTOP_AFTER_S = 10.0


@dataclass(frozen=True)
class Tools:
    """The host programs a command line needs, found once at start-up."""

    bwrap: str
    prlimit: str
    setpriv: str
    timeout: str
    system: tuple[str, ...]  # bwrap arguments that mount the read-only system

    @classmethod
    def find(cls, bwrap: str) -> Tools:
        found = shutil.which(bwrap)
        if found is None:
            raise ConfigError(
                f"platform.sandbox.local: bubblewrap ('{bwrap}') is not installed; install "
                'the \'bubblewrap\' package, or set [platform.sandbox] backend = "sandy" or "off"'
            )
        names = ("prlimit", "setpriv", "timeout")
        helpers = [shutil.which(name, path="/usr/bin:/bin") for name in names]
        missing = [name for name, path in zip(names, helpers, strict=True) if path is None]
        if missing:
            raise ConfigError(
                f"platform.sandbox.local: {', '.join(missing)} (util-linux, coreutils) not found "
                "in /usr/bin"
            )
        prlimit, setpriv, timeout = (str(path) for path in helpers)
        return cls(found, prlimit, setpriv, timeout, system_mounts())


def system_mounts() -> tuple[str, ...]:
    """bwrap arguments mounting the host's system read-only (and nothing secret of /etc)."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
        host = Path("/") / name
        if host.is_symlink():
            arguments += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            arguments += ["--ro-bind", str(host), str(host)]
    arguments += ["--perms", "0755", "--dir", "/etc"]  # bwrap would create it 0700
    for name in ETC_ENTRIES:
        arguments += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return tuple(arguments)


@dataclass(frozen=True)
class Jail:
    """Where and as whom one sandbox's commands run."""

    workspace: Path  # on the host, mounted at /workspace
    uid: int | None  # host uid to drop to (gateway runs as root), or None (user namespace)
    limits: Limits
    platform_socket: str | None


def command_line(
    tools: Tools,
    jail: Jail,
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    wall_timeout_s: float,
) -> list[str]:
    """The full argv: ``bwrap … -- prlimit … -- [setpriv … --] timeout … argv``."""
    if jail.uid is None:
        namespaces = ["--unshare-all", "--unshare-user", "--disable-userns"]
    else:
        # No user namespace: inside one, root would stay root on the host for RLIMIT_NPROC.
        namespaces = [
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
        ]
    arguments = [
        tools.bwrap,
        *namespaces,
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--clearenv",
    ]
    full_env = dict(BASE_ENV)
    if jail.platform_socket:
        full_env["JANUS_PLATFORM_SOCKET"] = SANDBOX_SOCKET
    full_env.update(env)
    for name, value in full_env.items():
        arguments += ["--setenv", name, value]
    arguments += [
        *tools.system,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
        "--bind",
        str(jail.workspace),
        str(WORKSPACE),
    ]
    if jail.platform_socket:
        socket_dir = os.path.dirname(SANDBOX_SOCKET)
        arguments += [
            "--perms",
            "0755",
            "--dir",
            os.path.dirname(socket_dir),
            "--perms",
            "0755",
            "--dir",
            socket_dir,
            "--ro-bind",
            jail.platform_socket,
            SANDBOX_SOCKET,
        ]
    arguments += ["--chdir", os.path.join(WORKSPACE, cwd), "--", *_limits(tools, jail.limits)]
    if jail.uid is not None:
        arguments += [
            tools.setpriv,
            f"--reuid={jail.uid}",
            f"--regid={jail.uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    backstop = f"{wall_timeout_s + BACKSTOP_AFTER_S:g}"
    return [*arguments, tools.timeout, "--signal=KILL", backstop, *argv]


def _limits(tools: Tools, limits: Limits) -> list[str]:
    # CPU: SIGXCPU at the soft limit, SIGKILL a second later for programs that catch it.
    return [
        tools.prlimit,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_mb * MIB}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_size_mb * MIB}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def kill(process: asyncio.subprocess.Process) -> None:
    """Stop a running jail and everything in it.

    The sandbox's init (bubblewrap's only child, PID 1 of the jail's PID namespace) is
    killed, which kills every process of the namespace; bubblewrap then reaps it and exits.
    Killing bubblewrap itself would orphan that init, leaving a zombie wherever the host's
    PID 1 does not reap (a gateway running as PID 1 in a container). The child is held by
    a pidfd while checked, so a recycled PID can never be hit.
    """
    pid = process.pid
    try:
        (child,) = (int(p) for p in _children(pid))
        pidfd = os.pidfd_open(child)
    except (OSError, ValueError):
        _kill_bubblewrap(process)  # not started yet, or already gone
        return
    try:
        if str(child) in _children(pid):  # still its child: the pidfd is the jail's init
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            return
    except OSError:
        pass  # it ended meanwhile
    finally:
        os.close(pidfd)
    _kill_bubblewrap(process)


def _kill_bubblewrap(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _children(pid: int) -> list[str]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
        return children.read().split()
