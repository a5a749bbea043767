"""Which ``usage.janus_metered`` the cost score may believe: those the gateway signed.

A competitor writes its own answers, ``usage`` included, so a meter counts only when its
signature checks out and it is bound to the request the bench sent (its ``X-Request-Id``)
and to the competitor asked. The bench checks the signature itself when it holds the
meter key (runs inside the gateway), else asks the gateway (``POST /v1/meters/verify``);
when nobody can check, the meter is unverifiable. Anything but ``verified`` is no meter
at all: the cost scorer's worst case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp

from janus.signatures import SIGNATURE_KEY, meter_is_valid

VERIFY_PATH = "/v1/meters/verify"
VERIFIED = "verified"


class MeterVerifier(Protocol):
    async def verify(self, meters: Sequence[dict[str, Any]]) -> list[bool] | None:
        """One verdict per meter; None when they cannot be checked here."""


class KeyVerifier:
    """Checks signatures with the gateway's meter key (the bench inside the gateway)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    async def verify(self, meters: Sequence[dict[str, Any]]) -> list[bool] | None:
        return [meter_is_valid(self._key, meter) for meter in meters]


class GatewayVerifier:
    """Asks the gateway at ``base_url`` (a bench outside it)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + VERIFY_PATH

    async def verify(self, meters: Sequence[dict[str, Any]]) -> list[bool] | None:
        try:
            async with self._session.post(self._url, json={"meters": list(meters)}) as response:
                if response.status != 200:
                    return None
                data = (await response.json()).get("data")
        except (aiohttp.ClientError, ValueError, AttributeError):
            return None
        if not isinstance(data, list) or len(data) != len(meters):
            return None
        return [isinstance(d, dict) and d.get("valid") is True for d in data]


async def believed_meters(
    verifier: MeterVerifier,
    meters: Sequence[Any],
    request_ids: Sequence[str | None],
    competitor: str | None,
) -> tuple[list[dict[str, Any]] | None, str]:
    """The turns' meters when every one is genuine and theirs, and a status:
    ``verified``, ``unsigned``, ``invalid``, ``foreign`` (another request's or competitor's)
    or ``unverifiable``."""
    if not meters or any(
        not isinstance(m, dict) or not isinstance(m.get(SIGNATURE_KEY), str) for m in meters
    ):
        return None, "unsigned"
    for meter, request_id in zip(meters, request_ids, strict=True):
        if meter.get("request_id") != request_id or (
            competitor is not None and meter.get("competitor") != competitor
        ):
            return None, "foreign"
    verdicts = await verifier.verify(meters)
    if verdicts is None:
        return None, "unverifiable"
    if not all(verdicts):
        return None, "invalid"
    return list(meters), VERIFIED
