"""The distribution: entry point, ``janus serve``, the agent pack, a stdlib-only agent."""

from __future__ import annotations

import ast
import json
import sys
from importlib import resources
from pathlib import Path

import aiohttp
from janus_baseline_agent_cli.agent.tools import Toolbox
from janus_baseline_agent_cli.pack import AgentPack

from janus.plugins import load_plugins
from tests.core.clirun import free_port, get_json, janus_env, running_janus

AGENT_PACKAGE = Path(resources.files("janus_baseline_agent_cli") / "agent")  # type: ignore[arg-type]


async def test_the_entry_point_registers_the_competitor(live):
    factories = load_plugins(use_env=False).collect("register_competitors")
    url = live.serve(factories["baseline-agent-cli"]())
    async with aiohttp.ClientSession() as session, session.get(url + "/health") as response:
        assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_without_platform_headers_it_answers_503_so_the_gateway_can_fall_back(live):
    factories = load_plugins(use_env=False).collect("register_competitors")
    url = live.serve(factories["baseline-agent-cli"]())
    body = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/chat/completions", json=body) as response,
    ):
        assert response.status == 503
        assert (await response.json())["error"]["code"] == "platform_unavailable"


def test_janus_serve_runs_it_standalone(tmp_path):
    port = free_port()
    arguments = ("serve", "baseline-agent-cli", "--port", str(port))
    with running_janus(*arguments, port=port, cwd=tmp_path, env=janus_env()) as served:
        assert served.wait_healthy()["status"] == "ok"
        assert get_json(f"{served.base_url}/health")["version"]


def test_the_agent_package_uses_the_standard_library_only():
    for source in AGENT_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", (source, module)


def test_the_agent_pack_matches_the_agent():
    pack = AgentPack.bundled()
    assert pack.version == "v1"
    for name in ("bootstrap.sh", "system_prompt.md", "tools.json", "model.json"):
        assert f".agent/{name}" in pack.files
    for source in AGENT_PACKAGE.glob("*.py"):
        assert pack.files[f".agent/janus_agent/{source.name}"] == source.read_bytes()
    tools = json.loads(pack.files[".agent/tools.json"])
    defined = {tool["function"]["name"] for tool in tools}
    assert defined == Toolbox(Path("."), 100, {}).names | {"finish"}
    settings = json.loads(pack.files[".agent/model.json"])
    assert {"max_steps", "time_budget_s", "tool_timeout_s"} <= set(settings)
    files = pack.files_for([{"role": "user", "content": "Do it"}])
    assert json.loads(files[".agent/conversation.json"]) == [{"role": "user", "content": "Do it"}]
    assert files[".agent/task.md"] == b"Do it"
