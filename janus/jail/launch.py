"""Starting a program in a jail.

A jail is bubblewrap run as the jail's own unprivileged host uid: bubblewrap creates a user
namespace mapping only that uid (no nested user namespaces: ``--disable-userns``, and the
seccomp filter refuses ``unshare``/``setns`` too), and its own PID, IPC, UTS, cgroup, mount
and (unless asked otherwise) network namespaces. Inside, the root holds the read-only
system, the binds the caller lists, a size-capped private ``/tmp`` and fresh ``/proc`` and
``/dev``; nothing else of the host exists there. The environment is built from nothing.

Secrets never sit on an argv: every bubblewrap option (so every ``--setenv`` value) is
written to a memory file whose descriptor bubblewrap reads with ``--args``; only the
program's own argv is visible in ``/proc/*/cmdline``.

When the gateway runs as root, an unprivileged bubblewrap cannot reach sources behind a
directory only root may enter (a Python in ``/root/.pyenv``, a data directory in a home).
So a first bubblewrap, run as root with no namespace but a mount namespace, masks each such
directory with a tmpfs holding just the paths the jail binds, then drops to the jail's uid
(``setpriv``, no capabilities) and starts the real jail from that view. Before anything
runs, the first process joins the jail's cgroup (see ``cgroups``), so all it starts stays
in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import shutil
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from janus.jail.cgroups import Cgroup
from janus.jail.seccomp import SeccompUnavailable, filter_program

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
LAUNCH_PATH = "/usr/bin:/bin"
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
MIB = 1024 * 1024


class JailUnavailable(RuntimeError):
    """A program the jail needs is missing (the message says which and how to get it)."""


@dataclass(frozen=True)
class Bind:
    """A host path made visible in the jail at ``target`` (the same path by default)."""

    source: str
    target: str = ""
    writable: bool = False

    @property
    def inside(self) -> str:
        return self.target or self.source


@dataclass(frozen=True)
class JailSpec:
    """Everything one jailed program sees."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    binds: tuple[Bind, ...]
    cwd: str
    tmp_mb: int
    hostname: str = "jail"
    share_network: bool = False
    # Directories to create in the jail's root before the binds, e.g. a mount point's parent.
    directories: tuple[str, ...] = field(default=())
    # Public /etc entries beyond those every program needs (``ETC_ENTRIES``).
    etc: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Launcher:
    """The host programs and the seccomp filter a jail needs, found once at start-up."""

    bwrap: str
    setpriv: str
    seccomp: bytes

    @classmethod
    def find(cls, bwrap: str = "bwrap") -> Launcher:
        found = shutil.which(bwrap)
        if found is None:
            raise JailUnavailable(
                f"bubblewrap ('{bwrap}') is not installed; install the 'bubblewrap' package"
            )
        setpriv = shutil.which("setpriv", path=LAUNCH_PATH)
        if setpriv is None:
            raise JailUnavailable("setpriv (util-linux) not found in /usr/bin")
        try:
            seccomp = filter_program()
        except SeccompUnavailable as exc:
            raise JailUnavailable(str(exc)) from None
        return cls(found, setpriv, seccomp)

    async def spawn(
        self,
        spec: JailSpec,
        uid: int | None,
        cgroup: Cgroup | None,
        **popen: object,
    ) -> asyncio.subprocess.Process:
        """Start ``spec`` as host ``uid`` (``None``: the gateway is not root, and the user
        namespace maps its own uid) inside ``cgroup``. ``popen`` takes the stdio arguments."""
        options = self._jail_options(spec)
        args_fd = _memory_file("janus-jail-args", b"".join(a.encode() + b"\0" for a in options))
        seccomp_fd = _memory_file("janus-jail-seccomp", self.seccomp)
        try:
            inner = [
                self.bwrap,
                "--args",
                str(args_fd),
                "--seccomp",
                str(seccomp_fd),
                "--",
                *spec.argv,
            ]
            argv = inner if uid is None else self._as_uid(spec, uid, inner)
            return await asyncio.create_subprocess_exec(
                *argv,
                env={"PATH": LAUNCH_PATH},
                pass_fds=(args_fd, seccomp_fd),
                start_new_session=True,
                preexec_fn=functools.partial(_enter_jail, cgroup),
                **popen,  # type: ignore[arg-type]
            )
        finally:
            os.close(args_fd)
            os.close(seccomp_fd)

    def _jail_options(self, spec: JailSpec) -> list[str]:
        options = [
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--hostname",
            spec.hostname,
        ]
        if spec.share_network:
            options.append("--share-net")
        options.append("--clearenv")
        for name, value in spec.env.items():
            options += ["--setenv", name, value]
        options += system_mounts(spec.etc)
        options += ["--proc", "/proc", "--dev", "/dev"]
        options += ["--perms", "1777", "--size", str(spec.tmp_mb * MIB), "--tmpfs", "/tmp"]
        for directory in spec.directories:
            options += ["--perms", "0755", "--dir", directory]
        for bind in spec.binds:
            options += ["--bind" if bind.writable else "--ro-bind", bind.source, bind.inside]
        # The root itself (where /etc and mount points were made) is read-only: the only
        # writable places are /tmp and the writable binds.
        options += ["--remount-ro", "/", "--chdir", spec.cwd]
        return options

    def _as_uid(self, spec: JailSpec, uid: int, inner: list[str]) -> list[str]:
        """Root's first stage: unmask the bind sources, drop to ``uid``, run ``inner``."""
        return [
            self.bwrap,
            "--dev-bind",
            "/",
            "/",
            *unmask(bind.source for bind in spec.binds),
            # A PID namespace whose init is bubblewrap's own: it dies with this process, and
            # the kernel then kills everything in the namespace, the jail included (a change
            # of uid, as setpriv makes, would clear any parent-death signal set before).
            "--unshare-pid",
            "--die-with-parent",
            "--",
            self.setpriv,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
            *inner,
        ]


