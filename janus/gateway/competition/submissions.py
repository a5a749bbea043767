"""``/v1/competitors``: submissions, checked before they are admitted.

A submission names where the competitor runs (``url``, or a container ``image`` to be
deployed), its public source and an OSI licence. A URL must pass the conformance checker
before it is accepted; an anonymous submitter may only point at public addresses (the
gateway would otherwise probe — and later route to — its own network on their behalf).
Admins may change or remove competitors.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from janus.builtin.guardrails.url_policy import is_public_address, resolve_host
from janus.builtin.routers import JANUS_MODEL
from janus.config import CompetitorId
from janus.conformance import BadTarget, ConformanceReport, check_conformance
from janus.errors import JanusError
from janus.gateway.competition.auto import evaluate_when_accepted
from janus.gateway.competition.http import (
    admin_only,
    is_admin,
    listing,
    not_found,
    owner_key_hash,
    parse_body,
)
from janus.gateway.competition.licenses import osi_license
from janus.gateway.competition.state import COMPETITION, Competition
from janus.gateway.keys import TOKENS
from janus.interfaces import DeployFailed
from janus.platform.tokens import PLATFORM_URL_HEADER, TOKEN_HEADER
from janus.store import CompetitorRecord, StoreConflict

RESOLVE_TIMEOUT_S = 5.0
CONFORMANCE_TOKEN_TTL_S = 600.0


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return value.strip().rstrip("/")


def _licence(value: str) -> str:
    canonical = osi_license(value)
    if canonical is None:
        raise ValueError(f"'{value}' is not an OSI-approved SPDX licence id")
    return canonical


class _Editable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _urls = field_validator("url", "source_url", check_fields=False)(_http_url)
    _license = field_validator("license", check_fields=False)(_licence)


class Submission(_Editable):
    id: CompetitorId
    name: str = Field(min_length=1, max_length=100)
    url: str | None = None
    image: str | None = Field(None, min_length=1, max_length=500)
    source_url: str
    license: str
    description: str = Field("", max_length=4000)

    @model_validator(mode="after")
    def _runs_somewhere(self) -> Submission:
        if not self.url and not self.image:
            raise ValueError("give the url the competitor answers on, or its container image")
        return self


class Changes(_Editable):
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = None
    image: str | None = Field(None, min_length=1, max_length=500)
    source_url: str | None = None
    license: str | None = None
    description: str | None = Field(None, max_length=4000)
    status: Literal["active", "disabled"] | None = None


class ConformanceFailed(JanusError):
    """422 with the checks that failed (specs/competition.md)."""

    def __init__(self, report: ConformanceReport, param: str = "url") -> None:
        names = ", ".join(check.name for check in report.failed)
        super().__init__(
            f"The competitor at {report.url} failed the conformance checks: {names}.",
            status=422,
            code="conformance_failed",
            param=param,
        )
        self.failed_checks = [
            {"name": c.name, "passed": c.passed, "detail": c.detail, "seconds": c.seconds}
            for c in report.failed
        ]

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["checks"] = self.failed_checks
        return body


def competitor_dict(record: CompetitorRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "url": record.url,
        "image": record.image,
        "source_url": record.source_url,
        "license": record.license,
        "description": record.description,
        "submitted_at": record.submitted_at,
        "status": record.status,
    }


def _configured_dict(competitor_id: str, name: str, description: str) -> dict[str, Any]:
    """A competitor from janus.toml: listed, but where it runs is the operator's business."""
    return {
        "id": competitor_id,
        "name": name,
        "url": None,
        "image": None,
        "source_url": None,
        "license": None,
        "description": description,
        "submitted_at": None,
        "status": "configured",
    }


async def list_competitors(request: web.Request) -> web.Response:
    competition = request.app[COMPETITION]
    configured = [
        _configured_dict(c.id, c.name or c.id, c.description)
        for c in competition.config.competitors
    ]
    submitted = [competitor_dict(r) for r in await competition.store.list_competitors()]
    return listing(configured + submitted)


async def submit_competitor(request: web.Request) -> web.Response:
    competition = request.app[COMPETITION]
    submission = await parse_body(request, Submission)
    if submission.id == JANUS_MODEL or competition.config.competitor(submission.id):
        raise _taken(submission.id)
    if await competition.store.get_competitor(submission.id) is not None:
        raise _taken(submission.id)
    report = None
    if submission.url:
        report = await _admissible(submission.url, admin=is_admin(request))
    elif submission.image:
        report = await _runs_and_conforms(request, submission.id, submission.image)
    # Shown once, stored only as a hash: it opens the competitor's own per-task results.
    owner_key = "jown-" + secrets.token_urlsafe(32)
    record = CompetitorRecord(
        id=submission.id,
        name=submission.name,
        url=submission.url,
        image=submission.image,
        source_url=submission.source_url,
        license=submission.license,
        description=submission.description,
        submitted_at=time.time(),
        status="active",
        conformance=report.to_dict() if report else None,
        owner_key_hash=owner_key_hash(owner_key),
    )
    try:
        await competition.store.add_competitor(record)
    except StoreConflict:
        if not submission.url and competition.runtime is not None:
            await competition.runtime.remove(submission.id)
        raise _taken(submission.id) from None
    await competition.sync()
    evaluate_when_accepted(request.app)
    return web.json_response(
        {
            "competitor": competitor_dict(record),
            "conformance": record.conformance,
            "owner_key": owner_key,
        },
        status=201,
    )


