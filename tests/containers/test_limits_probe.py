"""Start-up says loudly when Podman would not enforce a container's limits.

Podman here is a test double (tests/containers/doubles/podman) that runs "containers"
without applying their limits; the real probe against the real Podman is exercised by
every container test's gateway start.
"""

from __future__ import annotations

from pathlib import Path

from tests.core.clirun import (
    assert_one_line_error,
    free_port,
    janus_env,
    run_janus,
    running_janus,
)

DOUBLES = Path(__file__).parent / "doubles"


def config(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "janus.toml"
    path.write_text(
        f"[gateway]\nport = {port}\n"
        f'[platform]\nenabled = false\ndata_dir = "{tmp_path / "data"}"\n'
        "[web]\nenabled = false\n" + extra
    )
    return path


def env_with_podman_double(tmp_path: Path) -> dict[str, str]:
    env = janus_env(PODMAN_DOUBLE_LOG=str(tmp_path / "podman.log"))
    env["PATH"] = f"{DOUBLES}:{env['PATH']}"
    return env


def test_start_up_stops_when_podman_does_not_enforce_container_limits(tmp_path: Path):
    path = config(tmp_path, free_port())
    result = run_janus(
        "run", "--config", str(path), cwd=tmp_path, env=env_with_podman_double(tmp_path)
    )
    line = assert_one_line_error(
        result,
        "containers: cannot enforce container limits",
        "--memory 64m gave '9223372036854771712'",
        "--pids-limit 32 gave 'max'",
        "[containers] allow_unenforced_limits = true",
    )
    assert "--network none" not in line  # that one held: only "lo"
    # The probe ran with the runtime's own flags.
    (probe,) = [
        c for c in (tmp_path / "podman.log").read_text().splitlines() if c.startswith("run ")
    ]
    for flags in (
        "--network none",
        "--memory 64m",
        "--pids-limit 32",
        "--cap-drop ALL",
        "--read-only",
    ):
        assert flags in probe, (flags, probe)


def test_an_operator_may_accept_unenforced_limits_and_is_warned(tmp_path: Path):
    port = free_port()
    path = config(tmp_path, port, "[containers]\nallow_unenforced_limits = true\n")
    env = env_with_podman_double(tmp_path)
    with running_janus("run", "--config", str(path), port=port, cwd=tmp_path, env=env) as janus:
        janus.wait_healthy()
        assert janus.stop() == 0, janus.stderr
    assert "COMPETITOR CONTAINERS RUN WITHOUT ENFORCED LIMITS" in janus.stderr


def test_a_configured_container_competitor_needs_podman(tmp_path: Path):
    competitor = '[[competitors]]\nid = "boxed"\nkind = "container"\nimage = "localhost/x:1"\n'
    path = config(
        tmp_path, free_port(), '[containers]\npodman = "janus-no-such-podman"\n' + competitor
    )
    result = run_janus("run", "--config", str(path), cwd=tmp_path)
    assert_one_line_error(result, "containers: 'janus-no-such-podman' is not installed", "boxed")
