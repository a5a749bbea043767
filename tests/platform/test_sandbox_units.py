"""The sandbox's pure parts: paths, limits, settings, request bodies, the registry."""

from __future__ import annotations

import time
from pathlib import Path, PurePosixPath

import pytest

from janus.config import ConfigError, validate_settings
from janus.errors import JanusError
from janus.platform.sandbox.command import Helpers, command_spec
from janus.platform.sandbox.local import LocalSandboxBackend
from janus.platform.sandbox.models import ExecRequest, RequestedLimits, WriteRequest
from janus.platform.sandbox.paths import artifact_path, workspace_path
from janus.platform.sandbox.registry import Sandbox, SandboxRegistry
from janus.platform.sandbox.settings import DEFAULT_LIMITS, MAX_LIMITS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a.txt", "a.txt"),
        ("out/plot.png", "out/plot.png"),
        ("/workspace/out/plot.png", "out/plot.png"),
        ("./a//b", "a/b"),
    ],
)
def test_workspace_paths_are_relative_to_the_workspace(raw, expected):
    assert workspace_path(raw) == PurePosixPath(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ".",
        "/workspace",
        "../x",
        "a/../../x",
        "/workspace/../etc/passwd",
        "/etc/passwd",
        "/workspacex/a",
        "a\x00b",
    ],
)
def test_paths_outside_the_workspace_or_with_dotdot_are_refused(raw):
    with pytest.raises(JanusError) as caught:
        workspace_path(raw)
    assert (caught.value.status, caught.value.code) == (400, "invalid_path")


def test_artifact_paths_live_under_artifacts_and_cannot_climb_out():
    assert artifact_path("plots/a.png") == PurePosixPath("artifacts/plots/a.png")
    for raw in ("../secret", "/etc/passwd", "a/../../b"):
        with pytest.raises(JanusError):
            artifact_path(raw)


def test_requested_limits_take_defaults_and_are_capped_at_the_maxima():
    granted = RequestedLimits(cpu_seconds=10**6, memory_mb=128).resolve(DEFAULT_LIMITS, MAX_LIMITS)
    assert granted.cpu_seconds == MAX_LIMITS.cpu_seconds
    assert granted.memory_mb == 128
    assert granted.processes == DEFAULT_LIMITS.processes


def test_exec_timeouts_accept_sandys_name_and_are_capped():
    assert ExecRequest(command="true").timeout(60) == 60
    assert ExecRequest(command="true", timeout_seconds=5).timeout(60) == 5
    assert ExecRequest.model_validate({"command": "true", "timeoutMs": 1500}).timeout(60) == 1.5
    assert ExecRequest(command="true", timeout_seconds=999).timeout(60) == 60
    assert ExecRequest(command=["ls", "-l"]).argv == ["ls", "-l"]
    assert ExecRequest(command="ls | wc").argv == ["/bin/sh", "-c", "ls | wc"]


@pytest.mark.parametrize("command", ["", [], [""], "a\x00b"])
def test_empty_or_nul_commands_are_refused(command):
    with pytest.raises(ValueError):
        ExecRequest(command=command)


def test_base64_content_must_be_valid():
    assert WriteRequest(path="a", content="aGk=", encoding="base64").data() == b"hi"
    with pytest.raises(JanusError):
        WriteRequest(path="a", content="not base64!", encoding="base64").data()


def test_settings_refuse_defaults_above_maxima():
    with pytest.raises(ConfigError, match=r"platform\.sandbox\.local\.max_ttl_seconds: "):
        validate_settings(
            LocalSandboxBackend.Settings,
            {"default_ttl_seconds": 100, "max_ttl_seconds": 10},
            "platform.sandbox.local",
        )
    with pytest.raises(ConfigError, match=r"platform\.sandbox\.local\.max_limits: "):
        validate_settings(
            LocalSandboxBackend.Settings,
            {"max_limits": {**MAX_LIMITS.model_dump(), "processes": 2}},
            "platform.sandbox.local",
        )


def test_the_registry_hides_other_owners_and_expired_sandboxes():
    registry: SandboxRegistry[Sandbox] = SandboxRegistry(capacity=2, per_competitor=2)
    sandbox = Sandbox(id="sb_1", owner="c/r", limits=DEFAULT_LIMITS, env={}, ttl_seconds=60)
    registry.add(sandbox)
    assert registry.get("c/r", "sb_1") is sandbox
    with pytest.raises(JanusError, match="sb_1") as caught:
        registry.get("other/r", "sb_1")
    assert caught.value.code == "sandbox_not_found"
    with pytest.raises(JanusError) as unknown:
        registry.get("other/r", "sb_2")
    assert unknown.value.message == caught.value.message.replace("sb_1", "sb_2")
    sandbox.expires_at = time.time() + 1
    with pytest.raises(JanusError):
        registry.get("other/r", "sb_1")
    assert sandbox.expires_at <= time.time() + 1  # another owner's probe keeps it alive no longer
    sandbox.expires_at = time.time() - 1
    with pytest.raises(JanusError):
        registry.get("c/r", "sb_1")
    assert registry.expired(time.time()) == [sandbox]
    with registry.in_use(sandbox):
        assert registry.expired(time.time() + 3600) == []  # a running command keeps it


def test_per_process_caps_stand_in_only_where_cgroups_are_not_enforced():
    helpers = Helpers("/usr/bin/prlimit", "/usr/bin/timeout")
    spec = command_spec(helpers, Path("/w"), DEFAULT_LIMITS, None, ["true"], {}, ".", 60, True)
    assert not any(arg.startswith(("--as=", "--nproc=")) for arg in spec.argv)
    assert spec.tmp_mb == DEFAULT_LIMITS.memory_mb  # /tmp can never hold more than memory
    fallback = command_spec(helpers, Path("/w"), DEFAULT_LIMITS, None, ["true"], {}, ".", 60, False)
    assert f"--nproc={DEFAULT_LIMITS.processes}" in fallback.argv


def test_one_competitor_cannot_hold_every_sandbox():
    registry: SandboxRegistry[Sandbox] = SandboxRegistry(capacity=10, per_competitor=2)
    for n in range(2):
        registry.add(Sandbox(f"sb_{n}", f"greedy/req-{n}", DEFAULT_LIMITS, {}, 60))
    with pytest.raises(JanusError) as caught:
        registry.add(Sandbox("sb_x", "greedy/req-9", DEFAULT_LIMITS, {}, 60))
    assert caught.value.status == 429 and caught.value.code == "sandbox_quota_exceeded"
    registry.add(Sandbox("sb_y", "honest/req-1", DEFAULT_LIMITS, {}, 60))
