"""Who the client is, address-wise, when the gateway sits behind proxies.

``X-Forwarded-For`` is a list anyone can write to, so it is read only from a trusted
proxy, and then from the right: each trusted hop vouches for the one before it, and the
first hop that is not a trusted proxy is the client. Without trusted proxies the peer
address is the client, whatever the header says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from janus.config import IPNetwork

UNIX_SOCKET = "unix"


def client_address(request: web.Request, trusted: Sequence[IPNetwork]) -> str:
    peer = request.remote or UNIX_SOCKET
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    nearest = peer
    for hop in reversed([hop for hop in hops if hop]):
        if not _parses(hop):
            break  # a garbled entry: the last trusted proxy is all that can be vouched for
        if not _is_trusted(hop, trusted):
            return hop
        nearest = hop
    return nearest


def _parses(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
