"""The platform, as a competitor sees it during one request.

The gateway sends ``X-Janus-Platform-Url`` and ``X-Janus-Platform-Token`` with every
request. The URL is ``http(s)://...`` or, for competitors the gateway runs itself,
``http+unix://<percent-encoded socket path>/platform``; both work the same here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiohttp
import httpx
import openai
from aiohttp import web

from janus.sse import DONE_MARKER, SSEParser

TOKEN_HEADER = "X-Janus-Platform-Token"
URL_HEADER = "X-Janus-Platform-Url"
_UNIX_HOST = "platform"


class PlatformError(Exception):
    """A platform call failed; the message is the platform's OpenAI-style error message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"platform answered HTTP {status}: {message}")
        self.status = status


class Platform:
    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.token = token
        self.socket_path: str | None = None
        if parts.scheme == "http+unix":
            self.socket_path = unquote(parts.netloc)
            self.base_url = f"http://{_UNIX_HOST}{parts.path}".rstrip("/")
        else:
            self.base_url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_request(cls, request: web.Request) -> Platform | None:
        url, token = request.headers.get(URL_HEADER), request.headers.get(TOKEN_HEADER)
        return cls(url, token) if url and token else None

    async def __aenter__(self) -> Platform:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def openai(self, **options: Any) -> openai.AsyncOpenAI:
        """An ``openai`` client for platform inference (the token is its API key)."""
        http_client = None
        if self.socket_path:
            transport = httpx.AsyncHTTPTransport(uds=self.socket_path)
            http_client = httpx.AsyncClient(
                transport=transport, timeout=options.pop("timeout", 600)
            )
        return openai.AsyncOpenAI(
            base_url=self.base_url + "/v1", api_key=self.token, http_client=http_client, **options
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.UnixConnector(path=self.socket_path) if self.socket_path else None
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            )
        return self._session

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.session.request(method, self.base_url + path, **kwargs) as response:
            body = await response.read()
            if response.status >= 400:
                raise PlatformError(response.status, _error_message(body))
            return json.loads(body) if body else None

    # Search ------------------------------------------------------------------------------

    async def search(self, query: str, top_k: int = 5) -> list[dict[str, Any]]:
        answer = await self.call("POST", "/v1/search", json={"query": query, "top_k": top_k})
        return answer["results"]

    # Sandboxes ---------------------------------------------------------------------------

    async def create_sandbox(self, **options: Any) -> str:
        answer = await self.call("POST", "/sandbox/api/sandboxes", json=options)
        return answer["id"]

    async def exec(self, sandbox_id: str, command: str | list[str], **options: Any) -> dict:
        return await self.call(
            "POST",
            f"/sandbox/api/sandboxes/{sandbox_id}/exec",
            json={"command": command, **options},
        )

    async def exec_stream(
        self, sandbox_id: str, command: str | list[str], **options: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """Output events as they come: ``stdout``/``stderr`` data, then ``exit``."""
        path = f"/sandbox/api/sandboxes/{sandbox_id}/exec/stream"
        async with self.session.post(
            self.base_url + path, json={"command": command, **options}
        ) as response:
            if response.status >= 400:
                raise PlatformError(response.status, _error_message(await response.read()))
            parser = SSEParser()
            async for received in response.content.iter_any():
                for event in parser.feed(received):
                    if event.data == DONE_MARKER:
                        return
                    parsed = json.loads(event.data)
                    if "error" in parsed:
                        raise PlatformError(500, parsed["error"].get("message", ""))
                    yield parsed

    async def write_file(self, sandbox_id: str, path: str, content: str | bytes) -> None:
        if isinstance(content, bytes):
            body = {
                "path": path,
                "content": base64.b64encode(content).decode(),
                "encoding": "base64",
            }
        else:
            body = {"path": path, "content": content}
        await self.call("POST", f"/sandbox/api/sandboxes/{sandbox_id}/files/write", json=body)

    async def read_file(self, sandbox_id: str, path: str) -> bytes:
        answer = await self.call(
            "GET",
            f"/sandbox/api/sandboxes/{sandbox_id}/files/read",
            params={"path": path, "encoding": "base64"},
        )
        return base64.b64decode(answer["content"])

    async def terminate(self, sandbox_id: str) -> None:
        await self.call("POST", f"/sandbox/api/sandboxes/{sandbox_id}/terminate")

    def artifact_url(self, sandbox_id: str, path: str) -> str:
        """The URL to put in an artifact descriptor for ``/workspace/artifacts/<path>``;
        the gateway re-hosts it for the client."""
        return f"{self.base_url}/sandbox/api/sandboxes/{sandbox_id}/artifacts/{quote(path)}"


def _error_message(body: bytes) -> str:
    try:
        return json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return body[:300].decode("utf-8", "replace")
