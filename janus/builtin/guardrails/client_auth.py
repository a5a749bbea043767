"""``client-auth``: API keys for clients, with per-key limits and per-address rate limits.

Keys are stored only as SHA-256 hashes (``printf %s "$KEY" | sha256sum``), in
``janus.toml`` or, as plain keys, in an environment variable (for containers and secret
stores), so the configuration file is not itself a secret. Each key may carry a rate
limit, a concurrency cap, a ``max_tokens`` cap and a list of allowed models.
"""

from __future__ import annotations

import hashlib
import math
import os
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from janus.builtin.guardrails.ratelimit import TokenBuckets
from janus.errors import GuardrailViolation
from janus.hookspecs import hookimpl
from janus.interfaces import Phase, RequestContext

_BEARER = "bearer "
ADMIN = "admin"  # the name in notes["client_key"] of the gateway's admin key


class Limits(BaseModel):
    """What one key may do; the limits of keys that come from the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    requests_per_minute: float | None = Field(None, gt=0)
    burst: int | None = Field(None, ge=1)  # default: one minute's worth
    max_concurrent: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    models: list[str] | None = None  # None: every model


class KeyPolicy(Limits):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ClientAuth:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        keys: list[KeyPolicy] = Field(default_factory=list)
        # An environment variable holding plain keys, comma-separated; they get the
        # limits of ``env_keys`` (a policy without sha256).
        keys_env: str | None = None
        env_keys: Limits = Limits(name="env")
        per_address_requests_per_minute: float | None = Field(None, gt=0)
        per_address_burst: int | None = Field(None, ge=1)

    phases: ClassVar[frozenset[Phase]] = frozenset({"request"})
    parallel = False

    def __init__(self, settings: Settings, environ: Any = os.environ) -> None:
        self._keys: dict[str, Limits] = {policy.sha256: policy for policy in settings.keys}
        if settings.keys_env:
            for plain in environ.get(settings.keys_env, "").split(","):
                if plain.strip():
                    self._keys[_hash(plain.strip())] = settings.env_keys
        self.authenticates_clients = bool(self._keys)
        self._rates = {
            policy.name: _buckets(policy.requests_per_minute, policy.burst)
            for policy in self._keys.values()
            if policy.requests_per_minute
        }
        self._per_address = _buckets(
            settings.per_address_requests_per_minute, settings.per_address_burst
        )
        self._in_flight: dict[str, int] = {}

    async def check_request(self, request: RequestContext) -> dict[str, Any] | None:
        if request.admin:
            request.notes["client_key"] = ADMIN
            return None
        if self._per_address is not None:
            _limit(self._per_address, request.client_address, "your address")
        policy = self._authenticate(request.headers.get("Authorization", ""))
        request.notes["client_key"] = policy.name
        if (rates := self._rates.get(policy.name)) is not None:
            _limit(rates, policy.name, "this API key")
        body = self._apply_policy(policy, request)
        self._hold_slot(policy, request)
        return body

    def _authenticate(self, authorization: str) -> Limits:
        if not authorization[: len(_BEARER)].lower() == _BEARER:
            raise _unauthorized("Missing API key: send 'Authorization: Bearer <key>'.")
        presented = authorization[len(_BEARER) :].strip()
        # Keys are ASCII; other text (undecodable bytes included) cannot be one.
        policy = self._keys.get(_hash(presented)) if presented.isascii() else None
        if policy is None:
            raise _unauthorized("Incorrect API key provided.")
        return policy

    def _apply_policy(self, policy: Limits, request: RequestContext) -> dict[str, Any] | None:
        body = request.body
        if policy.models is not None and body.get("model") not in policy.models:
            raise GuardrailViolation(
                f"This API key may not use the model '{body.get('model')}'.",
                status=403,
                type="permission_error",
                code="model_not_allowed",
                param="model",
            )
        if policy.max_tokens is None:
            return None
        asked = [body[k] for k in ("max_tokens", "max_completion_tokens") if k in body]
        if any(value > policy.max_tokens for value in asked):
            raise GuardrailViolation(
                f"max_tokens may be at most {policy.max_tokens} for this API key.",
                code="max_tokens_exceeded",
                param="max_tokens",
            )
        if asked:
            return None
        request.report("modify", f"max_tokens set to the key's cap of {policy.max_tokens}")
        return {**body, "max_tokens": policy.max_tokens}

    def _hold_slot(self, policy: Limits, request: RequestContext) -> None:
        if policy.max_concurrent is None:
            return
        in_flight = self._in_flight.get(policy.name, 0)
        if in_flight >= policy.max_concurrent:
            raise GuardrailViolation(
                f"This API key already has {in_flight} requests in flight (the limit).",
                status=429,
                type="rate_limit_error",
                code="too_many_concurrent_requests",
            )
        self._in_flight[policy.name] = in_flight + 1
        request.on_finish(lambda: self._release(policy.name))

    def _release(self, name: str) -> None:
        self._in_flight[name] -= 1
        if not self._in_flight[name]:
            del self._in_flight[name]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _buckets(per_minute: float | None, burst: int | None) -> TokenBuckets | None:
    if per_minute is None:
        return None
    return TokenBuckets(per_minute, burst or max(1, math.ceil(per_minute)))


def _limit(buckets: TokenBuckets, key: str, who: str) -> None:
    if wait := buckets.take(key):
        seconds = max(1, math.ceil(wait))
        raise GuardrailViolation(
            f"Rate limit reached for {who}; retry in {seconds} s.",
            status=429,
            type="rate_limit_error",
            code="rate_limit_exceeded",
            headers={"Retry-After": str(seconds)},
        )


def _unauthorized(message: str) -> GuardrailViolation:
    return GuardrailViolation(
        message, status=401, type="invalid_request_error", code="invalid_api_key"
    )


@hookimpl
def register_guardrails(register):
    register("client-auth", ClientAuth)
