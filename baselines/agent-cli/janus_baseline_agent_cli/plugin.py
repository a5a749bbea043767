"""The ``janus`` entry point: registers the competitor ``baseline-agent-cli``."""

from __future__ import annotations

from janus.hookspecs import hookimpl
from janus_baseline_agent_cli.app import create_app

NAME = "baseline-agent-cli"


@hookimpl
def register_competitors(register):
    register(NAME, create_app)
