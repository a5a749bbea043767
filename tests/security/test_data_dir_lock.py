"""A second gateway on a data_dir in use refuses to start; the first is left alone.

Two real ``janus run`` processes: sharing a data_dir would let the second wipe the first
one's live sandbox workspaces and share its store and artifacts.
"""

from __future__ import annotations

from pathlib import Path

from tests.core.clirun import (
    assert_one_line_error,
    free_port,
    get_json,
    run_janus,
    running_janus,
)

CONFIG = """\
[platform]
data_dir = "{data}"

[platform.inference]
backend = "off"

[platform.sandbox]
backend = "off"

[platform.search]
backend = "off"
"""


def _config(tmp_path: Path, name: str, data: Path) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(CONFIG.format(data=data))
    return path


def _run(config: Path, tmp_path: Path):
    port = free_port()
    arguments = ("run", "--config", str(config), "--port", str(port))
    return running_janus(*arguments, port=port, cwd=tmp_path)


def test_a_second_gateway_on_a_data_dir_in_use_exits_2_and_the_first_keeps_serving(tmp_path):
    data = tmp_path / "data"
    config = _config(tmp_path, "gateway", data)
    with _run(config, tmp_path) as first:
        first.wait_healthy()

        second = run_janus("run", "--config", str(config), "--port", "0", cwd=tmp_path)

        line = assert_one_line_error(second, str(data), "in use by another running gateway")
        assert f"pid {first.process.pid}" in line
        assert get_json(f"{first.base_url}/health")["status"] == "ok"
        # Killed, not stopped: the kernel drops the lock with the process.
        first.process.kill()
        first.process.communicate()

    with _run(config, tmp_path) as third:
        assert third.wait_healthy()["status"] == "ok"
        assert third.stop() == 0, third.stderr
