"""The container runtime's configuration, jail flags and seccomp profile (no Podman)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from janus.config import ConfigError, parse_config
from janus.gateway.app import create_app
from janus.gateway.runtimes.podman import ContainerSpec, Limits, run_arguments
from janus.gateway.runtimes.seccomp import NAMESPACE_FLAGS, no_namespaces
from janus.plugins import PluginError, load_plugins


def config(*competitors: dict, **containers) -> object:
    return parse_config({"competitors": list(competitors), "containers": containers}, "test config")


def test_a_container_competitor_needs_an_image_and_nothing_of_other_kinds():
    with pytest.raises(ConfigError, match=r"competitors\[0\]\.image: required for a container"):
        config({"id": "a", "kind": "container"})
    with pytest.raises(ConfigError, match=r"competitors\[0\]\.url: not allowed for a container"):
        config({"id": "a", "kind": "container", "image": "x", "url": "http://a"})
    with pytest.raises(ConfigError, match=r"competitors\[0\]\.memory_mb: only for a container"):
        config({"id": "a", "url": "http://a", "memory_mb": 64})
    with pytest.raises(ConfigError, match=r"pids: Input should be greater than or equal to 16"):
        config({"id": "a", "kind": "container", "image": "x", "pids": 1})
    with pytest.raises(ConfigError, match=r"containers\.platform_port: must differ from port"):
        config(port=9000, platform_port=9000)
    with pytest.raises(ConfigError, match=r"containers\.user"):
        config(user="0:0")
    with pytest.raises(ConfigError, match=r"containers\.pull"):
        config(pull="sometimes")


def test_a_competitor_overrides_the_default_limits():
    loaded = config(
        {"id": "a", "kind": "container", "image": "x", "memory_mb": 64, "keep_warm": True},
        cpus=2,
    )
    limits = loaded.containers.limits_for(loaded.competitors[0])
    assert (limits.memory_mb, limits.cpus, limits.pids, limits.keep_warm) == (64, 2.0, 128, True)
    assert loaded.containers.limits_for(None).memory_mb == 512


def test_a_kind_no_runtime_registered_stops_the_gateway(tmp_path):
    loaded = parse_config(
        {
            "competitors": [{"id": "a", "kind": "kubernetes", "image": "x"}],
            "platform": {"enabled": False, "data_dir": str(tmp_path)},
        },
        "t",
    )
    with pytest.raises(PluginError, match=r"competitors\[0\]\.kind: no runtime named 'kubernetes'"):
        create_app(loaded, load_plugins(use_env=False, allow=set()))


def test_the_jail_flags():
    spec = ContainerSpec(
        name="janus-x-a",
        image="localhost/a:1",
        limits=Limits(memory_mb=96, cpus=0.5, pids=32, tmp_mb=8),
        labels={"janus.gateway": "x", "janus.competitor": "a"},
        environment={"PORT": "8080"},
        seccomp_profile="/run/p.json",
    )
    arguments = run_arguments(spec)
    text = " ".join(arguments)
    for expected in (
        "--network none",
        "--read-only --read-only-tmpfs=false",
        "--tmpfs /tmp:rw,nosuid,nodev,mode=1777,size=8m",
        "--cap-drop ALL",
        "--security-opt no-new-privileges",
        "--security-opt seccomp=/run/p.json",
        "--user 65534:65534",
        "--memory 96m --memory-swap 96m",
        "--pids-limit 32",
        "--cpus 0.5",
        "--http-proxy=false",
        "--runtime runc",
        "--pull never",
        "--label janus.competitor=a --label janus.gateway=x",
        "--env PORT=8080",
    ):
        assert expected in text
    assert arguments[-1] == "localhost/a:1"  # no command: the image's own
    assert "--env-host" not in text and "--privileged" not in text


def test_the_seccomp_profile_refuses_new_namespaces():
    default = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [
            {"names": ["read", "clone", "clone3", "unshare", "setns"], "action": "SCMP_ACT_ALLOW"},
            {
                "names": ["setns"],
                "action": "SCMP_ACT_ALLOW",
                "includes": {"caps": ["CAP_SYS_ADMIN"]},
            },
        ],
    }
    profile = no_namespaces(default)
    allowed = [
        name
        for rule in profile["syscalls"]
        if rule["action"] == "SCMP_ACT_ALLOW" and not rule.get("args")
        for name in rule["names"]
    ]
    assert "read" in allowed
    assert not {"clone", "clone3", "unshare", "setns"} & set(allowed)
    (clone,) = [r for r in profile["syscalls"] if r["names"] == ["clone"]]
    assert clone["args"] == [
        {"index": 0, "value": NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}
    ]
    assert NAMESPACE_FLAGS & 0x10000000  # CLONE_NEWUSER


def test_the_host_default_profile_converts():
    path = Path("/usr/share/containers/seccomp.json")
    if not path.exists():
        pytest.skip("no containers seccomp profile on this host")
    profile = no_namespaces(json.loads(path.read_text()))
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
