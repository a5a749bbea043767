"""Secure by default: a gateway reachable from other machines must authenticate clients.

An open gateway on a public address lets anyone spend the operator's inference and
sandbox budget, so start-up stops unless a guardrail authenticates clients or the operator
says ``[guardrails] allow_unauthenticated_public = true`` on purpose.
"""

from __future__ import annotations

import ipaddress

from janus.config import Config, ConfigError
from janus.gateway.guardrails import Guardrails

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for loopback addresses and names; a name we cannot judge counts as public."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_open_public_bind(config: Config, guardrails: Guardrails) -> None:
    host = config.gateway.host
    if (
        is_loopback(host)
        or guardrails.authenticates_clients
        or config.guardrails.allow_unauthenticated_public
    ):
        return
    raise ConfigError(
        f"gateway.host: refusing to serve {host}, a non-loopback address, without client "
        "authentication: anyone who can reach it could spend your inference and sandbox "
        'budget. Enable the "client-auth" guardrail with at least one key '
        '([guardrails] enabled = ["client-auth"], [guardrails.client-auth] keys = [...] or '
        "keys_env), bind to 127.0.0.1, or set [guardrails] allow_unauthenticated_public = "
        "true if another layer authenticates clients."
    )
