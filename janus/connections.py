"""Connection hygiene on the gateway's sockets: no client holds connections for free.

aiohttp reads a request head for as long as a client cares to send it and keeps any
number of connections per address, so a few idle sockets per client ("slowloris") can
use up every file descriptor before any authentication runs. Here its protocol,
``RequestHandler``, gets what it lacks:

- a **head timeout**: a connection must deliver a complete request head within
  ``header_timeout_s`` of opening, and of its first byte when it is kept alive between
  requests; otherwise it is closed;
- a **body timeout**: a request body still arriving ``body_timeout_s`` after its head is
  cut off: whoever reads it gets a 408 ``request_timeout`` error, and the connection is
  closed after the answer;
- an **idle timeout**: a kept-alive connection with no request is closed after
  ``idle_timeout_s`` (aiohttp's own keep-alive timer);
- a **per-address cap**: at most ``max_per_client`` connections from one TCP peer address
  at once; more are closed as they are accepted, before a byte is read. Peers in
  ``exempt`` (trusted proxies, which funnel many clients through one address) and unix
  socket peers are not counted.

On the hot path a request that arrives whole costs nothing more than one timer per
connection (cancelled when the first head is parsed); a body timer is started only for a
body that is still arriving when its head has been read.

This leans on aiohttp internals (``_request_count``, ``_messages``, ``_waiter``,
``_lingering_time``) that ``RequestHandler`` has had through 3.x; tests/security/
test_slowloris.py fails loudly if they change meaning.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from janus.config import GatewayConfig, IPNetwork
from janus.errors import JanusError


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float
    idle_timeout_s: float
    max_per_client: int  # 0: no cap
    exempt: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_config(cls, gateway: GatewayConfig) -> ConnectionLimits:
        return cls(
            header_timeout_s=gateway.header_timeout_s,
            body_timeout_s=gateway.body_timeout_s,
            idle_timeout_s=gateway.idle_timeout_s,
            max_per_client=gateway.max_connections_per_client,
            exempt=tuple(gateway.trusted_proxies),
        )


def body_timed_out(limit_s: float) -> JanusError:
    return JanusError(
        f"The request body did not arrive within {limit_s:g} s.",
        status=408,
        code="request_timeout",
    )


class PeerCounts:
    """Open connections per peer address, for the per-address cap."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: dict[str, int] = {}

    def admit(self, peer: str) -> bool:
        """Count one more connection from ``peer``; False (not counted) when over the cap."""
        held = self._open.get(peer, 0)
        if held >= self.limits.max_per_client and not self._exempt(peer):
            return False
        self._open[peer] = held + 1
        return True

    def release(self, peer: str) -> None:
        held = self._open.pop(peer, 0) - 1
        if held > 0:
            self._open[peer] = held

    def _exempt(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.limits.exempt)


def guarded_protocol(
    server: web.Server, limits: ConnectionLimits, **handler_args: Any
) -> Callable[[], RequestHandler]:
    """The protocol factory for ``loop.create_server``: ``server``'s handlers, guarded."""
    loop = asyncio.get_running_loop()
    counts = PeerCounts(limits) if limits.max_per_client else None
    handler_args["keepalive_timeout"] = limits.idle_timeout_s

    def protocol() -> RequestHandler:
        return GuardedRequestHandler(server, limits, counts, loop=loop, **handler_args)

    return protocol


class GuardedRequestHandler(RequestHandler):
    """aiohttp's protocol with the head and body timeouts and the per-address cap."""

    __slots__ = ("_admitted", "_body", "_body_timer", "_counts", "_head_timer", "_limits", "_peer")

    def __init__(
        self,
        manager: web.Server,
        limits: ConnectionLimits,
        counts: PeerCounts | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(manager, **kwargs)
        self._limits = limits
        self._counts = counts
        self._peer: str | None = None
        self._admitted = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body: Any = None  # the StreamReader of a body still arriving
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = _tcp_peer(transport.get_extra_info("peername"))
        if peer is not None and self._counts is not None:
            if not self._counts.admit(peer):
                transport.abort()  # refused before a byte is read: no parsing, no auth
                return
            self._peer = peer
        self._admitted = True
        super().connection_made(transport)
        self._head_timer = self._loop.call_later(
            self._limits.header_timeout_s, self._head_timed_out
        )

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self._admitted:
            return
        self._admitted = False
        if self._peer is not None and self._counts is not None:
            self._counts.release(self._peer)
        self._cancel_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        heads = self._request_count
        super().data_received(data)
        if self._request_count != heads:
            self._head_arrived()
        elif self._head_timer is None and self._waiter is not None and data:
            # Idle between requests, and the next head has begun: it gets the same time.
            self._head_timer = self._loop.call_later(
                self._limits.header_timeout_s, self._head_timed_out
            )
        if self._body is not None and self._body.is_eof():
            self._cancel_body_timer()

    def _head_arrived(self) -> None:
        self._cancel_head_timer()
        if self._body is not None or not self._messages:
            return
        _, payload = self._messages[-1]
        if not payload.is_eof():
            self._body = payload
            self._body_timer = self._loop.call_later(
                self._limits.body_timeout_s, self._body_timed_out
            )

    def _head_timed_out(self) -> None:
        self._head_timer = None
        self.force_close()

    def _body_timed_out(self) -> None:
        body, self._body, self._body_timer = self._body, None, None
        if body is None or body.is_eof():
            return
        # The rest of the body is not worth waiting for: answer, then close.
        self._lingering_time = 0.0
        body.set_exception(body_timed_out(self._limits.body_timeout_s))

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body_timer(self) -> None:
        self._body = None
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None


def _tcp_peer(peername: Sequence[Any] | str | None) -> str | None:
    """The peer's IP address, or None for a unix socket (not capped)."""
    if isinstance(peername, tuple) and peername:
        return str(peername[0])
    return None
