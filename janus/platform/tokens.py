"""Platform tokens: short-lived, bound to one client request and one competitor.

Tokens are HMAC-signed and carry their own claims, so any gateway replica sharing the
secret can verify them without a lookup; they expire with the request's deadline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass

TOKEN_HEADER = "X-Janus-Platform-Token"
PLATFORM_URL_HEADER = "X-Janus-Platform-Url"
_PREFIX = "jpt1"


def owner_of(competitor_id: str, request_id: str | None) -> str:
    """Who owns what a grant creates: one competitor's work for one request (the gateway's
    request id, never the client's), or ``<competitor>/*`` for its standing key."""
    return f"{competitor_id}/{request_id or '*'}"


@dataclass(frozen=True, slots=True)
class Grant:
    """Who may spend what: a request of a competitor, or a competitor's standing key."""

    competitor_id: str
    request_id: str | None  # None for a long-lived competitor key
    expires_at: float  # wall-clock seconds; inf for long-lived keys

    @property
    def owner(self) -> str:
        """What owns resources created under this grant (sandboxes, for instance)."""
        return owner_of(self.competitor_id, self.request_id)


def platform_secret(secret_env: str, environ=os.environ) -> bytes:
    """The gateway's signing secret: from the named variable (shared by replicas), else
    random for this process."""
    return environ.get(secret_env, "").encode() or secrets.token_bytes(32)


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A separate key per use of the secret, so a signature for one is never valid for
    another."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PlatformTokens:
    """Mints and verifies tokens; also knows each competitor's long-lived key, if any."""

    def __init__(self, secret: bytes, competitor_keys: dict[str, str] | None = None) -> None:
        self._secret = derive_key(secret, "platform-tokens")
        self._keys = {
            hashlib.sha256(key.encode()).digest(): competitor_id
            for competitor_id, key in (competitor_keys or {}).items()
        }

    @classmethod
    def from_environment(
        cls,
        secret: bytes,
        key_envs: dict[str, str],
        environ=os.environ,
        extra_keys: dict[str, str] | None = None,
    ) -> PlatformTokens:
        """Tokens signed with ``secret``, plus competitors' keys from the named variables.

        ``extra_keys`` are standing keys held by the gateway itself (the admin key, which
        the bench uses for its sandbox work), keyed by whom their use is metered against.
        """
        keys = {cid: environ[env] for cid, env in key_envs.items() if environ.get(env)}
        return cls(secret, {**keys, **(extra_keys or {})})

    def mint(self, competitor_id: str, request_id: str, expires_at: float) -> str:
        claims = _b64(json.dumps([competitor_id, request_id, round(expires_at, 3)]).encode())
        return f"{_PREFIX}.{claims}.{self._sign(claims)}"

    def verify(self, token: str, now: float | None = None) -> Grant | None:
        """The grant behind a live token or a competitor key; None for anything else
        (non-ASCII text included: no token or key has any)."""
        if not token.isascii():
            return None
        if token.startswith(_PREFIX + "."):
            return self._verify_token(token, time.time() if now is None else now)
        competitor_id = self._keys.get(hashlib.sha256(token.encode()).digest())
        return Grant(competitor_id, None, float("inf")) if competitor_id else None

    def _verify_token(self, token: str, now: float) -> Grant | None:
        try:
            _, claims, signature = token.split(".")
        except ValueError:
            return None
        if not hmac.compare_digest(signature, self._sign(claims)):
            return None
        try:
            competitor_id, request_id, expires_at = json.loads(_unb64(claims))
        except (ValueError, TypeError):
            return None
        if now >= expires_at:
            return None
        return Grant(competitor_id, request_id, expires_at)

    def _sign(self, claims: str) -> str:
        return _b64(hmac.new(self._secret, claims.encode(), hashlib.sha256).digest()[:24])
