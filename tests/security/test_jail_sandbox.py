"""A hostile program in a platform sandbox attacks its host, and must fail.

One real gateway (``janus run``, fake secrets in its environment) with the local sandbox
backend. The test acts as a competitor holding request tokens: it runs the hostile
sandbox program (``attacks/sandbox_attack.py``) in a sandbox with memory, process and
disk limits, beside a victim's sandbox command, root sleepers on the host and a listener
on 127.0.0.2; it also runs the nested-namespace attack through the ``python-exec``
marketplace component, and tries to take every sandbox with one token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from janus.platform.sandbox.models import RequestedLimits
from tests.security.jail_harness import (
    BATTERY,
    SANDBOX_PROGRAM,
    SANDBOXES,
    Gateway,
    HostAttacks,
    Siege,
    assert_attack_failed,
    assert_limit_held,
    hostile_site,  # noqa: F401 (a fixture)
    running_gateway,
    supported,
    targets,
)

pytestmark = pytest.mark.slow

MEMORY_MB = 256
PROCESSES = 32
DISK_MB = 64
MAX_SANDBOXES = 12
PER_OWNER = 3

# Each in a command of its own: the kernel may kill the program to enforce a limit.
RESOURCE_ATTACKS = ["fork_bomb", "disk_fill", "tmpfs_fill", "memory_hog"]
KILLED = 128 + 9  # the exit code of a command ended by SIGKILL


@pytest.fixture(scope="module")
def gateway(hostile_site, tmp_path_factory) -> Iterator[Gateway]:  # noqa: F811
    sandbox = {
        "backend": "local",
        "local": {"max_sandboxes": MAX_SANDBOXES, "max_sandboxes_per_competitor": PER_OWNER},
    }
    tmp_path = tmp_path_factory.mktemp("sandbox-jail")
    with running_gateway(tmp_path, hostile_site, sandbox=sandbox) as running:
        yield running


def write_files(gateway: Gateway, token: str, sandbox_id: str, files: dict[str, str]) -> None:
    for path, content in files.items():
        status, answer = gateway.request(
            "POST",
            f"{SANDBOXES}/{sandbox_id}/files/write",
            {"path": path, "content": content},
            token,
        )
        assert status == 200, f"writing {path}: HTTP {status}: {answer}"


def run_attacks(gateway: Gateway, token: str, sandbox_id: str, attacks: list[str]) -> dict:
    """Run the hostile program on ``attacks``; the exec's answer."""
    command = {"command": ["python3", "sandbox_attack.py", *attacks], "timeout_seconds": 900}
    status, answer = gateway.request("POST", f"{SANDBOXES}/{sandbox_id}/exec", command, token)
    assert status == 200, f"running the hostile program: HTTP {status}: {answer}"
    return answer


def findings_of(stdout: str, exit_code: int, stderr: str) -> dict[str, dict[str, Any]]:
    findings = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if exit_code != 0:
        findings.append({"attack": "battery", "exit_code": exit_code, "stderr": stderr[-2000:]})
    return {finding.pop("attack"): finding for finding in findings}


