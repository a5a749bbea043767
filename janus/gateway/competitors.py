"""The competitor pool: who can answer, and one pooled HTTP client to reach them.

Competitors are reached over HTTP or a unix socket. Connections are pooled without a cap
(aiohttp's default of 100 would silently queue the 101st concurrent stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from janus.config import Config

UNIX_PREFIX = "unix:"


class CompetitorFailed(Exception):
    """A competitor did not deliver a valid answer.

    ``retryable`` failures (unreachable, 5xx, 429, broken stream) let the gateway try the
    next candidate as long as nothing reached the client yet; others are the client's own
    fault as judged by the competitor and are returned to the client as they are.
    """

    def __init__(
        self,
        competitor_id: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        error_body: dict | None = None,
    ) -> None:
        super().__init__(f"competitor '{competitor_id}' {message}")
        self.competitor_id = competitor_id
        self.status = status
        self.retryable = retryable
        self.error_body = error_body


@dataclass(frozen=True)
class Competitor:
    id: str
    name: str
    base_url: str
    session: aiohttp.ClientSession
    # Where this competitor reaches the platform, when it differs from the gateway's
    # public address (a subprocess competitor uses the platform's unix socket).
    platform_url: str | None = None

    @property
    def chat_url(self) -> str:
        return self.base_url + "/v1/chat/completions"

    def post_chat(self, body: bytes, headers: dict[str, str]):
        """Send the client's body unchanged; the caller owns the response context."""
        return self.session.post(self.chat_url, data=body, headers=headers)


class CompetitorPool:
    """The configured competitors, in configuration order."""

    def __init__(self, competitors: list[Competitor], default: str | None, fallbacks: list[str]):
        self._by_id = {competitor.id: competitor for competitor in competitors}
        self.default = self._by_id.get(default) if default else None
        self.fallbacks = [self._by_id[competitor_id] for competitor_id in fallbacks]

    def get(self, competitor_id: str) -> Competitor | None:
        return self._by_id.get(competitor_id)

    def __iter__(self) -> Iterator[Competitor]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)


def _session(config: Config, connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=config.gateway.connect_timeout_s,
        sock_connect=config.gateway.connect_timeout_s,
    )
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=True)


@asynccontextmanager
async def open_pool(
    config: Config, local: dict[str, tuple[str, str | None]]
) -> AsyncIterator[CompetitorPool]:
    """Open the HTTP clients for every configured competitor and close them afterwards.

    ``local`` maps each subprocess competitor's id to its socket path and platform URL.
    """
    tcp = _session(config, aiohttp.TCPConnector(limit=0, keepalive_timeout=30))
    sessions = [tcp]
    competitors = []
    for spec in config.competitors:
        url, platform_url = spec.url or "", None
        if spec.id in local:
            socket_path, platform_url = local[spec.id]
            url = UNIX_PREFIX + socket_path
        session = tcp
        if url.startswith(UNIX_PREFIX):
            path = url.removeprefix(UNIX_PREFIX).removeprefix("//")
            session = _session(config, aiohttp.UnixConnector(path=path, limit=0))
            sessions.append(session)
        base_url = f"http://{spec.id}" if url.startswith(UNIX_PREFIX) else url
        competitors.append(
            Competitor(spec.id, spec.name or spec.id, base_url, session, platform_url)
        )
    try:
        yield CompetitorPool(competitors, config.routing.default, config.routing.fallbacks)
    finally:
        for session in sessions:
            await session.close()
