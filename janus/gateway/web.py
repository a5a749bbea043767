"""The web UI: static pages served from the installed package."""

from __future__ import annotations

from aiohttp import web


def setup_web(app: web.Application) -> None:
    """Serve the UI's pages and assets at ``/``."""
