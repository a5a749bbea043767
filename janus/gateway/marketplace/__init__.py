"""The marketplace API: registered components, their manifests and their use."""

from __future__ import annotations

from aiohttp import web


def setup_marketplace(app: web.Application) -> None:
    """Add the marketplace routes to the gateway ``app``."""
