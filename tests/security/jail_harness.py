"""A real gateway to attack: ``janus run`` in a process of its own, with fake secrets.

The gateway runs as a separate process, as in production, so its secrets sit in its own
``/proc/<pid>/environ`` and memory, and the attacks cannot reach the test runner. Its
competitors are the hostile plugin (``hostile_competitor/``) and its bystander victim;
its platform has the local sandbox backend and an upstream inference provider that is a
test double on loopback (``FakeUpstream``), so a stolen token's inference call shows.

Everything here is synchronous (plain sockets and ``urllib``): the attacks take minutes
on a loaded machine and nothing is gained by overlapping them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from janus.platform.tokens import PlatformTokens
from tests.core.clirun import free_port, janus_env
from tests.distributions import install_distribution

HERE = Path(__file__).parent
BATTERY = HERE / "attacks" / "jailbreak.py"
SANDBOX_PROGRAM = HERE / "attacks" / "sandbox_attack.py"
# Safety nets for a wedged process on a loaded machine, never performance thresholds.
START_TIMEOUT_S = 600.0
CALL_TIMEOUT_S = 1800.0

_RUN = uuid.uuid4().hex[:12]
FAKE_SECRETS = {
    "JANUS_PLATFORM_SECRET": f"fake-platform-secret-{_RUN}",
    "CHUTES_API_KEY": f"sk-fake-chutes-{_RUN}",
    "DATABASE_URL": f"postgresql://u:fakepw-{_RUN}@db.invalid:5432/janus",
}
INFERENCE_MODEL = "fake-model"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def jail_feature_missing(reason: str) -> None:
    """Under CI a missing jail feature fails the test loudly; locally it skips."""
    if in_ci():
        pytest.fail(f"jail feature missing on this host: {reason}")
    pytest.skip(f"jail feature missing on this host (would FAIL under CI): {reason}")


def require_jail_host() -> None:
    """What any jail needs from the host: bubblewrap and a writable cgroup hierarchy."""
    if shutil.which("bwrap") is None:
        jail_feature_missing("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    version = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, check=False)
    numbers = tuple(int(n) for n in re.findall(r"\d+", version.stdout)[:2])
    if numbers < (0, 8):
        jail_feature_missing(f"bubblewrap >= 0.8 (--disable-userns) is needed: {version.stdout}")
    v2 = Path("/sys/fs/cgroup/cgroup.controllers")
    v1 = [Path("/sys/fs/cgroup") / name for name in ("memory", "pids")]
    if not (
        (v2.exists() and os.access(v2.parent, os.W_OK))
        or all(os.access(path, os.W_OK) for path in v1)
    ):
        jail_feature_missing("no writable cgroup (v2, or v1 memory and pids controllers)")


def supported(model: type[BaseModel], **limits: Any) -> tuple[dict[str, Any], list[str]]:
    """The limit keys ``model`` (``CompetitorConfig``, the sandbox's ``RequestedLimits``)
    accepts, and those it does not: a missing limit is an attack that succeeds, not a
    test that cannot run."""
    known = model.model_fields
    return (
        {key: value for key, value in limits.items() if key in known},
        [key for key in limits if key not in known],
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str | list):
        return json.dumps(value)  # JSON strings, numbers and arrays of them are TOML too
    raise TypeError(f"no TOML for {value!r}")


def to_toml(tables: dict[str, Any], prefix: str = "") -> str:
    """A TOML document for nested dicts of scalars, and lists of flat tables."""
    scalars, nested, arrays = [], [], []
    for key, value in tables.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            nested.append(f"\n[{name}]\n" + to_toml(value, name + "."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            arrays += [f"\n[[{name}]]\n" + to_toml(item, name + ".") for item in value]
        else:
            scalars.append(f"{key} = {_toml_value(value)}\n")
    return "".join(scalars + nested + arrays)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    """The hostile competitor plugin, with the attack battery beside it, pip-installed
    into a directory of its own (the gateway finds it on ``PYTHONPATH``)."""
    source = tmp_path_factory.mktemp("hostile-src") / "hostile_competitor"
    shutil.copytree(HERE / "hostile_competitor", source)
    shutil.copy(BATTERY, source / BATTERY.name)
    return install_distribution(source, tmp_path_factory.mktemp("hostile-site"))


class FakeUpstream:
    """A test double of the upstream inference provider: answers every chat completion
    and records its path and body (so a call charged with a stolen token shows)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                upstream.requests.append(
                    {"path": self.path, "body": json.loads(self.rfile.read(length) or b"{}")}
                )
                answer = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": INFERENCE_MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "ok"},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Gateway:
    """A running ``janus run`` and what the attacks need to know about it."""

    process: subprocess.Popen
    url: str
    port: int
    config_path: Path
    data_dir: Path
    log_path: Path
    tokens: PlatformTokens
    unsupported: list[str] = field(default_factory=list)

    @property
    def admin_key(self) -> Path:
        return self.data_dir / "admin.key"

    @property
    def store(self) -> Path:
        return self.data_dir / "janus.sqlite3"

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-4000:]
        return ""

    def token(self, competitor_id: str) -> str:
        """A live platform token of a request of ``competitor_id`` (the test holds the
        gateway's fake secret, as any replica would)."""
        return self.tokens.mint(competitor_id, f"req-{uuid.uuid4().hex[:8]}", time.time() + 3600)

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One JSON call to the gateway; (status, parsed body or text)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        call = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(call, timeout=CALL_TIMEOUT_S) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def chat(self, model: str, content: str) -> str:
        body = {"model": model, "stream": False, "messages": [{"role": "user", "content": content}]}
        status, answer = self.request("POST", "/v1/chat/completions", body)
        assert status == 200, f"{model} answered HTTP {status}: {answer}\n{self.log_tail()}"
        return answer["choices"][0]["message"]["content"]

    def attack(self, orders: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Have the hostile competitor run ``orders``; its findings by attack (and
        ``battery``, with its exit code, if the attacking program died)."""
        findings = json.loads(self.chat("attacker", json.dumps(orders)))
        return {finding.pop("attack"): finding for finding in findings}


@contextlib.contextmanager
def running_gateway(
    tmp_path: Path,
    site: Path,
    *,
    competitors: list[dict[str, Any]] = (),
    sandbox: dict[str, Any] | None = None,
    upstream: FakeUpstream | None = None,
) -> Iterator[Gateway]:
    """``janus run`` on a config of ``competitors`` (``[[competitors]]`` tables) and a
    platform with ``sandbox`` (the ``[platform.sandbox]`` table; off when None)."""
    require_jail_host()
    port = free_port()
    data_dir = tmp_path / "data"
    default = competitors[0]["id"] if competitors else None
    config: dict[str, Any] = {
        "gateway": {"port": port, "request_timeout_s": CALL_TIMEOUT_S},
        "routing": {"default": default} if default else {},
        "platform": {
            "data_dir": str(data_dir),
            "inference": {"backend": "upstream"} if upstream else {"backend": "off"},
            "sandbox": sandbox or {"backend": "off"},
            "search": {"backend": "off"},
        },
        "web": {"enabled": False},
        "competitors": list(competitors),
    }
    if upstream:
        config["platform"]["inference"]["upstream"] = {
            "base_url": upstream.url,
            "models": [INFERENCE_MODEL],
        }
    config_path = tmp_path / "janus-under-attack.toml"
    config_path.write_text(to_toml(config))
    log_path = tmp_path / "gateway.log"
    env = janus_env(pythonpath=site, **FAKE_SECRETS)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "janus", "run", "--config", str(config_path)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    tokens = PlatformTokens(FAKE_SECRETS["JANUS_PLATFORM_SECRET"].encode())
    gateway = Gateway(
        process, f"http://127.0.0.1:{port}", port, config_path, data_dir, log_path, tokens
    )
    try:
        _wait_healthy(gateway)
        yield gateway
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(gateway: Gateway) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if gateway.process.poll() is not None:
            raise AssertionError(
                f"the gateway exited with {gateway.process.returncode}:\n{gateway.log_tail()}"
            )
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(gateway.url + "/health", timeout=10) as response:
                if response.status == 200:
                    return
        assert time.monotonic() < deadline, f"gateway not healthy:\n{gateway.log_tail()}"
        time.sleep(0.2)


# Targets on the host -----------------------------------------------------------------


@dataclass
class Sleeper:
    """A root process on the host that no jail started: the target of signals."""

    process: subprocess.Popen
    marker: str

    @classmethod
    def start(cls) -> Sleeper:
        marker = f"janus-sleeper-{uuid.uuid4().hex}"
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", marker])
        return cls(process, marker)

    def target(self) -> dict[str, Any]:
        return {"marker": self.marker, "pid": self.process.pid}

    def state(self) -> str:
        """``alive``, ``stopped`` or ``killed``, as the host sees it."""
        if self.process.poll() is not None:
            return f"killed ({self.process.returncode})"
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        return "stopped" if stat.rsplit(")", 1)[1].split()[0] in "Tt" else "alive"

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait()


@contextlib.contextmanager
def sleepers(*names: str) -> Iterator[dict[str, Sleeper]]:
    started = {name: Sleeper.start() for name in names}
    try:
        yield started
    finally:
        for sleeper in started.values():
            sleeper.close()


@contextlib.contextmanager
def listener(host: str) -> Iterator[int]:
    """A TCP listener on ``host`` (a loopback address): where egress must not reach."""
    with socket.socket() as server:
        server.bind((host, 0))
        server.listen(16)
        yield server.getsockname()[1]


def host_command_lines(needle: str = "") -> dict[int, bytes]:
    """Command lines (NUL-separated) of host processes that contain ``needle``, by pid:
    what the host sees (the test runs as root on the host)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes()
                if needle.encode() in cmdline:
                    found[int(entry.name)] = cmdline
    return found


def wait_for(condition, what: str, within_s: float = START_TIMEOUT_S) -> None:
    """Poll ``condition`` until it holds: a safety net, not a performance threshold."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@dataclass
class VictimSandbox:
    """Another competitor's sandbox, as agent-cli runs its agent: a long command with the
    request's live platform token in its environment, and a private conversation in its
    workspace."""

    gateway: Gateway
    sandbox_id: str
    token: str
    conversation: str
    marker: str
    running: threading.Thread

    FILE = "conversation.json"

    @classmethod
    def start(cls, gateway: Gateway) -> VictimSandbox:
        token = gateway.token("victim")
        status, created = gateway.request(
            "POST", SANDBOXES, {"ttl_seconds": 3600, "limits": {"wall_timeout_s": 900}}, token
        )
        assert status == 201, f"the victim's sandbox: HTTP {status}: {created}"
        sandbox_id = created["id"]
        conversation = json.dumps({"messages": [f"victim-conversation-{uuid.uuid4().hex}"]})
        status, written = gateway.request(
            "POST",
            f"{SANDBOXES}/{sandbox_id}/files/write",
            {"path": cls.FILE, "content": conversation},
            token,
        )
        assert status == 200, f"the victim's file: HTTP {status}: {written}"
        marker = f"victim-{uuid.uuid4().hex}"
        command = {
            "command": ["sh", "-c", "sleep 900", marker],
            "env": {"JANUS_PLATFORM_TOKEN": token},
            "timeout_seconds": 900,
        }
        running = threading.Thread(
            target=gateway.request,
            args=("POST", f"{SANDBOXES}/{sandbox_id}/exec", command, token),
            daemon=True,
        )
        running.start()
        wait_for(
            lambda: any(line.startswith(b"sh\x00") for line in host_command_lines(marker).values()),
            "the victim's command to run",
        )
        return cls(gateway, sandbox_id, token, conversation, marker, running)

    def close(self) -> None:
        self.gateway.request("POST", f"{SANDBOXES}/{self.sandbox_id}/terminate", {}, self.token)
        self.running.join(CALL_TIMEOUT_S)


SANDBOXES = "/platform/sandbox/api/sandboxes"


def assert_no_host_file_written(findings: dict[str, dict[str, Any]], planted: list[Path]) -> None:
    """Judged by the host: a file the attacker created in its own private view is harmless."""
    finding = findings.get("write_host_files")
    assert finding is not None and "error" not in finding, f"write_host_files: {finding}"
    written = [str(path) for path in planted if path.exists()]
    assert not written, f"ATTACK SUCCEEDED: write_host_files: the host has {written}"


def assert_no_signal_delivered(findings: dict[str, dict[str, Any]], states: dict[str, str]) -> None:
    """Judged by the host (the sleepers' states) and by the attacker's word (kill(2)
    succeeded): a SIGKILL may still be on its way when the host looks."""
    finding = findings.get("signal_foreign_processes")
    assert finding is not None and "error" not in finding, f"signal_foreign_processes: {finding}"
    assert states == {"SIGKILL": "alive", "SIGSTOP": "alive"} and not finding["succeeded"], (
        f"ATTACK SUCCEEDED: signal_foreign_processes: root sleepers now {states}; "
        f"the attacker says {finding['detail']}"
    )


def assert_limit_held(
    findings: dict[str, dict[str, Any]],
    killed: set[str],
    name: str,
    measure: str,
    bound: int,
    why: str = "",
) -> None:
    """A resource attack: it fell short of its target and of ``bound``, or the kernel
    killed the attacking program (the limit's own way of holding) before it could say."""
    if name in killed:
        return
    assert_attack_failed(findings, name, why)
    assert findings[name][measure] <= bound, (
        f"ATTACK SUCCEEDED: {name}: {findings[name]['detail']} (limit {bound}){why}"
    )


def assert_attack_failed(findings: dict[str, dict[str, Any]], name: str, why: str = "") -> None:
    """One attack's verdict, with a message that names it and says what it got."""
    finding = findings.get(name)
    assert finding is not None, f"{name}: the attack program never reported: {findings}"
    assert "error" not in finding, f"{name}: the attack program crashed: {finding['error']}"
    assert not finding["succeeded"], f"ATTACK SUCCEEDED: {name}: {finding['detail']}{why}"


# The siege: every jail is attacked the same way ----------------------------------------

# Attacks on the host and its other tenants, run together in one go.
HOST_ATTACKS = [
    "steal_environ",
    "steal_cmdline",
    "read_foreign_memory",
    "read_host_files",
    "read_host_files_via_proc_root",
    "open_store_read_write",
    "write_host_files",
    "signal_foreign_processes",
    "nested_user_namespace",
    "network_egress",
]


@dataclass
class Targets:
    """What a jailed attacker aims at: the gateway's files and memory, a victim's sandbox
    command, root sleepers, a listener on 127.0.0.2, host paths to plant files at."""

    gateway: Gateway
    victim: VictimSandbox
    sleepers: dict[str, Sleeper]
    port: int
    planted: list[Path]

    def orders(self, **extra: Any) -> dict[str, Any]:
        """Orders for ``HOST_ATTACKS``; ``extra`` adds to them or overrides them."""
        gateway = self.gateway
        return {
            "attacks": HOST_ATTACKS,
            "secrets": {**FAKE_SECRETS, "the victim's platform token": self.victim.token},
            "host_files": ["/etc/shadow", str(gateway.admin_key), str(gateway.store)],
            "store": str(gateway.store),
            "write_paths": [str(path) for path in self.planted],
            "memory_markers": [str(gateway.config_path), self.victim.marker],
            "signal_targets": {name: sleeper.target() for name, sleeper in self.sleepers.items()},
            "connect": [["127.0.0.1", gateway.port], ["127.0.0.2", self.port]],
            **extra,
        }

    def sleeper_states(self) -> dict[str, str]:
        return {name: sleeper.state() for name, sleeper in self.sleepers.items()}


@contextlib.contextmanager
def targets(gateway: Gateway, tmp_path: Path) -> Iterator[Targets]:
    planted = [
        tmp_path / "planted-by-an-attacker",
        gateway.data_dir / "planted-by-an-attacker",
        Path(f"/tmp/janus-attack-{uuid.uuid4().hex}"),
    ]
    with sleepers("SIGKILL", "SIGSTOP") as started, listener("127.0.0.2") as port:
        victim = VictimSandbox.start(gateway)
        try:
            yield Targets(gateway, victim, started, port, planted)
        finally:
            victim.close()
            for path in planted:
                path.unlink(missing_ok=True)


@dataclass
class Siege:
    """What the attacks found, and what the host saw."""

    findings: dict[str, dict[str, Any]]
    killed: set[str]  # resource attacks whose program the kernel killed before it reported
    unsupported: list[str]  # limit keys this gateway does not know (so cannot enforce)
    planted: list[Path]
    sleepers: dict[str, str]  # signal name -> the target's state afterwards


class HostAttacks:
    """The verdicts every jail must earn. A test class per jail inherits them and
    provides a ``siege`` fixture (a ``Siege``)."""

    def test_no_secret_or_token_is_found_in_any_environment(self, siege):
        assert_attack_failed(siege.findings, "steal_environ")

    def test_no_secret_or_token_is_on_any_command_line(self, siege):
        assert_attack_failed(siege.findings, "steal_cmdline")

    def test_no_other_process_memory_can_be_read(self, siege):
        assert_attack_failed(siege.findings, "read_foreign_memory")

    def test_host_files_cannot_be_read(self, siege):
        assert_attack_failed(siege.findings, "read_host_files")

    def test_host_files_cannot_be_read_through_proc_root(self, siege):
        assert_attack_failed(siege.findings, "read_host_files_via_proc_root")

    def test_the_store_cannot_be_opened_read_write(self, siege):
        assert_attack_failed(siege.findings, "open_store_read_write")

    def test_host_files_cannot_be_written(self, siege):
        assert_no_host_file_written(siege.findings, siege.planted)

    def test_no_signal_reaches_a_process_it_did_not_start(self, siege):
        assert_no_signal_delivered(siege.findings, siege.sleepers)

    def test_no_nested_user_namespace_can_be_created(self, siege):
        assert_attack_failed(siege.findings, "nested_user_namespace")

    def test_there_is_no_network(self, siege):
        assert_attack_failed(siege.findings, "network_egress")
