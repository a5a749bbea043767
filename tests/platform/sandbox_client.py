"""A client for the sandbox API of a live gateway, shared by the local and Sandy tests."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SandboxApi:
    gateway: str
    token: str

    async def call(
        self, method: str, path: str = "", token: str | None = None, **kwargs: Any
    ) -> Reply:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        url = f"{self.gateway}/platform/sandbox/api/sandboxes{path}"
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.request(method, url, **kwargs) as response,
        ):
            return Reply(response.status, await response.read(), dict(response.headers))

    async def create(self, **body: Any) -> str:
        reply = await self.call("POST", json=body)
        assert reply.status == 201, reply.body
        return reply.json()["id"]

    async def exec(self, sandbox_id: str, command: Any, **body: Any) -> dict[str, Any]:
        reply = await self.call("POST", f"/{sandbox_id}/exec", json={"command": command, **body})
        assert reply.status == 200, reply.body
        return reply.json()
