"""The ``janus`` entry point: registers the competitor under ``baseline-langchain``."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from janus.hookspecs import hookimpl

NAME = "baseline-langchain"


def create_app() -> web.Application:
    """Build the competitor's application.

    LangChain is imported here rather than at module level: every ``janus`` command loads
    every installed plugin, and importing LangChain takes over a second.
    """
    from janus_baseline_langchain.app import create_app as build

    return build()


@hookimpl
def register_competitors(register: Callable[..., None]) -> None:
    register(NAME, create_app)
