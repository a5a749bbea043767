"""The ``http`` search backend: a search API speaking SearXNG's JSON format.

SearXNG answers ``GET {url}/search?q=...&format=json`` (the instance must list ``json``
under ``search.formats``, or it answers 403) with ``{"results": [{"title", "url",
"content", "score", ...}, ...]}``, best first. What competitors see of a failure is kept
vague on purpose: the instance's address is the operator's business, so it goes to the log.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, field_validator

from janus.config import ConfigError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext, SearchResult
from janus.platform.search import search_backend_failed

log = logging.getLogger("janus.platform.search")


class HttpSearchBackend:
    class Settings(BaseModel):
        """``[platform.search.http]``."""

        model_config = ConfigDict(extra="forbid")
        url: str  # the instance's base URL; queries go to {url}/search
        # Environment variable holding a key, sent as a bearer token (for instances behind
        # an authenticating proxy); never the key itself.
        api_key_env: str | None = None
        timeout_s: float = Field(10.0, gt=0)
        # Extra query parameters for every search, e.g. {categories = "science"}.
        params: dict[str, str] = Field(default_factory=dict)

        @field_validator("url")
        @classmethod
        def _http_url(cls, url: str) -> str:
            if not url.startswith(("http://", "https://")):
                raise ValueError("must start with http:// or https://")
            return url.rstrip("/")

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        self.settings = settings
        self._headers = {"Accept": "application/json"}
        if settings.api_key_env:
            key = os.environ.get(settings.api_key_env)
            if not key:
                raise ConfigError(
                    f"platform.search.http.api_key_env: ${settings.api_key_env} is not set"
                )
            self._headers["Authorization"] = f"Bearer {key}"
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s)
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def describe(self) -> str:
        return f"SearXNG-style search API at {self.settings.url}"

    async def search(self, query: str, top_k: int) -> list[SearchResult]:
        assert self._session is not None, "search() before start()"
        params = {**self.settings.params, "q": query, "format": "json"}
        endpoint = f"{self.settings.url}/search"
        try:
            async with self._session.get(endpoint, params=params) as response:
                if response.status != 200:
                    log.warning("search backend %s answered HTTP %d", endpoint, response.status)
                    raise search_backend_failed(
                        f"The search backend failed (HTTP {response.status})."
                    )
                payload = await response.json(content_type=None)
        except TimeoutError:
            log.warning("search backend %s timed out", endpoint)
            raise search_backend_failed(
                f"The search backend did not answer within {self.settings.timeout_s:g} s."
            ) from None
        except aiohttp.ClientError as exc:
            log.warning("search backend %s unreachable: %s", endpoint, exc)
            raise search_backend_failed("The search backend could not be reached.") from None
        except ValueError:
            log.warning("search backend %s answered something other than JSON", endpoint)
            raise search_backend_failed(
                "The search backend answered something other than JSON."
            ) from None
        return parse_results(payload, top_k)


def parse_results(payload: Any, top_k: int) -> list[SearchResult]:
    """The first ``top_k`` usable results of a SearXNG answer.

    Results without a URL (SearXNG's answer boxes) are skipped. A result without a numeric
    ``score`` gets ``1 / rank``, which keeps SearXNG's order and "higher is better". No
    results while engines report failures is a failed search, not an empty one.
    """
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise search_backend_failed('The search backend answered without a "results" list.')
    if not results and payload.get("unresponsive_engines"):
        raise search_backend_failed("The search backend's engines did not respond.")
    found: list[SearchResult] = []
    for rank, item in enumerate(results, start=1):
        if len(found) == top_k:
            break
        if not isinstance(item, dict) or not isinstance(url := item.get("url"), str) or not url:
            continue
        title, content, score = item.get("title"), item.get("content"), item.get("score")
        found.append(
            SearchResult(
                title=title if isinstance(title, str) and title else url,
                url=url,
                snippet=content if isinstance(content, str) else "",
                score=float(score) if _is_number(score) else 1.0 / rank,
            )
        )
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@hookimpl
def register_search_backends(register) -> None:
    register("http", HttpSearchBackend)
