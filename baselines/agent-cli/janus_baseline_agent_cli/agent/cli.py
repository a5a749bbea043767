"""``janus-agent``: ``run`` the agent, list ``artifacts``, or ``wrap`` another agent.

Configuration comes from flags, else the environment the baseline sets in the sandbox:
``JANUS_PLATFORM_TOKEN`` (required; read once and removed from the environment so the
tools' commands never see it), ``JANUS_PLATFORM_URL`` (default: the sandbox's platform
socket), ``JANUS_AGENT_MODEL`` and ``JANUS_AGENT_TIME_BUDGET_S``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import PACK_VERSION
from .artifacts import announce_artifacts
from .forward import wrap
from .loop import Agent, Budget, Pack
from .platform_client import PlatformClient, default_platform_url
from .tools import Toolbox

TOKEN_ENV = "JANUS_PLATFORM_TOKEN"


def bundled_pack() -> Path:
    """The pack shipped in the distribution (inside a sandbox the bootstrap passes --pack)."""
    return Path(__file__).resolve().parent.parent / "agent_pack" / PACK_VERSION


def load_pack(directory: Path) -> Pack:
    return Pack(
        system_prompt=(directory / "system_prompt.md").read_text(encoding="utf-8"),
        tools=json.loads((directory / "tools.json").read_text(encoding="utf-8")),
        settings=json.loads((directory / "model.json").read_text(encoding="utf-8")),
    )


def load_conversation(arguments: argparse.Namespace) -> list[dict[str, Any]]:
    if arguments.prompt is not None:
        return [{"role": "user", "content": arguments.prompt}]
    if arguments.conversation is None:
        raise SystemExit("janus-agent run: give --conversation FILE or --prompt TEXT")
    conversation = json.loads(Path(arguments.conversation).read_text(encoding="utf-8"))
    if not isinstance(conversation, list) or not conversation:
        raise SystemExit("janus-agent run: the conversation must be a non-empty JSON list")
    return conversation


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="janus-agent", description=__doc__)
    commands = main_parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="work on a conversation with tools")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--conversation", metavar="FILE", help="OpenAI messages as JSON")
    source.add_argument("--prompt", metavar="TEXT", help="a single user message")
    run.add_argument("--pack", type=Path, default=None, help="agent pack directory")
    run.add_argument("--workspace", type=Path, default=Path.cwd(), help="default: cwd")
    run.add_argument("--model", default=os.environ.get("JANUS_AGENT_MODEL"))
    run.add_argument(
        "--time-budget",
        type=float,
        default=os.environ.get("JANUS_AGENT_TIME_BUDGET_S"),  # argparse converts it too
        metavar="SECONDS",
    )
    run.add_argument("--max-steps", type=int, default=None)
    run.add_argument("--platform-url", default=default_platform_url())

    artifacts = commands.add_parser("artifacts", help="announce the files of a directory")
    artifacts.add_argument("directory", type=Path, nargs="?", default=Path("artifacts"))

    wrapped = commands.add_parser("wrap", help="run another CLI agent against the platform")
    wrapped.add_argument("agent_command", metavar="COMMAND", help="run through /bin/sh")
    wrapped.add_argument("--platform-url", default=default_platform_url())
    return main_parser


def _token() -> str:
    token = os.environ.pop(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"janus-agent: set {TOKEN_ENV} to the request's platform token")
    return token


def _run(arguments: argparse.Namespace) -> int:
    # First of all: taking the token out of the environment keeps it from the tools.
    client = PlatformClient(arguments.platform_url, _token())
    pack = load_pack(arguments.pack or bundled_pack())
    model = arguments.model or pack.settings.get("model")
    if not model:
        raise SystemExit("janus-agent run: give --model (or set JANUS_AGENT_MODEL)")
    budget = Budget(
        max_steps=arguments.max_steps or int(pack.settings.get("max_steps", 12)),
        time_budget_s=arguments.time_budget or float(pack.settings.get("time_budget_s", 270)),
    )
    max_output = int(pack.settings.get("max_tool_output_chars", 6000))
    toolbox = Toolbox(arguments.workspace.resolve(), max_output, dict(os.environ))
    undefined = {tool["function"]["name"] for tool in pack.tools} - toolbox.names - {"finish"}
    if undefined:
        raise SystemExit(f"janus-agent run: the pack defines unknown tools {sorted(undefined)}")
    return Agent(client, pack, toolbox, model, budget).run(load_conversation(arguments))


def main(argv: list[str] | None = None) -> None:
    arguments = parser().parse_args(argv)
    if arguments.command == "artifacts":
        announce_artifacts(arguments.directory)
        sys.exit(0)
    if arguments.command == "wrap":
        sys.exit(wrap(arguments.agent_command, arguments.platform_url, _token()))
    sys.exit(_run(arguments))
