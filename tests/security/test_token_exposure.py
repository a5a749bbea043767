"""Platform tokens stay with their holders: none on any command line, none to steal.

A victim's sandbox runs a long command with its request's live token in its environment
(as agent-cli runs its agent), and a bystander competitor holds its request's token in
memory. The host must see the token on no process's argv, and the hostile competitor,
scanning ``/proc`` for tokens, must find none to spend: not on the victim's sandbox
files, not on inference charged to someone else (the upstream provider is a test double
that records every call).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.security.jail_harness import (
    FAKE_SECRETS,
    INFERENCE_MODEL,
    FakeUpstream,
    Gateway,
    VictimSandbox,
    assert_attack_failed,
    host_command_lines,
    hostile_site,  # noqa: F401 (a fixture)
    running_gateway,
)

pytestmark = pytest.mark.slow


@dataclass
class Scene:
    gateway: Gateway
    victim: VictimSandbox
    upstream: FakeUpstream


@pytest.fixture(scope="module")
def scene(hostile_site, tmp_path_factory) -> Iterator[Scene]:  # noqa: F811
    competitors = [
        {"id": "attacker", "kind": "subprocess", "plugin": "hostile"},
        {"id": "bystander", "kind": "subprocess", "plugin": "bystander"},
    ]
    upstream = FakeUpstream()
    tmp_path = tmp_path_factory.mktemp("token-exposure")
    try:
        with running_gateway(
            tmp_path,
            hostile_site,
            competitors=competitors,
            sandbox={"backend": "local"},
            upstream=upstream,
        ) as gateway:
            victim = VictimSandbox.start(gateway)
            try:
                gateway.chat("bystander", f"a client's message {uuid.uuid4().hex}")
                yield Scene(gateway, victim, upstream)
            finally:
                victim.close()
    finally:
        upstream.close()


def test_no_token_or_secret_is_on_any_command_line_of_the_host(scene):
    """What any local process can read, looked at from the host itself."""
    exposed = {
        name: sorted(host_command_lines(value))
        for name, value in {"the victim's token": scene.victim.token, **FAKE_SECRETS}.items()
        if host_command_lines(value)
    }
    assert not exposed, f"ATTACK SUCCEEDED: on the argv of host processes (pids): {exposed}"


def test_a_hostile_competitor_finds_no_token_to_spend(scene):
    orders = {
        "attacks": ["use_stolen_tokens"],
        "secrets": {"the victim's token": scene.victim.token},
        "memory_markers": ["\0bystander\0"],
        "victim_file": scene.victim.FILE,
        "inference_model": INFERENCE_MODEL,
    }
    findings: dict[str, dict[str, Any]] = scene.gateway.attack(orders)
    conversation = json.loads(scene.victim.conversation)["messages"][0]
    assert conversation not in json.dumps(findings), (
        f"ATTACK SUCCEEDED: use_stolen_tokens: the victim's conversation was read: {findings}"
    )
    assert not scene.upstream.requests, (
        "ATTACK SUCCEEDED: use_stolen_tokens: inference charged with a stolen token: "
        f"{len(scene.upstream.requests)} upstream call(s)"
    )
    assert_attack_failed(findings, "use_stolen_tokens")
