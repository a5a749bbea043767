"""What a hostile competitor tries from inside its container; each outcome is reported,
never assumed. ``run(parameters)`` returns a JSON-able dict (see the tests)."""

import os
import socket
import subprocess
import sys

MiB = 1 << 20
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def connect_tcp(host, port):
    try:
        with socket.create_connection((host, port), timeout=3):
            return "connected"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"


def connect_unix(path):
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(3)
            sock.connect(path)
            return "connected"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"


def environ_names():
    with open("/proc/1/environ", "rb") as file:
        first = [item.split(b"=", 1)[0].decode() for item in file.read().split(b"\0") if item]
    return {"self": sorted(os.environ), "pid1": sorted(first)}


EAT_MEMORY = """
import sys
chunks = []
for _ in range(int(sys.argv[1]) // 16):
    chunks.append(bytearray(16 << 20))  # zero-filled: every page is touched
    print(len(chunks) * 16, flush=True)
"""


def eat_memory(megabytes):
    done = subprocess.run(
        [sys.executable, "-c", EAT_MEMORY, str(megabytes)], capture_output=True, text=True
    )
    lines = done.stdout.split()
    return {"returncode": done.returncode, "reached_mb": int(lines[-1]) if lines else 0}


FORK = """
import os, sys, time
count = 0
try:
    for _ in range(int(sys.argv[1])):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        count += 1
except OSError as exc:
    print(count, type(exc).__name__, flush=True)
    os.killpg(0, 9)
print(count, "none", flush=True)
os.killpg(0, 9)
"""


def fork_bomb(processes):
    done = subprocess.run(
        [sys.executable, "-c", FORK, str(processes)],
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    words = done.stdout.split()
    return {"forked": int(words[0]) if words else -1, "error": words[1] if words else ""}


def fill_tmp(megabytes):
    written = 0
    try:
        with open("/tmp/fill", "wb") as file:
            for _ in range(megabytes):
                file.write(b"x" * MiB)
                file.flush()
                written += 1
        return {"written_mb": written, "error": ""}
    except OSError as exc:
        return {"written_mb": written, "error": type(exc).__name__}
    finally:
        os.unlink("/tmp/fill")


def write_root():
    try:
        with open("/planted", "w") as file:
            file.write("x")
        return "written"
    except OSError as exc:
        return type(exc).__name__


UNSHARE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
print("unshared" if libc.unshare(int(sys.argv[1])) == 0 else os.strerror(ctypes.get_errno()))
"""


CLONE = """
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = libc.syscall(56, int(sys.argv[1]) | signal.SIGCHLD, 0, 0, 0, 0)  # clone on x86-64
if pid == 0:
    os._exit(0)
print("cloned" if pid > 0 else os.strerror(ctypes.get_errno()))
"""


def clone(flags):
    """A raw clone() into new namespaces (what unshare's seccomp rule does not cover)."""
    done = subprocess.run([sys.executable, "-c", CLONE, str(flags)], capture_output=True, text=True)
    return done.stdout.strip() or done.stderr.strip()[-200:]


def unshare(flags):
    """In a fresh single-threaded process (a threaded one is refused for other reasons)."""
    done = subprocess.run(
        [sys.executable, "-c", UNSHARE, str(flags)], capture_output=True, text=True
    )
    return done.stdout.strip() or done.stderr.strip()[-200:]


def run(parameters):
    results = {
        "uid": os.getuid(),
        "tcp": [connect_tcp(host, port) for host, port in parameters.get("tcp", [])],
        "unix": [connect_unix(path) for path in parameters.get("unix", [])],
        "environ": environ_names(),
        "write_root": write_root(),
        "unshare_user": unshare(CLONE_NEWUSER),
        "unshare_net": unshare(CLONE_NEWNET),
        "clone_user": clone(CLONE_NEWUSER),
        "clone_plain": clone(0),
    }
    if "memory_mb" in parameters:
        results["memory"] = eat_memory(parameters["memory_mb"])
    if "pids" in parameters:
        results["pids"] = fork_bomb(parameters["pids"])
    if "tmp_mb" in parameters:
        results["tmp"] = fill_tmp(parameters["tmp_mb"])
    return results
