"""What one sandbox command sees, and the per-process limits it runs under.

Each command runs in a fresh jail (see ``janus.jail``) whose only writable places are its
sandbox's ``/workspace`` (a size-capped volume) and a private ``/tmp``, and whose only way
out is the platform's unix socket at ``/run/janus/platform.sock``. Memory, processes and CPU
are bounded for the whole sandbox by its cgroup; ``prlimit`` adds what cgroups do not
count: CPU seconds per process, file size, open files, no core dumps. Where cgroups are not
enforced (the operator allowed that explicitly), ``prlimit`` also caps each process's
address space and the uid's process count.

The gateway enforces the wall-clock timeout (see ``janus.jail.launch.kill``); ``timeout``
inside the jail is a backstop a little later, for a gateway that died without its clean-up.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from janus.config import ConfigError
from janus.jail.launch import Bind, JailSpec
from janus.platform.sandbox.models import Limits
from janus.platform.sandbox.paths import WORKSPACE

SOCKET_DIR = "/run/janus"
SANDBOX_SOCKET = f"{SOCKET_DIR}/platform.sock"
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
    "HOME": str(WORKSPACE),
    "LANG": "C.UTF-8",
}
MIB = 1024 * 1024
BACKSTOP_AFTER_S = 10.0


@dataclass(frozen=True)
class Helpers:
    """The programs that run inside the jail before the command, found once."""

    prlimit: str
    timeout: str

    @classmethod
    def find(cls) -> Helpers:
        names = ("prlimit", "timeout")
        found = [shutil.which(name, path="/usr/bin:/bin") for name in names]
        missing = [name for name, path in zip(names, found, strict=True) if path is None]
        if missing:
            raise ConfigError(
                f"platform.sandbox.local: {', '.join(missing)} (util-linux, coreutils) not found "
                "in /usr/bin"
            )
        prlimit, timeout = (str(path) for path in found)
        return cls(prlimit, timeout)


def command_spec(
    helpers: Helpers,
    workspace: Path,
    limits: Limits,
    platform_socket: str | None,
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    wall_timeout_s: float,
    cgroup_enforced: bool,
) -> JailSpec:
    """The jail of one command: ``prlimit … -- timeout … argv`` in the sandbox's view."""
    full_env = dict(BASE_ENV)
    binds = [Bind(str(workspace), str(WORKSPACE), writable=True)]
    if platform_socket:
        full_env["JANUS_PLATFORM_SOCKET"] = SANDBOX_SOCKET
        # The socket's directory holds nothing else: bind it, read-only.
        binds.append(Bind(os.path.dirname(platform_socket), SOCKET_DIR))
    full_env.update(env)
    backstop = f"{wall_timeout_s + BACKSTOP_AFTER_S:g}"
    return JailSpec(
        argv=(
            *_prlimit(helpers, limits, cgroup_enforced),
            helpers.timeout,
            "--signal=KILL",
            backstop,
            *argv,
        ),
        env=full_env,
        binds=tuple(binds),
        cwd=os.path.join(WORKSPACE, cwd),
        tmp_mb=limits.memory_mb,
        hostname="sandbox",
        directories=("/run",),
    )


def _prlimit(helpers: Helpers, limits: Limits, cgroup_enforced: bool) -> list[str]:
    # CPU: SIGXCPU at the soft limit, SIGKILL a second later for programs that catch it.
    options = [
        helpers.prlimit,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--fsize={limits.file_size_mb * MIB}",
        f"--nofile={limits.open_files}",
        "--core=0",
    ]
    if not cgroup_enforced:
        options += [f"--as={limits.memory_mb * MIB}", f"--nproc={limits.processes}"]
    return [*options, "--"]