async def change_competitor(request: web.Request) -> web.Response:
    admin_only(request)
    competition = request.app[COMPETITION]
    competitor_id = request.match_info["competitor_id"]
    current = await _submitted(competition, competitor_id)
    changes = (await parse_body(request, Changes)).model_dump(exclude_unset=True)
    cleared = {name for name, value in changes.items() if value is None}
    if fixed := sorted(cleared - {"url", "image", "description"}):
        raise JanusError(f"{fixed[0]} cannot be cleared.", code="invalid_value", param=fixed[0])
    if "description" in cleared:
        changes["description"] = ""
    if changes.get("url") and changes["url"] != current.url:
        await _admissible(changes["url"], admin=True)
    image = changes.get("image")
    if image and image != current.image and not changes.get("url", current.url):
        await _runs_and_conforms(request, competitor_id, image)
    if not (changes.get("url", current.url) or changes.get("image", current.image)):
        raise JanusError("A competitor needs a url or an image.", code="invalid_value", param="url")
    await competition.store.update_competitor(competitor_id, **changes)
    await competition.sync()
    evaluate_when_accepted(request.app)  # re-activated, or a new image
    return web.json_response(competitor_dict(await _submitted(competition, competitor_id)))


async def remove_competitor(request: web.Request) -> web.Response:
    admin_only(request)
    competition = request.app[COMPETITION]
    competitor_id = request.match_info["competitor_id"]
    if not await competition.store.delete_competitor(competitor_id):
        raise _unknown(competition, competitor_id)
    await competition.sync()
    return web.json_response({"id": competitor_id, "object": "competitor", "deleted": True})


async def _submitted(competition: Competition, competitor_id: str) -> CompetitorRecord:
    record = await competition.store.get_competitor(competitor_id)
    if record is None:
        raise _unknown(competition, competitor_id)
    return record


def _unknown(competition: Competition, competitor_id: str) -> JanusError:
    if competition.config.competitor(competitor_id):
        return JanusError(
            f"'{competitor_id}' is configured in janus.toml; change it there.",
            status=409,
            code="competitor_configured",
        )
    return not_found("competitor", competitor_id)


def _taken(competitor_id: str) -> JanusError:
    return JanusError(
        f"The id '{competitor_id}' is taken; choose another.",
        status=409,
        code="competitor_exists",
        param="id",
    )


async def _admissible(url: str, *, admin: bool) -> ConformanceReport:
    """Refuse private addresses to non-admins, then run the conformance checks."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve_host(host, RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError):
        raise JanusError(
            f"The host '{host}' cannot be resolved.",
            status=422,
            code="unresolvable_url",
            param="url",
        ) from None
    if not admin and not all(is_public_address(address) for address in addresses):
        raise JanusError(
            "Only an admin may submit a competitor on a loopback, private or link-local address.",
            status=403,
            type="permission_error",
            code="private_url_not_allowed",
            param="url",
        )
    try:
        report = await check_conformance(url)
    except BadTarget as exc:
        raise JanusError(str(exc), status=422, code="invalid_url", param="url") from None
    if not report.passed:
        raise ConformanceFailed(report)
    return report


async def _runs_and_conforms(
    request: web.Request, competitor_id: str, image: str
) -> ConformanceReport:
    """Deploy the image, start it, and run the conformance checks through the runtime,
    with a platform token as a client request would bring (a competitor may need the
    platform to answer); on any failure the deployment is removed again."""
    competition = request.app[COMPETITION]
    runtime = competition.runtime
    if runtime is None:
        raise JanusError(
            "This gateway runs no container runtime; submit the url your competitor answers on.",
            status=501,
            code="container_runtime_unavailable",
            param="image",
        )
    limits = competition.config.containers.limits_for(None)
    try:
        deployment = await runtime.deploy(competitor_id, image, limits)
        await runtime.ensure_running(competitor_id)
    except DeployFailed as exc:
        await runtime.remove(competitor_id)
        raise JanusError(
            f"The image '{image}' did not start: {exc}",
            status=422,
            code="image_failed",
            param="image",
        ) from None
    headers = {}
    if deployment.platform_url:
        expires_at = time.time() + CONFORMANCE_TOKEN_TTL_S
        request_id = "conformance-" + secrets.token_hex(8)
        token = request.app[TOKENS].mint(competitor_id, request_id, expires_at)
        headers = {TOKEN_HEADER: token, PLATFORM_URL_HEADER: deployment.platform_url}
    connector = aiohttp.UnixConnector(path=deployment.socket_path)
    report = await check_conformance(
        f"http://{competitor_id}", connector=connector, headers=headers
    )
    if not report.passed:
        await runtime.remove(competitor_id)
        raise ConformanceFailed(report, param="image")
    return report
