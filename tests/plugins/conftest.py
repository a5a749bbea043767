"""Throw-away plugin distributions, built and installed once per session.

Each is a real setuptools distribution declaring ``janus`` entry points, installed with
``pip --target`` into its own directory, never into the running environment: a test
puts that directory on ``PYTHONPATH`` (subprocesses) or ``sys.path`` (in-process).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.distributions import build_distribution, install_distribution

TINY_VERSION = "0.3.1"

TINY_PLUGIN = '''\
"""A third-party plugin: a router, a competitor and a command."""

import click
from aiohttp import web

from janus.hookspecs import hookimpl


class TinyRouter:
    async def route(self, request, pool):
        return list(pool)


def make_competitor(**settings):
    async def health(request):
        return web.json_response({"status": "ok", "competitor": "tiny-echo"})

    app = web.Application()
    app.router.add_get("/health", health)
    return app


@hookimpl
def register_routers(register):
    register("tiny-router", TinyRouter())


@hookimpl
def register_competitors(register):
    register("tiny-echo", make_competitor)


@hookimpl
def register_commands(cli):
    @cli.command()
    @click.option("--name", default="world")
    def hello(name):
        """Say hello from the tiny plugin."""
        click.echo(f"hello {name}, from tiny")
'''

# Each broken plugin has its own entry point, so JANUS_PLUGINS picks which one breaks.
BROKEN_MODULES = {
    "badhook_plugin": '''\
from janus.hookspecs import hookimpl


@hookimpl
def register_routers(register):
    register("badhook-router", object())


@hookimpl
def not_a_hook():
    """A typo'd or unsupported hook: must fail at start-up, not be silently ignored."""
''',
    "boom_plugin": 'raise RuntimeError("boom at import time")\n',
    "badargs_plugin": '''\
from janus.hookspecs import hookimpl


@hookimpl
def register_routers(reg):
    """The argument is misnamed: pluggy rejects it at registration."""
''',
    "dupe_plugin": """\
from janus.hookspecs import hookimpl


@hookimpl
def register_routers(register):
    register("by-model", object())
""",
}


@pytest.fixture(scope="session")
def tiny_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the installed ``janus-tiny`` distribution (entry point ``tiny``)."""
    root = tmp_path_factory.mktemp("tiny-src")
    package = build_distribution(root, "janus-tiny", TINY_VERSION, {"tiny_plugin": TINY_PLUGIN})
    return install_distribution(package, tmp_path_factory.mktemp("tiny-site"))


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``janus-broken``: entry points ``badhook``, ``boom``, ``badargs`` and ``dupe``."""
    root = tmp_path_factory.mktemp("broken-src")
    package = build_distribution(root, "janus-broken", "0.0.7", BROKEN_MODULES)
    return install_distribution(package, tmp_path_factory.mktemp("broken-site"))
