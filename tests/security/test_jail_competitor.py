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

import pytest

from janus.config import CompetitorConfig
from tests.security.jail_harness import (
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

MEMORY_MB = 512
PROCESSES = 64
CPUS = 1
# Each in a run of its own: the kernel may kill the attacking program to enforce a limit.
RESOURCE_ATTACKS = ["fork_bomb", "memory_hog"]
SIGKILL = -9  # a child's exit status as Python reports a SIGKILL


@pytest.fixture(scope="module")
def siege(hostile_site, tmp_path_factory) -> Iterator[Siege]:  # noqa: F811
    tmp_path = tmp_path_factory.mktemp("competitor-jail")
    limits, unsupported = supported(
        CompetitorConfig, memory_mb=MEMORY_MB, pids=PROCESSES, cpus=CPUS
    )
    competitors = [
        {"id": "attacker", "kind": "subprocess", "plugin": "hostile", **limits},
        {"id": "bystander", "kind": "subprocess", "plugin": "bystander"},
    ]
    with (
        running_gateway(
            tmp_path, hostile_site, competitors=competitors, sandbox={"backend": "local"}
        ) as gateway,
        targets(gateway, tmp_path) as aimed,
    ):
        client_secret = f"another-clients-message-{uuid.uuid4().hex}"
        gateway.chat("bystander", client_secret)
        orders = aimed.orders(
            fork_cap=4 * PROCESSES,
            memory_target_mb=2 * MEMORY_MB,
            memory_worker_mb=MEMORY_MB // 4,
        )
        orders["attacks"] = [*orders["attacks"], "forge_token"]
        orders["memory_markers"].append("\0bystander\0")
        orders["secrets"]["another client's message"] = client_secret
        findings = gateway.attack(orders)
        states = aimed.sleeper_states()
        killed = set()
        for attack in RESOURCE_ATTACKS:
            found = gateway.attack({**orders, "attacks": [attack]})
            if attack not in found and found.get("battery", {}).get("exit_code") == SIGKILL:
                killed.add(attack)
            findings.update(found)
        yield Siege(findings, killed, unsupported, aimed.planted, states)


def not_configurable(siege: Siege, key: str) -> str:
    """A note for a failure: the limit the attack ran against is not even configurable."""
    if key in siege.unsupported:
        return f" ([[competitors]] {key} is not a known key: no such limit)"
    return ""


class TestASubprocessCompetitor(HostAttacks):
    def test_no_platform_token_can_be_forged(self, siege):
        assert_attack_failed(siege.findings, "forge_token")

    def test_a_fork_bomb_stops_at_the_process_limit(self, siege):
        why = not_configurable(siege, "pids")
        assert_limit_held(siege.findings, siege.killed, "fork_bomb", "count", PROCESSES - 1, why)

    def test_memory_stops_at_the_memory_limit(self, siege):
        why = not_configurable(siege, "memory_mb")
        assert_limit_held(siege.findings, siege.killed, "memory_hog", "held_mb", MEMORY_MB, why)

    def test_the_cpu_limit_is_configurable(self, siege):
        """No attack measures CPU time (that would race the machine's load); the key must
        at least be accepted, as the jail's cgroup enforces it."""
        assert "cpus" not in siege.unsupported, "[[competitors]] cpus is not a known key"
