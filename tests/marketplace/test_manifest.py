"""Manifests are validated when a component is built; a bad one stops the gateway's start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.hookspecs import hookimpl
from janus.interfaces import Component, ComponentError, ComponentManifest
from janus.plugins import PluginError, load_plugins
from tests.distributions import build_distribution, install_distribution
from tests.marketplace.echo_component import CONTRACT, BadVersion, echo, manifest


@pytest.mark.parametrize(
    "version", ["0.0.1", "1.2.3", "10.20.30", "1.0.0-alpha.1", "1.0.0+build.5", "2.0.0-rc.1+sha"]
)
def test_semantic_versions_are_accepted(version):
    assert Component(manifest(version=version), echo, CONTRACT).manifest.version == version


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "latest", ""])
def test_other_versions_are_refused_with_a_clear_message(version):
    with pytest.raises(ComponentError) as caught:
        Component(manifest(version=version), echo, CONTRACT)
    assert str(caught.value) == (
        f"component echo: manifest: version: {version!r} is not a semantic version "
        "(MAJOR.MINOR.PATCH, e.g. 1.0.0)"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Has Spaces"}, "component Has Spaces: manifest: id: String should match"),
        ({"contract": "grpc"}, "component echo: manifest: contract: Input should be 'openapi'"),
        ({"license": ""}, "component echo: manifest: license: String should have at least 1"),
        ({"resources": {"services": ["gpu"]}}, "component echo: manifest: resources.services[0]"),
        ({"resources": {"timeout_s": "30"}}, "component echo: manifest: resources.timeout_s"),
        ({"homepage": "x"}, "component echo: manifest: homepage: Extra inputs are not permitted"),
    ],
)
def test_every_manifest_field_is_checked(changes, message):
    with pytest.raises(ComponentError) as caught:
        Component(manifest(**changes), echo, CONTRACT)
    assert str(caught.value).startswith(message), caught.value


@pytest.mark.parametrize(
    ("contract", "document", "problem"),
    [
        ("openapi", {"paths": {"/a": {}}}, "needs 'openapi': '3.x'"),
        ("openapi", {"openapi": "3.1.0", "paths": {}}, "needs at least one path"),
        ("mcp", {"tools": []}, "non-empty 'tools' list"),
        ("mcp", {"tools": [{"name": "run"}]}, "MCP tool 'run' needs an 'inputSchema'"),
    ],
)
def test_the_contract_document_must_match_the_contract(contract, document, problem):
    with pytest.raises(ComponentError, match=problem):
        Component(manifest(contract=contract), echo, document)


def test_an_mcp_tool_list_is_a_contract_document():
    tools = {"tools": [{"name": "run", "inputSchema": {"type": "object"}}]}
    component = Component(ComponentManifest(**manifest(contract="mcp")), echo, tools)
    assert component.manifest.contract == "mcp"


def gateway_with(*plugins: object):
    config = parse_config({"web": {"enabled": False}}, "test")
    manager = load_plugins(use_env=False, allow=set())
    for plugin in plugins:
        manager.register(plugin)
    return create_app(config, manager)


def test_a_bad_version_stops_start_up_naming_the_plugin():
    with pytest.raises(PluginError) as caught:
        gateway_with(BadVersion())
    assert str(caught.value) == (
        "plugin 'bad-version-plugin' failed in register_components: component echo: "
        "manifest: version: '1.0' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
    )


class Misregistered:
    __name__ = "misregistered"

    def __init__(self, name: str, component: object) -> None:
        self.name, self.component = name, component

    @hookimpl
    def register_components(self, register) -> None:
        register(self.name, self.component)


def test_a_component_must_be_registered_under_its_own_id():
    with pytest.raises(PluginError, match="registered as 'other' has manifest id 'echo'"):
        gateway_with(Misregistered("other", Component(manifest(), echo, CONTRACT)))


def test_only_components_can_be_registered():
    with pytest.raises(PluginError, match=r"'echo' is a dict, not a janus\.interfaces\.Component"):
        gateway_with(Misregistered("echo", manifest()))


BAD_PLUGIN = textwrap.dedent("""\
    from janus.hookspecs import hookimpl
    from janus.interfaces import Component

    MANIFEST = {
        "id": "weather", "name": "Weather", "version": "one", "contract": "openapi",
        "category": "data", "description": "d", "inputs": {}, "outputs": {},
        "license": "MIT", "author": "a", "docs": "https://example.org",
    }

    async def handle(call):
        raise NotImplementedError

    @hookimpl
    def register_components(register):
        register("weather", Component(MANIFEST, handle, {"tools": [
            {"name": "forecast", "inputSchema": {"type": "object"}}]}))
    """)


@pytest.mark.slow
def test_janus_run_refuses_to_start_with_an_installed_bad_component(tmp_path):
    package = build_distribution(tmp_path, "weather-dist", "0.1.0", {"weather_plugin": BAD_PLUGIN})
    target = install_distribution(package, tmp_path / "site")
    config = tmp_path / "janus.toml"
    config.write_text(f'[platform]\ndata_dir = "{tmp_path / "data"}"\n[web]\nenabled = false\n')
    env = {**os.environ, "PYTHONPATH": str(target), "JANUS_PLUGINS": "weather"}
    result = subprocess.run(
        [sys.executable, "-m", "janus", "run", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {config}: plugin 'weather' failed in register_components: component weather: "
        "manifest: version: 'one' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
    )
