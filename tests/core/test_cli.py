"""The ``janus`` command line, run for real in subprocesses: the gateway starts on the
embedded default or a file, stops cleanly on a signal, and user mistakes end with exit
code 2 and one ``Error:`` line on stderr, never a traceback."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import pytest

from janus import __version__
from tests.core.clirun import (
    assert_one_line_error,
    free_port,
    get_json,
    janus_env,
    run_janus,
    running_janus,
)
from tests.core.test_config import BAD, COMPETITOR

# one of each kind of mistake, through the CLI (test_config covers the full list)
CLI_BAD = [
    b
    for b in BAD
    if b[0]
    in {
        "unknown-key",
        "port-is-string",
        "duplicate-id",
        "dangling-default",
        "ftp-url",
        "invalid-toml",
    }
]

LOG_LINE = re.compile(r"janus \S+ listening on (\S+) \(config: (.+?); router: (\S+); ")


def started_line(stderr: str) -> re.Match[str]:
    match = LOG_LINE.search(stderr)
    assert match is not None, stderr
    return match


def test_version(tmp_path: Path) -> None:
    result = run_janus("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


def test_help_lists_the_builtin_commands(tmp_path: Path) -> None:
    result = run_janus("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("run", "serve", "plugins"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_on_the_embedded_default_starts_and_stops(tmp_path: Path, signum: int) -> None:
    # cwd has no janus.toml and the environment no JANUS_CONFIG: the embedded default
    port = free_port()
    with running_janus("run", "--port", str(port), port=port, cwd=tmp_path) as janus:
        assert janus.wait_healthy() == {"status": "ok", "version": __version__}
        models = get_json(f"{janus.base_url}/v1/models")
        assert models["object"] == "list"
        assert isinstance(models["data"], list)
        assert janus.stop(signum) == 0, janus.stderr
    match = started_line(janus.stderr)
    assert match.group(1) == f"http://127.0.0.1:{port}"
    assert match.group(2) == "embedded default"
    assert match.group(3) == "by-model"
    assert "Traceback" not in janus.stderr


def test_run_with_a_config_file_serves_its_competitors(tmp_path: Path) -> None:
    port = free_port()  # from the file this time: no --port
    config = tmp_path / "good.toml"
    config.write_text(
        f'[gateway]\nport = {port}\n[routing]\ndefault = "alpha"\n'
        + '[guardrails]\nenabled = ["request-size", "secret-scan"]\n'
        + COMPETITOR
        + '[[competitors]]\nid = "beta"\nurl = "http://127.0.0.1:9200"\n'
    )
    with running_janus("run", "--config", str(config), port=port, cwd=tmp_path) as janus:
        janus.wait_healthy()
        models = get_json(f"{janus.base_url}/v1/models")
        assert janus.stop() == 0, janus.stderr
    ids = [model["id"] for model in models["data"]]
    # "janus" (the routed model) first because a default is configured, then the pool
    assert ids == ["janus", "alpha", "beta"]
    assert all(model["object"] == "model" for model in models["data"])
    line = started_line(janus.stderr).group(0)
    assert f"config: {config};" in line
    listed = "competitors: alpha, beta; default: alpha; guardrails: request-size, secret-scan)"
    assert listed in janus.stderr


@pytest.mark.parametrize("where", ["env", "cwd"])
def test_run_finds_the_config_through_env_or_cwd(tmp_path: Path, where: str) -> None:
    port = free_port()
    text = f"[gateway]\nport = {port}\n" + COMPETITOR
    if where == "env":
        path = tmp_path / "elsewhere.toml"
        env = janus_env(JANUS_CONFIG=str(path))
        expected_source = str(path)
    else:
        path = tmp_path / "janus.toml"
        env = janus_env()
        expected_source = "janus.toml"
    path.write_text(text)
    with running_janus("run", port=port, cwd=tmp_path, env=env) as janus:
        janus.wait_healthy()
        ids = [model["id"] for model in get_json(f"{janus.base_url}/v1/models")["data"]]
        assert janus.stop() == 0, janus.stderr
    assert ids == ["alpha"]  # no default configured: "janus" is not offered
    assert started_line(janus.stderr).group(2) == expected_source


@pytest.mark.parametrize(
    ("text", "fragment"), [b[1:] for b in CLI_BAD], ids=[b[0] for b in CLI_BAD]
)
def test_run_with_a_bad_config_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = run_janus("run", "--port", "0", "--config", str(path), cwd=tmp_path)
    assert_one_line_error(result, str(path), fragment)


def test_run_with_a_missing_config_file(tmp_path: Path) -> None:
    result = run_janus("run", "--port", "0", "--config", "missing.toml", cwd=tmp_path)
    assert_one_line_error(result, "missing.toml: cannot read the file")


def test_bad_config_from_env_and_cwd_are_reported_too(tmp_path: Path) -> None:
    (tmp_path / "janus.toml").write_text("[gateway]\nprot = 1\n")
    result = run_janus("run", "--port", "0", cwd=tmp_path)
    assert_one_line_error(result, "janus.toml: gateway.prot: unknown key")

    env_file = tmp_path / "from-env.toml"
    env_file.write_text("[routing]\nfallbacks = 'alpha'\n")
    result = run_janus(
        "run", "--port", "0", cwd=tmp_path, env=janus_env(JANUS_CONFIG=str(env_file))
    )
    assert_one_line_error(result, str(env_file), "routing.fallbacks:")


def test_run_with_an_unknown_router(tmp_path: Path) -> None:
    path = tmp_path / "router.toml"
    path.write_text('[routing]\nrouter = "round-robin"\n')
    result = run_janus("run", "--port", "0", "--config", str(path), cwd=tmp_path)
    line = assert_one_line_error(result, str(path), "routing.router:", "'round-robin'")
    assert "by-model" in line  # the routers that are installed


def test_run_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_janus("run", "--port", str(port), cwd=tmp_path)
    line = assert_one_line_error(result, f"Error: cannot listen on 127.0.0.1:{port}")
    assert line == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_serve_an_unknown_competitor(tmp_path: Path) -> None:
    result = run_janus("serve", "nonexistent", cwd=tmp_path)
    line = assert_one_line_error(result, "no competitor plugin named 'nonexistent'")
    assert re.search(r"\(available: [^)]+\)$", line), line


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_janus("hello", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such command 'hello'" in result.stderr
    assert "Traceback" not in result.stderr
