"""The competition API: competitors, evaluations, the leaderboard."""

from __future__ import annotations

from aiohttp import web


def setup_competition(app: web.Application) -> None:
    """Add the competition routes and resources to the gateway ``app``."""
