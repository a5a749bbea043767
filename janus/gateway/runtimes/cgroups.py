"""What a container has used, read from its control groups (v1 controllers or v2).

Podman puts each container in its own cgroups; ``/proc/<pid>/cgroup`` says where. The
counters are cumulative over the container's life: CPU time and the memory high-water
mark (v1 ``memory.max_usage_in_bytes``, v2 ``memory.peak`` where the kernel has it).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _places(pid: int) -> dict[str, Path]:
    """Controller name → the process's cgroup directory ("" for the v2 hierarchy)."""
    places = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            places[controller] = path.lstrip("/")
    found = {}
    for controller, path in places.items():
        for mount in [ROOT / "unified", ROOT] if controller == "" else [ROOT / controller]:
            if (mount / path).is_dir():
                found[controller] = mount / path
                break
    return found


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def usage(pid: int) -> dict[str, int | float | None] | None:
    """CPU seconds, memory now and at its peak (bytes), and tasks, of the container whose
    first process is ``pid``; None once it is gone. Blocking (small reads under /sys)."""
    try:
        places = _places(pid)
    except (OSError, ValueError):
        return None
    cpu_seconds = memory = peak = pids = None
    if "cpuacct" in places:
        nanoseconds = _read_int(places["cpuacct"] / "cpuacct.usage")
        cpu_seconds = nanoseconds / 1e9 if nanoseconds is not None else None
    if "memory" in places:
        memory = _read_int(places["memory"] / "memory.usage_in_bytes")
        peak = _read_int(places["memory"] / "memory.max_usage_in_bytes")
    if "pids" in places:
        pids = _read_int(places["pids"] / "pids.current")
    if (v2 := places.get("")) is not None:
        if cpu_seconds is None:
            for line in _lines(v2 / "cpu.stat"):
                if line.startswith("usage_usec "):
                    cpu_seconds = int(line.split()[1]) / 1e6
        memory = memory if memory is not None else _read_int(v2 / "memory.current")
        peak = peak if peak is not None else _read_int(v2 / "memory.peak")
        pids = pids if pids is not None else _read_int(v2 / "pids.current")
    return {
        "cpu_seconds": cpu_seconds,
        "memory_bytes": memory,
        "memory_peak_bytes": peak,
        "pids": pids,
    }


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []
