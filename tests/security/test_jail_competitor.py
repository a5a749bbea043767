"""A hostile subprocess competitor attacks its host from inside its jail, and must fail.

One real gateway (``janus run``, fake secrets in its environment) runs the hostile
competitor with memory, process and CPU limits, an honest bystander competitor that holds
another client's message, and a victim's sandbox command; root sleepers on the host and a
listener on 127.0.0.2 are the other targets. The attacks run once (``siege``); each test
then judges one of them, by the attacker's own report and, where the host can tell (a
planted file, a signalled process), by what the host sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.security.jail_harness import (
    FAKE_SECRETS,
    Gateway,
    VictimSandbox,
    assert_attack_failed,
    assert_limit_held,
    hostile_site,  # noqa: F401 (a fixture)
    listener,
    running_gateway,
    sleepers,
    supported_competitor_keys,
)

pytestmark = pytest.mark.slow

MEMORY_MB = 512
PROCESSES = 64
CPUS = 1

ATTACKS = [
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
    "forge_token",
]
# Each in a run of its own: the kernel may kill the attacking program to enforce a limit.
RESOURCE_ATTACKS = ["fork_bomb", "memory_hog"]
SIGKILL = -9  # a child's exit status as Python reports a SIGKILL


@dataclass
class Siege:
    gateway: Gateway
    findings: dict[str, dict[str, Any]]
    killed: set[str]  # resource attacks whose program the kernel killed before it reported
    unsupported: list[str]
    planted: list[Path]
    sleepers: dict[str, str]  # signal name -> the target's state afterwards


@pytest.fixture(scope="module")
def siege(hostile_site, tmp_path_factory) -> Iterator[Siege]:  # noqa: F811
    tmp_path = tmp_path_factory.mktemp("competitor-jail")
    limits, unsupported = supported_competitor_keys(
        memory_mb=MEMORY_MB, processes=PROCESSES, cpus=CPUS
    )
    competitors = [
        {"id": "attacker", "kind": "subprocess", "plugin": "hostile", **limits},
        {"id": "bystander", "kind": "subprocess", "plugin": "bystander"},
    ]
    with (
        running_gateway(
            tmp_path, hostile_site, competitors=competitors, sandbox={"backend": "local"}
        ) as gateway,
        sleepers("SIGKILL", "SIGSTOP") as targets,
        listener("127.0.0.2") as port,
    ):
        victim = VictimSandbox.start(gateway)
        try:
            client_secret = f"another-clients-message-{uuid.uuid4().hex}"
            gateway.chat("bystander", client_secret)
            planted = [
                tmp_path / "planted-by-the-attacker",
                gateway.data_dir / "planted-by-the-attacker",
                Path(f"/tmp/janus-attack-{uuid.uuid4().hex}"),
            ]
            orders = {
                "attacks": ATTACKS,
                "secrets": {
                    **FAKE_SECRETS,
                    "another client's message": client_secret,
                    "the victim's platform token": victim.token,
                },
                "host_files": ["/etc/shadow", str(gateway.admin_key), str(gateway.store)],
                "store": str(gateway.store),
                "write_paths": [str(path) for path in planted],
                "memory_markers": [str(gateway.config_path), "\0bystander\0"],
                "signal_targets": {name: sleeper.target() for name, sleeper in targets.items()},
                "connect": [["127.0.0.1", gateway.port], ["127.0.0.2", port]],
                "fork_cap": 4 * PROCESSES,
                "memory_target_mb": 2 * MEMORY_MB,
                "memory_worker_mb": MEMORY_MB // 4,
            }
            findings = gateway.attack(orders)
            states = {name: sleeper.state() for name, sleeper in targets.items()}
            killed = set()
            for attack in RESOURCE_ATTACKS:
                found = gateway.attack({**orders, "attacks": [attack]})
                if attack not in found and found.get("battery", {}).get("exit_code") == SIGKILL:
                    killed.add(attack)
                findings.update(found)
            yield Siege(gateway, findings, killed, unsupported, planted, states)
        finally:
            victim.close()
            for path in planted:
                path.unlink(missing_ok=True)


def unsupported(siege: Siege, key: str) -> str:
    """A note for a failure: the limit the attack ran against is not even configurable."""
    if key in siege.unsupported:
        return f" ([[competitors]] {key} is not a known key: no such limit)"
    return ""


def test_no_secret_is_found_in_any_environment(siege):
    assert_attack_failed(siege.findings, "steal_environ")


def test_no_secret_or_token_is_on_any_command_line(siege):
    assert_attack_failed(siege.findings, "steal_cmdline")


def test_no_other_process_memory_can_be_read(siege):
    assert_attack_failed(siege.findings, "read_foreign_memory")


def test_host_files_cannot_be_read(siege):
    assert_attack_failed(siege.findings, "read_host_files")


def test_host_files_cannot_be_read_through_proc_root(siege):
    assert_attack_failed(siege.findings, "read_host_files_via_proc_root")


def test_the_store_cannot_be_opened_read_write(siege):
    assert_attack_failed(siege.findings, "open_store_read_write")


def test_host_files_cannot_be_written(siege):
    finding = siege.findings.get("write_host_files")
    assert finding is not None and "error" not in finding, f"write_host_files: {finding}"
    written = [str(path) for path in siege.planted if path.exists()]
    assert not written, f"ATTACK SUCCEEDED: write_host_files: the host has {written}"


def test_no_signal_reaches_a_process_it_did_not_start(siege):
    finding = siege.findings.get("signal_foreign_processes")
    assert finding is not None and "error" not in finding, f"signal_foreign_processes: {finding}"
    report = finding["detail"]
    assert siege.sleepers == {"SIGKILL": "alive", "SIGSTOP": "alive"}, (
        f"ATTACK SUCCEEDED: signal_foreign_processes: root sleepers now {siege.sleepers}; "
        f"the attacker says {report}"
    )


def test_no_nested_user_namespace_can_be_created(siege):
    assert_attack_failed(siege.findings, "nested_user_namespace")


def test_there_is_no_network(siege):
    assert_attack_failed(siege.findings, "network_egress")


def test_no_platform_token_can_be_forged(siege):
    assert_attack_failed(siege.findings, "forge_token")


def test_a_fork_bomb_stops_at_the_process_limit(siege):
    why = unsupported(siege, "processes")
    assert_limit_held(siege.findings, siege.killed, "fork_bomb", "count", PROCESSES - 1, why)


def test_memory_stops_at_the_memory_limit(siege):
    why = unsupported(siege, "memory_mb")
    assert_limit_held(siege.findings, siege.killed, "memory_hog", "held_mb", MEMORY_MB, why)


def test_the_cpu_limit_is_configurable(siege):
    """No attack measures CPU time (that would race the machine's load); the key must at
    least be accepted, as the jail's cgroup enforces it."""
    assert "cpus" not in siege.unsupported, "[[competitors]] cpus is not a known key"
