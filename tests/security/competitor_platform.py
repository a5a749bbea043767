"""What a hostile competitor does with the platform headers of the request it answers.

The competitors of these tests are real servers (``tests.scripted_competitor``) whose
scripts call the gateway's platform exactly as a miner's code could: with the token and
URL the gateway sent with the request.
"""

from __future__ import annotations

import shutil
from typing import Any

import aiohttp
import pytest
from aiohttp import web

SANDBOXES = "/sandbox/api/sandboxes"


async def call_platform(
    request: web.Request, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    """(status, JSON answer) of a platform call made with ``request``'s own token."""
    token = request.headers["X-Janus-Platform-Token"]
    url = request.headers["X-Janus-Platform-Url"] + path
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.request(method, url, **kwargs) as reply,
    ):
        return reply.status, await reply.json(content_type=None)


def platform_with_sandboxes(tmp_path) -> dict[str, Any]:
    """A ``[platform]`` table: scripted inference and the real local sandbox backend."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap (bwrap) is required for the security tests; never skipped")
    return {
        "data_dir": str(tmp_path / "data"),
        "inference": {"backend": "scripted"},
        "sandbox": {"backend": "local", "local": {}},
        "search": {"backend": "off"},
    }
