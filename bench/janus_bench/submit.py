"""``--submit``: hand a result to the gateway's competition (``POST /v1/evaluations/results``)."""

from __future__ import annotations

import json

import aiohttp

from janus.signatures import sign_result

RESULTS_PATH = "/v1/evaluations/results"
SIGNING_KEY_ENV = "JANUS_BENCH_SIGNING_KEY"


class SubmitError(Exception):
    """The gateway did not accept the result; the message says what it answered."""


async def submit_result(
    gateway: str,
    admin_key: str,
    result: dict,
    competitor_id: str,
    signing: tuple[str, bytes] | None = None,
) -> dict:
    """POST the result plus ``competitor_id`` with the admin key, signed as ``signing``
    (signer name, key) when given: only a trusted signer's results are ranked. Returns the
    gateway's answer."""
    url = gateway.rstrip("/") + RESULTS_PATH
    body = {**result, "competitor_id": competitor_id}
    if signing is not None:
        body = sign_result(signing[1], signing[0], body)
    headers = {"Authorization": f"Bearer {admin_key}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            text = await response.text(errors="replace")
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SubmitError(f"cannot reach {url}: {exc or type(exc).__name__}") from None
    try:
        answer = json.loads(text) if text else {}
    except ValueError:
        answer = {"raw": text[:300]}
    if not 200 <= status < 300:
        message = answer.get("error", {}).get("message") if isinstance(answer, dict) else None
        raise SubmitError(f"{url} answered HTTP {status}: {message or text[:300]}")
    return answer