@pytest.fixture(scope="module")
def siege(gateway, tmp_path_factory) -> Iterator[Siege]:
    tmp_path = tmp_path_factory.mktemp("sandbox-siege")
    token = gateway.token("attacker")
    limits, unsupported = supported(
        RequestedLimits,
        memory_mb=MEMORY_MB,
        processes=PROCESSES,
        disk_mb=DISK_MB,
        cpu_seconds=600,
        wall_timeout_s=900,
    )
    with targets(gateway, tmp_path) as aimed:
        status, created = gateway.request(
            "POST", SANDBOXES, {"ttl_seconds": 3600, "limits": limits}, token
        )
        assert status == 201, f"the attacker's sandbox: HTTP {status}: {created}"
        sandbox_id = created["id"]
        orders = aimed.orders(
            fork_cap=4 * PROCESSES,
            memory_target_mb=600,
            memory_worker_mb=100,
            tmpfs_target_mb=2 * MEMORY_MB,
            disk_dir="/workspace",
            disk_target_mb=3 * DISK_MB,
        )
        try:
            files = {
                "jailbreak.py": BATTERY.read_text(),
                "sandbox_attack.py": SANDBOX_PROGRAM.read_text(),
                "orders.json": json.dumps(orders),
            }
            write_files(gateway, token, sandbox_id, files)
            answer = run_attacks(gateway, token, sandbox_id, orders["attacks"])
            findings = findings_of(answer["stdout"], answer["exit_code"], answer["stderr"])
            states = aimed.sleeper_states()
            killed = set()
            for attack in RESOURCE_ATTACKS:
                answer = run_attacks(gateway, token, sandbox_id, [attack])
                found = findings_of(answer["stdout"], answer["exit_code"], answer["stderr"])
                if (
                    attack not in found
                    and answer["exit_code"] == KILLED
                    and not answer["timed_out"]
                ):
                    killed.add(attack)
                findings.update(found)
            yield Siege(findings, killed, unsupported, aimed.planted, states)
        finally:
            gateway.request("POST", f"{SANDBOXES}/{sandbox_id}/terminate", {}, token)


class TestASandboxProgram(HostAttacks):
    def test_a_fork_bomb_stops_at_the_process_limit(self, siege):
        assert_limit_held(siege.findings, siege.killed, "fork_bomb", "count", PROCESSES - 1)

    def test_the_workspace_stops_at_its_disk_quota(self, siege):
        why = (
            " (limits.disk_mb is not accepted: no quota)" if "disk_mb" in siege.unsupported else ""
        )
        assert_limit_held(siege.findings, siege.killed, "disk_fill", "written_mb", DISK_MB, why)

    def test_tmp_counts_against_the_memory_limit(self, siege):
        assert_limit_held(siege.findings, siege.killed, "tmpfs_fill", "written_mb", MEMORY_MB)

    def test_memory_across_processes_stops_at_the_memory_limit(self, siege):
        assert_limit_held(siege.findings, siege.killed, "memory_hog", "held_mb", MEMORY_MB)


def test_python_exec_code_cannot_create_a_nested_user_namespace(gateway):
    """The ``python-exec`` component runs the same battery as its snippet."""
    body = {
        "code": BATTERY.read_text(),
        "stdin": json.dumps({"attacks": ["nested_user_namespace"]}),
        "timeout_s": 60,
    }
    status, answer = gateway.request(
        "POST", "/platform/components/python-exec/run", body, gateway.token("attacker")
    )
    assert status == 200, f"python-exec: HTTP {status}: {answer}"
    findings = findings_of(answer["stdout"], answer["exit_code"], answer["stderr"])
    assert_attack_failed(findings, "nested_user_namespace", " (through python-exec)")


def test_one_token_cannot_take_every_sandbox(gateway):
    """A request token creates sandboxes until refused; its competitor's quota must
    refuse it while another competitor can still create one."""
    greedy, other = gateway.token("greedy"), gateway.token("other")
    taken: list[str] = []
    refusal: tuple[int, Any] = (0, "never refused")
    try:
        while len(taken) <= MAX_SANDBOXES:
            status, answer = gateway.request("POST", SANDBOXES, {"ttl_seconds": 3600}, greedy)
            if status != 201:
                refusal = (status, answer)
                break
            taken.append(answer["id"])
        status, answer = gateway.request("POST", SANDBOXES, {}, other)
        if status == 201:
            gateway.request("POST", f"{SANDBOXES}/{answer['id']}/terminate", {}, other)
        assert len(taken) <= PER_OWNER and status == 201, (
            f"ATTACK SUCCEEDED: sandbox exhaustion: one token created {len(taken)} sandboxes "
            f"(per-owner quota {PER_OWNER}) before HTTP {refusal[0]}; another competitor then "
            f"got HTTP {status}: {answer}"
        )
    finally:
        for sandbox_id in taken:
            gateway.request("POST", f"{SANDBOXES}/{sandbox_id}/terminate", {}, greedy)
