"""HMAC signatures over JSON values: the gateway's meters and signed bench results.

A value is signed in one canonical form (keys sorted, no spaces, UTF-8), so whoever
parses and re-serialises it (the bench reading an SSE chunk, the gateway reading a posted
result) checks exactly what was signed. Each use has its own key: a meter key is derived
from the platform secret like the token key (``janus.platform.tokens.derive_key``), a
result signer's key is shared between the signer and the operator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from janus.platform.tokens import derive_key

SIGNATURE_KEY = "signature"
_PREFIX = "hs1."
METER_PURPOSE = "metered-usage"


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def sign(key: bytes, value: Any) -> str:
    digest = hmac.new(key, canonical(value), hashlib.sha256).digest()
    return _PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_valid(key: bytes, value: Any, signature: Any) -> bool:
    if not isinstance(signature, str):
        return False
    try:
        expected = sign(key, value)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode(), signature.encode())


def meter_key(platform_secret: bytes) -> bytes:
    """The key ``usage.janus_metered`` is signed with, derived from the platform secret."""
    return derive_key(platform_secret, METER_PURPOSE)


def sign_meter(key: bytes, metered: dict[str, Any]) -> dict[str, Any]:
    """``metered`` with its ``signature`` (over every other field)."""
    unsigned = {k: v for k, v in metered.items() if k != SIGNATURE_KEY}
    return {**unsigned, SIGNATURE_KEY: sign(key, unsigned)}


def meter_is_valid(key: bytes, metered: Any) -> bool:
    """Whether ``metered`` is exactly what the gateway holding ``key`` signed."""
    if not isinstance(metered, dict):
        return False
    unsigned = {k: v for k, v in metered.items() if k != SIGNATURE_KEY}
    return is_valid(key, unsigned, metered.get(SIGNATURE_KEY))


def sign_result(key: bytes, signer: str, body: dict[str, Any]) -> dict[str, Any]:
    """A bench result to import, signed by ``signer`` (a ``trusted_signers`` name)."""
    unsigned = {k: v for k, v in body.items() if k != SIGNATURE_KEY}
    return {**unsigned, SIGNATURE_KEY: {"signer": signer, "value": sign(key, unsigned)}}
