"""The chat model: LangChain's ``ChatOpenAI`` on the platform's inference.

The request's platform token is the API key, so everything the model spends is metered
against the client request. A subprocess competitor has no network at all and reaches the
platform over a unix socket (``http+unix://`` platform URL); ``httpx`` speaks that through
its transport, which ``ChatOpenAI`` accepts as ``http_async_client``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from langchain_openai import ChatOpenAI

from janus.competitor.platform import Platform
from janus_baseline_langchain.settings import Settings

# Request fields passed on to every model call, under ChatOpenAI's name for them.
_SAMPLING = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "stop": "stop",
    "max_tokens": "max_completion_tokens",
    "max_completion_tokens": "max_completion_tokens",
}


def sampling_options(body: dict[str, Any]) -> dict[str, Any]:
    """The client's sampling settings, as ``ChatOpenAI`` keyword arguments."""
    options = {_SAMPLING[field]: body[field] for field in _SAMPLING if body.get(field) is not None}
    if isinstance(options.get("stop"), str):
        options["stop"] = [options["stop"]]
    return options


class ModelChooser:
    """Which model to ask the platform for: the configured one, else the first the platform
    lists — asked once per platform, since the list does not change while it runs."""

    def __init__(self, configured: str | None) -> None:
        self._configured = configured
        self._discovered: dict[str, str] = {}

    async def name(self, platform: Platform) -> str:
        if self._configured:
            return self._configured
        if platform.base_url not in self._discovered:
            listed = (await platform.call("GET", "/v1/models")).get("data") or []
            if not listed:
                raise LookupError("the platform lists no models; set JANUS_LANGCHAIN_MODEL")
            self._discovered[platform.base_url] = listed[0]["id"]
        return self._discovered[platform.base_url]


@contextlib.asynccontextmanager
async def chat_model(
    platform: Platform, name: str, settings: Settings, options: dict[str, Any]
) -> AsyncIterator[ChatOpenAI]:
    """A ``ChatOpenAI`` for this request; its HTTP client is closed when the block ends."""
    transport = httpx.AsyncHTTPTransport(uds=platform.socket_path) if platform.socket_path else None
    async with httpx.AsyncClient(transport=transport, timeout=settings.model_timeout_s) as client:
        yield ChatOpenAI(
            model=name,
            base_url=platform.base_url + "/v1",
            api_key=platform.token,
            http_async_client=client,
            timeout=settings.model_timeout_s,
            max_retries=settings.model_retries,
            stream_usage=True,  # so that every streamed call reports its usage
            use_responses_api=False,  # the platform speaks Chat Completions only
            **options,
        )
