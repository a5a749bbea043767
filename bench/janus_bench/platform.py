"""Calling the target's platform services (sandbox, inference) with the bench's key.

The bench uses the platform for two things, grading code in a sandbox and asking the LLM
judge. Both need the same thing: an authenticated JSON call whose every failure
(unreachable, refused, not JSON) becomes the caller's own "unavailable" exception, so a
run can stop with one clear line instead of scoring answers 0.
"""

from __future__ import annotations

import json

import aiohttp


class PlatformService:
    """JSON calls to ``platform_url + prefix``; failures raise ``unavailable``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        platform_url: str,
        prefix: str,
        key: str,
        unavailable: type[Exception],
    ) -> None:
        self._session = session
        self._base = platform_url.rstrip("/") + prefix
        self._headers = {"Authorization": f"Bearer {key}"}
        self._unavailable = unavailable

    async def call(self, method: str, path: str, **kwargs) -> dict:
        url = self._base + path
        try:
            async with self._session.request(
                method, url, headers=self._headers, **kwargs
            ) as response:
                text = await response.text(errors="replace")
                if response.status >= 400:
                    raise self._unavailable(
                        f"{method} {url}: HTTP {response.status}: {_message(text)}"
                    )
                return json.loads(text)
        except (aiohttp.ClientError, ValueError) as exc:
            raise self._unavailable(f"{method} {url}: {exc}") from None


def _message(text: str) -> str:
    """The OpenAI-shaped error's message, else the start of the body."""
    try:
        return str(json.loads(text)["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return text[:300]