def system_mounts(etc: tuple[str, ...] = ()) -> list[str]:
    """bwrap options mounting the host's system read-only (and nothing secret of /etc)."""
    options = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
        host = Path("/") / name
        if host.is_symlink():
            options += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            options += ["--ro-bind", str(host), str(host)]
    options += ["--perms", "0755", "--dir", "/etc"]  # bwrap would create it 0700
    for name in (*ETC_ENTRIES, *etc):
        options += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return options


def unmask(sources: Iterable[str]) -> list[str]:
    """First-stage bwrap options that make each source reachable by an unprivileged uid:
    every topmost directory on the way that others may not enter is covered by a tmpfs
    holding only the paths to the sources, bound back in. A source inside another source
    (a virtualenv in a checkout's ``.tox``) counts too: the jail binds the outer one
    recursively, mask included."""
    wanted = sorted({os.path.realpath(source) for source in sources})
    masks: dict[str, list[str]] = {}
    for source in wanted:
        closed = _first_closed_ancestor(PurePosixPath(source))
        if closed is not None:
            masks.setdefault(str(closed), []).append(source)
    options: list[str] = []
    for mask in sorted(masks):
        if any(mask.startswith(other + os.sep) for other in masks if other != mask):
            continue  # inside another mask, which recreates it
        options += ["--perms", "0755", "--tmpfs", mask]
        covered = [s for s in wanted if s.startswith(mask + os.sep)]
        for source in covered:
            path = PurePosixPath(source)
            for parent in reversed(path.parents):
                if str(parent).startswith(mask + os.sep):
                    options += ["--perms", "0755", "--dir", str(parent)]
            options += ["--dev-bind", source, source]
    return options


def _first_closed_ancestor(path: PurePosixPath) -> PurePosixPath | None:
    for ancestor in reversed(path.parents):
        if ancestor == PurePosixPath("/"):
            continue
        with contextlib.suppress(FileNotFoundError):
            if not os.stat(ancestor).st_mode & 0o001:
                return ancestor
    return None


def _enter_jail(cgroup: Cgroup | None) -> None:
    """In the child, before it executes bubblewrap: join the jail's cgroup, and die with
    the gateway (bubblewrap's ``--die-with-parent`` covers only the processes it starts)."""
    if cgroup is not None:
        cgroup.join()
    if _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        os._exit(127)


def _memory_file(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def kill(process: asyncio.subprocess.Process) -> None:
    """Stop a running jail and everything in it.

    The jail's inner bubblewrap (the only child of the process we started) is killed;
    its own child, the jail's PID 1, dies with it (``--die-with-parent``), and with that
    every process of the jail's PID namespace. The child is held by a pidfd while checked,
    so a recycled PID can never be hit.
    """
    pid = process.pid
    try:
        (child,) = (int(p) for p in _children(pid))
        pidfd = os.pidfd_open(child)
    except (OSError, ValueError):
        _kill_process(process)  # not started yet, or already gone
        return
    try:
        if str(child) in _children(pid):  # still its child: the pidfd is the right process
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            return
    except OSError:
        pass  # it ended meanwhile
    finally:
        os.close(pidfd)
    _kill_process(process)


def _kill_process(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _children(pid: int) -> list[str]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
        return children.read().split()
