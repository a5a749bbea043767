"""Resource limits that hold for a whole jail: memory (tmpfs included), processes, CPU.

Per-process rlimits are no limit at all for a hostile program: it forks, and each child
gets the full allowance again. A cgroup counts every process of a jail together, and the
memory controller charges tmpfs pages to the cgroup that wrote them, so ``/tmp`` cannot
be used to store more than the memory limit either.

A jail's cgroup is created below the gateway's own cgroup, in each controller hierarchy
(cgroup v1: ``memory``, ``pids``, ``cpu``) or once in the unified hierarchy (cgroup v2);
the jail's first process joins it before it executes anything (``join``), so nothing it
starts can be outside. These functions touch only the cgroup file system: they block
briefly, and are called from worker threads or a forked child.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu")
CPU_PERIOD_US = 100_000
MIB = 1024 * 1024
_KILL_ROUNDS = 50


class CgroupUnavailable(RuntimeError):
    """This host does not let the gateway create cgroups with the limits it needs."""


@dataclass(frozen=True)
class CgroupLimits:
    memory_mb: int
    processes: int
    cpus: float  # a share of one core's time, e.g. 0.5 or 2.0


@dataclass(frozen=True)
class Cgroup:
    """One jail's cgroup: a directory per controller (v1), or one directory (v2)."""

    directories: tuple[Path, ...]
    unified: bool

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(str(directory / "cgroup.procs") for directory in self.directories)

    def join(self) -> None:
        """Move the calling process into the cgroup (run in a child before ``exec``)."""
        pid = str(os.getpid()).encode()
        for path in self.procs_files:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files:
            try:
                found.update(int(line) for line in Path(path).read_text().split())
            except FileNotFoundError:
                continue
        return found

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup until none is left (new forks included)."""
        for _ in range(_KILL_ROUNDS):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup's directories."""
        self.kill_all()
        for directory in self.directories:
            for _ in range(_KILL_ROUNDS):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:  # EBUSY while the last processes are being reaped
                    if exc.errno != errno.EBUSY:
                        raise
                    time.sleep(0.02)

    def memory_peak_bytes(self) -> int | None:
        name = "memory.peak" if self.unified else "memory.max_usage_in_bytes"
        return _read_int(self._memory_dir() / name)

    def out_of_memory_kills(self) -> int:
        """How many processes the kernel killed for exceeding the memory limit."""
        events = self._memory_dir() / ("memory.events" if self.unified else "memory.oom_control")
        try:
            for line in events.read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
        except FileNotFoundError:
            pass
        return 0

    def _memory_dir(self) -> Path:
        return self.directories[0]


class CgroupFactory:
    """Creates jail cgroups under ``<gateway's cgroup>/<scope>`` in every hierarchy."""

    def __init__(self, scope: str, root: Path = CGROUP_ROOT) -> None:
        self.unified = not (root / "memory").is_dir()
        if self.unified:
            self._parents = (root / _own_path("") / scope,)
        else:
            self._parents = tuple(root / c / _own_path(c) / scope for c in V1_CONTROLLERS)

    def check(self) -> None:
        """Create, limit and remove a probe cgroup; CgroupUnavailable says why not."""
        probe = self.create("probe", CgroupLimits(memory_mb=64, processes=8, cpus=1.0))
        probe.remove()

    def create(self, name: str, limits: CgroupLimits) -> Cgroup:
        directories = tuple(parent / name for parent in self._parents)
        try:
            for parent in self._parents:
                parent.mkdir(parents=True, exist_ok=True)
                if self.unified:
                    _enable_controllers(parent)
            for directory in directories:
                directory.mkdir(exist_ok=True)
            cgroup = Cgroup(directories, self.unified)
            self._limit(cgroup, limits)
        except OSError as exc:
            raise CgroupUnavailable(
                f"cannot create cgroup {name} under {self._parents[0]}: {exc}"
            ) from None
        return cgroup

    def remove_all(self) -> None:
        """Remove every cgroup left under this factory's scope (a crashed gateway's)."""
        for parent in self._parents:
            if parent.is_dir():
                for child in parent.iterdir():
                    if child.is_dir():
                        Cgroup((child,), self.unified).remove()

    def _limit(self, cgroup: Cgroup, limits: CgroupLimits) -> None:
        memory = str(limits.memory_mb * MIB)
        quota = str(max(1000, int(limits.cpus * CPU_PERIOD_US)))
        if self.unified:
            (directory,) = cgroup.directories
            _write(directory / "memory.max", memory)
            _write(directory / "memory.swap.max", "0")
            _write(directory / "pids.max", str(limits.processes))
            _write(directory / "cpu.max", f"{quota} {CPU_PERIOD_US}")
            return
        memory_dir, pids_dir, cpu_dir = cgroup.directories
        _write(memory_dir / "memory.limit_in_bytes", memory)
        swap = memory_dir / "memory.memsw.limit_in_bytes"
        if swap.exists():  # swap accounting on: memory plus swap may not exceed the limit
            _write(swap, memory)
        _write(pids_dir / "pids.max", str(limits.processes))
        _write(cpu_dir / "cpu.cfs_period_us", str(CPU_PERIOD_US))
        _write(cpu_dir / "cpu.cfs_quota_us", quota)


def _own_path(controller: str) -> str:
    """This process's cgroup in one v1 hierarchy (or the v2 one, ``controller=""``)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (not controller and not controllers):
            return path.lstrip("/")
    return ""


def _enable_controllers(directory: Path) -> None:
    wanted = {"memory", "pids", "cpu"}
    available = set((directory / "cgroup.controllers").read_text().split())
    missing = wanted - available
    if missing:
        raise OSError(errno.ENOTSUP, f"controllers {sorted(missing)} not delegated here")
    _write(directory / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)))


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
