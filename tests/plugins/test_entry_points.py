"""Entry-point discovery through the real CLI: a pip-installed distribution declaring a
``janus`` entry point is loaded, listed with its version and hooks, contributes commands
and competitors, and ``JANUS_PLUGINS`` limits what loads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from janus import __version__
from tests.core.clirun import (
    assert_one_line_error,
    free_port,
    get_json,
    janus_env,
    run_janus,
    running_janus,
)
from tests.plugins.conftest import TINY_VERSION

TINY_HOOKS = ["register_commands", "register_competitors", "register_routers"]


def plugins_json(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return {row["name"]: row for row in rows}


def test_installed_plugin_is_listed_with_version_and_hooks(tiny_site: Path, tmp_path: Path):
    result = run_janus("plugins", "--json", cwd=tmp_path, env=janus_env(tiny_site))
    rows = plugins_json(result)
    assert rows["tiny"] == {
        "name": "tiny",
        "version": TINY_VERSION,  # the distribution's version, not janus's
        "hooks": TINY_HOOKS,
        "builtin": False,
    }


def test_builtins_come_first_and_are_marked(tiny_site: Path, tmp_path: Path) -> None:
    result = run_janus("plugins", "--json", cwd=tmp_path, env=janus_env(tiny_site))
    rows = list(plugins_json(result).values())
    kinds = [row["builtin"] for row in rows]
    assert kinds == sorted(kinds, reverse=True), rows
    builtin = next(row for row in rows if row["name"] == "janus.builtin.routers")
    assert builtin == {
        "name": "janus.builtin.routers",
        "version": __version__,
        "hooks": ["register_routers"],
        "builtin": True,
    }


def test_plugin_is_not_found_without_its_directory(tmp_path: Path) -> None:
    """Control for the tests above: the plugin comes from the --target dir, not the env."""
    rows = plugins_json(run_janus("plugins", "--json", cwd=tmp_path))
    assert "tiny" not in rows
    assert rows["janus.builtin.routers"]["builtin"] is True


def test_table_lists_the_plugin(tiny_site: Path, tmp_path: Path) -> None:
    result = run_janus("plugins", cwd=tmp_path, env=janus_env(tiny_site))
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split(None, 3) for line in result.stdout.splitlines()}
    assert lines["tiny"] == ["tiny", TINY_VERSION, "installed", ", ".join(TINY_HOOKS)]
    assert lines["janus.builtin.routers"] == [
        "janus.builtin.routers",
        __version__,
        "built-in",
        "register_routers",
    ]
    # one aligned column per field: the version column starts at the same offset
    rows = result.stdout.splitlines()
    offsets = {row.index(f" {row.split()[1]} ") for row in rows}
    assert len(offsets) == 1, result.stdout


def test_plugin_command_runs(tiny_site: Path, tmp_path: Path) -> None:
    result = run_janus("hello", "--name", "Ada", cwd=tmp_path, env=janus_env(tiny_site))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello Ada, from tiny\n"
    # and it is a peer of the built-in commands in --help
    help_text = run_janus("--help", cwd=tmp_path, env=janus_env(tiny_site)).stdout
    assert "Say hello from the tiny plugin." in help_text


def test_plugin_competitor_is_served_standalone(tiny_site: Path, tmp_path: Path) -> None:
    port = free_port()
    env = janus_env(tiny_site)
    with running_janus(
        "serve", "tiny-echo", "--port", str(port), port=port, cwd=tmp_path, env=env
    ) as competitor:
        assert competitor.wait_healthy() == {"status": "ok", "competitor": "tiny-echo"}
        assert competitor.stop() == 0, competitor.stderr
    assert f"competitor tiny-echo listening on http://127.0.0.1:{port}" in competitor.stderr


def test_serve_unknown_competitor_lists_the_available_ones(tiny_site: Path, tmp_path: Path):
    result = run_janus("serve", "nonexistent", cwd=tmp_path, env=janus_env(tiny_site))
    line = assert_one_line_error(result, "no competitor plugin named 'nonexistent'")
    assert "(available: " in line and "tiny-echo" in line.split("(available: ")[1], line


def test_plugin_router_can_be_configured(tiny_site: Path, tmp_path: Path) -> None:
    """Routers from plugins are found by `janus run` through the same manager."""
    port = free_port()
    config = tmp_path / "tiny.toml"
    config.write_text(f'[gateway]\nport = {port}\n[routing]\nrouter = "tiny-router"\n')
    env = janus_env(tiny_site)
    with running_janus("run", "--config", str(config), port=port, cwd=tmp_path, env=env) as gw:
        gw.wait_healthy()
        assert get_json(f"{gw.base_url}/v1/models")["object"] == "list"
        assert gw.stop() == 0, gw.stderr
    assert "router: tiny-router;" in gw.stderr


class TestAllowList:
    """``JANUS_PLUGINS``: unset loads every plugin; set (even empty) is an allow-list."""

    def test_empty_loads_no_entry_point_plugin(self, tiny_site: Path, tmp_path: Path) -> None:
        env = janus_env(tiny_site, JANUS_PLUGINS="")
        rows = plugins_json(run_janus("plugins", "--json", cwd=tmp_path, env=env))
        assert "tiny" not in rows
        assert "janus.builtin.routers" in rows  # built-ins are not subject to it
        # nor does its command exist
        result = run_janus("hello", cwd=tmp_path, env=env)
        assert result.returncode == 2
        assert "No such command 'hello'" in result.stderr

    def test_naming_it_loads_it(self, tiny_site: Path, tmp_path: Path) -> None:
        env = janus_env(tiny_site, JANUS_PLUGINS="tiny")
        rows = plugins_json(run_janus("plugins", "--json", cwd=tmp_path, env=env))
        assert rows["tiny"]["hooks"] == TINY_HOOKS
        assert run_janus("hello", cwd=tmp_path, env=env).stdout == "hello world, from tiny\n"

    def test_blanks_and_empty_items_are_ignored(self, tiny_site: Path, tmp_path: Path) -> None:
        env = janus_env(tiny_site, JANUS_PLUGINS=" tiny , ,")
        rows = plugins_json(run_janus("plugins", "--json", cwd=tmp_path, env=env))
        assert "tiny" in rows

    def test_only_the_named_ones_load(
        self, tiny_site: Path, broken_site: Path, tmp_path: Path
    ) -> None:
        """The broken plugins are installed too but, not being named, never imported."""
        env = janus_env(tiny_site, JANUS_PLUGINS="tiny")
        env["PYTHONPATH"] = f"{broken_site}:{env['PYTHONPATH']}"
        rows = plugins_json(run_janus("plugins", "--json", cwd=tmp_path, env=env))
        assert rows["tiny"]["version"] == TINY_VERSION
        assert not {"badhook", "boom", "badargs", "dupe"} & rows.keys()

    def test_unknown_name_is_one_line_exit_2(self, tiny_site: Path, tmp_path: Path) -> None:
        env = janus_env(tiny_site, JANUS_PLUGINS="tiny,nonexistent")
        for command in (["plugins"], ["run", "--port", "0"], ["hello"]):
            result = run_janus(*command, cwd=tmp_path, env=env)
            line = assert_one_line_error(result, "JANUS_PLUGINS", "nonexistent")
            installed = line.split("installed plugins: ")[1].rstrip(")").split(", ")
            assert "tiny" in installed, line
            assert result.stdout == ""
