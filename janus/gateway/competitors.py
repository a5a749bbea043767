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
from janus.gateway.arena.standings import ArenaStandings

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
        """Send the client's body unchanged; the caller owns the response context.

        A redirect is never followed: it would re-send the client's body and a platform
        token to wherever the competitor points (SSRF). A 3xx is a failed answer."""
        return self.session.post(self.chat_url, data=body, headers=headers, allow_redirects=False)


class CompetitorPool:
    """The configured competitors, in configuration order, then those the competition
    admitted at run time.

    ``ranking`` is the leaderboard's order (champion first) as competitor ids; the
    competition keeps it current, and the ``champion`` router reads it. ``arena`` is the
    arena's board as the ``arena`` router reads it (the arena keeps it current).
    """

    def __init__(
        self,
        competitors: list[Competitor],
        default: str | None,
        fallbacks: list[str],
        session: aiohttp.ClientSession | None = None,
    ):
        self._by_id = {competitor.id: competitor for competitor in competitors}
        self._configured = frozenset(self._by_id)
        self._session = session
        self.default = self._by_id.get(default) if default else None
        self.fallbacks = [self._by_id[competitor_id] for competitor_id in fallbacks]
        self.ranking: tuple[str, ...] = ()
        self._own_sessions: dict[str, aiohttp.ClientSession] = {}
        self._retired: list[aiohttp.ClientSession] = []
        self.arena = ArenaStandings()

    def get(self, competitor_id: str) -> Competitor | None:
        return self._by_id.get(competitor_id)

    def is_configured(self, competitor_id: str) -> bool:
        return competitor_id in self._configured

    def add(
        self,
        competitor_id: str,
        name: str,
        base_url: str,
        *,
        unix_socket: str | None = None,
        platform_url: str | None = None,
    ) -> Competitor:
        """Admit (or update) a competitor reached over HTTP(S) at ``base_url``, or over
        the ``unix_socket`` a runtime gave it (then ``base_url`` only names it)."""
        if competitor_id in self._configured:
            raise ValueError(f"'{competitor_id}' is a configured competitor")
        assert self._session is not None, "this pool has no HTTP client to share"
        self._release(competitor_id)
        session = self._session
        if unix_socket is not None:
            connector = aiohttp.UnixConnector(path=unix_socket, limit=0)
            session = aiohttp.ClientSession(
                connector=connector, timeout=self._session.timeout, auto_decompress=True
            )
            self._own_sessions[competitor_id] = session
        competitor = Competitor(competitor_id, name, base_url.rstrip("/"), session, platform_url)
        self._by_id[competitor_id] = competitor
        return competitor

    def remove(self, competitor_id: str) -> None:
        """Let an admitted competitor go (configured ones stay: the configuration rules)."""
        if competitor_id in self._configured:
            raise ValueError(f"'{competitor_id}' is a configured competitor")
        self._by_id.pop(competitor_id, None)
        self._release(competitor_id)

    def _release(self, competitor_id: str) -> None:
        """Close the competitor's own client, if it had one, once its streams are over."""
        if (session := self._own_sessions.pop(competitor_id, None)) is not None:
            self._retired.append(session)

    async def close(self) -> None:
        """Close the clients of admitted competitors."""
        sessions = [*self._own_sessions.values(), *self._retired]
        self._own_sessions, self._retired = {}, []
        for session in sessions:
            await session.close()

    def admitted(self) -> list[str]:
        """The ids of the competitors added at run time."""
        return [
            competitor_id for competitor_id in self._by_id if competitor_id not in self._configured
        ]

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
    pool = CompetitorPool(competitors, config.routing.default, config.routing.fallbacks, tcp)
    try:
        yield pool
    finally:
        await pool.close()
        for session in sessions:
            await session.close()
