"""A hostile competitor image tries to get out of its container (real Podman; slow).

The scripted competitor image carries the attack program (tests/containers/image/
attacks.py); a chat message ``attack {...}`` makes it try, from inside its container,
everything named here and answer what happened. Each attempt must fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time

import pytest

from tests.containers import fixtures
from tests.containers.fixtures import wait_for

pytestmark = pytest.mark.slow
base_image = fixtures.base_image
competitor_image = fixtures.competitor_image
container_gateway = fixtures.container_gateway

# What the container's environment may hold: Podman's own defaults and the contract's.
ALLOWED_ENVIRONMENT = {
    "PATH",
    "TERM",
    "container",
    "HOSTNAME",
    "HOME",
    "PORT",
    "JANUS_PLATFORM_URL",
}


def host_addresses() -> list[str]:
    """Every IPv4 address of this host (the container must reach none of them)."""
    addresses = {"127.0.0.1"}
    done = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        words = line.split()
        if "inet" in words:
            addresses.add(words[words.index("inet") + 1].split("/")[0])
    return sorted(addresses)


@pytest.fixture
def host_listener():
    """A real TCP port listening on every address of the host."""
    with socket.socket() as server:
        server.bind(("0.0.0.0", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def podman_service():
    """The Podman API on a real unix socket of the host."""
    directory = tempfile.mkdtemp(prefix="janus-podman-api-")
    path = os.path.join(directory, "podman.sock")
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{path}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: os.path.exists(path), timeout=60)
        yield path
    finally:
        service.terminate()
        service.wait(30)


def test_a_hostile_container_cannot_get_out(
    container_gateway, competitor_image, host_listener, podman_service, monkeypatch
):
    monkeypatch.setenv("CHUTES_API_KEY", "fake-upstream-key-must-not-leak")
    hostile = {
        "id": "hostile",
        "kind": "container",
        "image": competitor_image,
        "memory_mb": 96,
        "pids": 32,
        "tmp_mb": 8,
    }
    neighbour = {
        "id": "neighbour",
        "kind": "container",
        "image": competitor_image,
        "keep_warm": True,
    }
    gateway = container_gateway([hostile, neighbour])
    gateway_port = int(gateway.url.rsplit(":", 1)[1])
    neighbour_socket = gateway.app_deployed("neighbour")
    targets = [[address, host_listener] for address in host_addresses()]
    targets += [
        ["127.0.0.1", gateway_port],  # the gateway itself, on the host's loopback
        ["8.8.8.8", 53],  # the internet
        ["1.1.1.1", 443],
        ["10.88.0.1", 8080],  # Podman's default bridge, where other containers would be
    ]
    parameters = {
        "tcp": targets,
        "unix": [podman_service, "/run/podman/podman.sock", neighbour_socket],
        "memory_mb": 512,
        "pids": 200,
        "tmp_mb": 64,
    }
    started = time.monotonic()
    status, answer = gateway.chat("hostile", "attack " + json.dumps(parameters), stream=False)
    assert status == 200, answer
    outcome = json.loads(json.loads(answer)["choices"][0]["message"]["content"])
    print(json.dumps(outcome, indent=2), time.monotonic() - started)

    for (host, port), result in zip(targets, outcome["tcp"], strict=True):
        assert result != "connected", f"reached {host}:{port} from inside the container"
    for path, result in zip(parameters["unix"], outcome["unix"], strict=True):
        assert result != "connected", f"reached the unix socket {path} from inside"
    assert set(outcome["environ"]["pid1"]) <= ALLOWED_ENVIRONMENT, outcome["environ"]
    assert set(outcome["environ"]["self"]) <= ALLOWED_ENVIRONMENT | {"LC_CTYPE"}
    assert outcome["uid"] == 65534
    assert outcome["write_root"] != "written"
    assert outcome["unshare_user"] != "unshared"
    assert outcome["unshare_net"] != "unshared"
    assert outcome["clone_user"] != "cloned"
    assert outcome["clone_plain"] == "cloned"  # the rule is not simply "no clone"
    # The memory hog was killed before it got far past the container's 96 MiB.
    assert outcome["memory"]["returncode"] != 0
    assert outcome["memory"]["reached_mb"] < 96
    # The fork bomb hit the pids limit (32, the server's own threads included).
    assert 0 <= outcome["pids"]["forked"] < 32
    assert outcome["pids"]["error"] == "BlockingIOError"
    # /tmp is capped at 8 MiB.
    assert outcome["tmp"]["written_mb"] <= 8 and outcome["tmp"]["error"] == "OSError"

    # The neighbour container is unharmed and still answers.
    status, answer = gateway.chat("neighbour", "hello", stream=False)
    assert status == 200 and "Paris" in answer
