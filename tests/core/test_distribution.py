"""The distribution name: ``janus`` on the package index is another project.

Everything that depends on the gateway names ``janus-competitive-gateway``, and the command
line says clearly when another distribution owns (or shares) the ``janus`` package.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import janus
from janus.builtin.guardrail_template import SETUP_CFG
from janus.provenance import DISTRIBUTION, foreign_owners
from tests.core.clirun import (
    SAFETY_TIMEOUT_S,
    free_port,
    janus_env,
    run_janus,
    running_janus,
)

ROOT = Path(__file__).resolve().parents[2]
DEPENDENTS = [
    "bench",
    "baselines/agent-cli",
    "baselines/langchain",
    "plugins/janus-guardrail-pii",
    "plugins/janus-component-web-search",
    "plugins/janus-component-python-exec",
]
REPAIR = f"pip uninstall --yes janus && pip install --force-reinstall {DISTRIBUTION}"


def requirements(setup_cfg: str) -> list[str]:
    parser = configparser.ConfigParser()
    parser.read_string(setup_cfg)
    return parser["options"]["install_requires"].split()


def the_queue_library(site: Path) -> Path:
    """What ``pip install janus`` leaves: the unrelated queue library's distribution."""
    info = site / "janus-2.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: janus\nVersion: 2.0.0\n")
    (info / "top_level.txt").write_text("janus\n")
    (info / "RECORD").write_text("janus/__init__.py,,\njanus-2.0.0.dist-info/METADATA,,\n")
    return site


def test_the_gateway_and_everything_that_depends_on_it_use_the_distribution_name():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    assert parser["metadata"]["name"] == DISTRIBUTION == janus.__distribution__
    for folder in DEPENDENTS:
        needs = requirements((ROOT / folder / "setup.cfg").read_text())
        assert DISTRIBUTION in needs and "janus" not in needs, folder
    scaffold = SETUP_CFG.format(name="x", dist="janus-guardrail-x", package="x", cls="X")
    assert requirements(scaffold) == [DISTRIBUTION]
    assert (
        f"install_requires =\n    {DISTRIBUTION}\n"
        in (ROOT / "docs/plugin-tutorial.md").read_text()
    )


def test_only_foreign_owners_of_the_package_are_reported(tmp_path):
    site = the_queue_library(tmp_path / "site")
    ours = site / "janus_competitive_gateway-0.1.0.dist-info"
    ours.mkdir()
    (ours / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: 0.1\n")
    (ours / "top_level.txt").write_text("janus\n")
    (ours / "entry_points.txt").write_text("[console_scripts]\njanus = janus.entry:main\n")
    assert foreign_owners([str(site)]) == ["janus 2.0.0"]
    assert foreign_owners([str(tmp_path / "empty")]) == []


def test_janus_plugins_warns_when_another_distribution_shares_the_package(tmp_path):
    site = the_queue_library(tmp_path / "site")
    result = run_janus("plugins", cwd=tmp_path, env=janus_env(pythonpath=site))
    assert result.returncode == 0, result.stderr
    assert "register_routers" in result.stdout  # the listing itself is unchanged
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("Warning: janus 2.0.0 also installs a 'janus' package")
    assert f"not the Janus gateway ({DISTRIBUTION})" in warning and REPAIR in warning
    clean = run_janus("plugins", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stderr == ""


def test_janus_run_warns_at_start_up(tmp_path):
    site = the_queue_library(tmp_path / "site")
    port = free_port()
    config = tmp_path / "janus.toml"
    config.write_text(f"[gateway]\nport = {port}\n[platform]\nenabled = false\n")
    env = janus_env(pythonpath=site)
    with running_janus("run", "--config", str(config), port=port, cwd=tmp_path, env=env) as run:
        run.wait_healthy()
        assert run.stop() == 0, run.stderr
    assert "WARNING janus: janus 2.0.0 also installs a 'janus' package" in run.stderr
    assert REPAIR in run.stderr


def test_a_janus_package_that_is_not_ours_is_one_clear_line(tmp_path):
    """Another project's ``janus/__init__.py`` replaced ours (it installed last)."""
    site = the_queue_library(tmp_path / "site")
    package = site / "janus"
    package.mkdir()
    (package / "__init__.py").write_text('"""Mixed sync-async queue."""\n\nclass Queue: ...\n')
    for module in ("entry.py", "provenance.py"):  # ours, still on disk beside it
        shutil.copy(ROOT / "janus" / module, package / module)
    result = subprocess.run(
        [sys.executable, "-c", "from janus.entry import main; main()", "plugins"],
        cwd=tmp_path,
        env={**janus_env(), "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: the imported 'janus' package ({package / '__init__.py'})")
    assert f"is not the Janus gateway ({DISTRIBUTION}) (it belongs to janus 2.0.0)" in line
    assert REPAIR in line
