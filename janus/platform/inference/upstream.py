"""An upstream OpenAI-compatible provider (e.g. Chutes), reached with the platform's key.

Competitors never see this key: they call the platform with their request's token, and
the platform calls the provider. Streams always ask the provider for usage, since that is
what the platform meters.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from janus.config import ConfigError
from janus.errors import JanusError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext
from janus.sse import DONE_MARKER, SSEError, SSEParser

DEFAULT_BASE_URL = "https://llm.chutes.ai/v1"
DEFAULT_KEY_ENV = "CHUTES_API_KEY"
_CLIENT_FAULTS = frozenset({400, 404, 413, 422})


class UpstreamInference:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        base_url: str = DEFAULT_BASE_URL
        api_key_env: str = DEFAULT_KEY_ENV
        # Names competitors may use → the provider's model ids.
        aliases: dict[str, str] = Field(default_factory=dict)
        # Models to advertise on /platform/v1/models; empty means ask the provider.
        models: list[str] = Field(default_factory=list)
        timeout_s: float = Field(600.0, gt=0)

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        key = os.environ.get(self.settings.api_key_env)
        if not key:
            raise ConfigError(
                f"platform.inference.upstream.api_key_env: ${self.settings.api_key_env} is not "
                "set; set it, or choose the local backend"
            )
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {key}"},
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def describe(self) -> str:
        return f"upstream provider {self.base_url} (key from ${self.settings.api_key_env})"

    async def list_models(self) -> list[str]:
        if self.settings.models:
            return [*self.settings.aliases, *self.settings.models]
        async with self._session.get(f"{self.base_url}/models") as response:
            if response.status != 200:
                raise provider_failed(f"the inference provider answered HTTP {response.status}")
            listed = await response.json()
        return [*self.settings.aliases, *(model["id"] for model in listed.get("data", []))]

    def _resolve(self, request: dict[str, Any], stream: bool) -> dict[str, Any]:
        body = dict(request)
        body["model"] = self.settings.aliases.get(request["model"], request["model"])
        body["stream"] = stream
        if stream:
            body["stream_options"] = {
                **(request.get("stream_options") or {}),
                "include_usage": True,
            }
        return body

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._session.post(
                f"{self.base_url}/chat/completions", json=self._resolve(request, stream=False)
            ) as response:
                if response.status != 200:
                    raise await _provider_error(response)
                return await response.json()
        except aiohttp.ClientError as exc:
            raise provider_failed(f"the inference provider is unreachable: {exc}") from exc

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            async with self._session.post(
                f"{self.base_url}/chat/completions", json=self._resolve(request, stream=True)
            ) as response:
                if response.status != 200:
                    raise await _provider_error(response)
                parser = SSEParser()
                async for received in response.content.iter_any():
                    for event in parser.feed(received):
                        if event.data == DONE_MARKER:
                            return
                        yield json.loads(event.data)
        except (aiohttp.ClientError, SSEError, ValueError) as exc:
            raise provider_failed(f"the inference provider's stream broke: {exc}") from exc


async def _provider_error(response: aiohttp.ClientResponse) -> JanusError:
    """Relay the provider's complaint about the request; anything else is a 502."""
    text = (await response.text())[:500]
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = text
    if response.status in _CLIENT_FAULTS:
        return JanusError(
            f"the inference provider refused the request: {message}", status=response.status
        )
    return provider_failed(f"the inference provider answered HTTP {response.status}: {message}")


def provider_failed(message: str) -> JanusError:
    return JanusError(message, status=502, type="upstream_error", code="inference_backend_failed")


@hookimpl
def register_inference_backends(register):
    register("upstream", UpstreamInference)
