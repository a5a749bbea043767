"""The platform services a component uses while serving one call, on the caller's account.

Everything a component spends is metered against the calling competitor's grant (its
search calls, sandbox seconds and inference tokens show up in that request's
``usage.janus_metered``), exactly as if the competitor had called the service itself.
Only the services the manifest declares in ``resources.services`` are reachable, so the
marketplace listing tells the truth about what a component touches.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from janus.errors import JanusError
from janus.interfaces import ComponentManifest, PlatformService
from janus.platform.backends import InferenceBackend, SandboxBackend, SearchBackend, SearchResult
from janus.platform.keys import INFERENCE, METERING, SANDBOX, SEARCH
from janus.platform.metering import Meter
from janus.platform.sandbox.models import CreateRequest, ExecRequest, collect
from janus.platform.sandbox.paths import workspace_path
from janus.platform.tokens import Grant

_BACKEND_KEYS: dict[PlatformService, web.AppKey] = {
    "inference": INFERENCE,
    "sandbox": SANDBOX,
    "search": SEARCH,
}


class PlatformServices:
    def __init__(self, platform: web.Application, grant: Grant, manifest: ComponentManifest):
        self._platform = platform
        self._grant = grant
        self._manifest = manifest

    @property
    def _meter(self) -> Meter:
        return self._platform[METERING].meter_for(self._grant)

    def _backend(self, service: PlatformService) -> Any:
        if service not in self._manifest.resources.services:
            raise JanusError(
                f"Component '{self._manifest.id}' used the {service} service, which its "
                "manifest does not declare (resources.services).",
                status=500,
                type="server_error",
                code="component_undeclared_service",
            )
        backend = self._platform.get(_BACKEND_KEYS[service])
        if backend is None:
            raise JanusError(
                f"The platform's {service} service is off on this gateway, so component "
                f"'{self._manifest.id}' cannot run.",
                status=503,
                type="server_error",
                code="service_unavailable",
            )
        return backend

    async def search(self, query: str, top_k: int = 5) -> list[SearchResult]:
        backend: SearchBackend = self._backend("search")
        self._meter.add_search_call()
        return (await backend.search(query, top_k))[:top_k]

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """A non-stream chat completion on the platform's inference backend."""
        backend: InferenceBackend = self._backend("inference")
        answer = await backend.complete({**request, "stream": False})
        usage = answer.get("usage") or {}
        self._meter.add_inference(
            answer.get("model") or str(request.get("model")),
            int(usage.get("prompt_tokens", 0)),
            int(usage.get("completion_tokens", 0)),
        )
        return answer

    @asynccontextmanager
    async def sandbox(self, request: CreateRequest | None = None) -> AsyncIterator[SandboxSession]:
        """A fresh sandbox for this call, terminated (files and all) when the block ends."""
        backend: SandboxBackend = self._backend("sandbox")
        # Owned apart from the competitor's own sandboxes: the competitor cannot reach
        # into a component's workspace through the sandbox API.
        owner = f"{self._grant.owner}#component:{self._manifest.id}"
        sandbox = await backend.create(owner, request or CreateRequest())
        try:
            yield SandboxSession(backend, owner, sandbox.id, self._meter)
        finally:
            await backend.terminate(owner, sandbox.id)


class SandboxSession:
    """One sandbox of a component call; command wall time is metered like any exec."""

    def __init__(self, backend: SandboxBackend, owner: str, sandbox_id: str, meter: Meter):
        self._backend = backend
        self._owner = owner
        self.id = sandbox_id
        self._meter = meter

    async def write_file(self, path: str, data: bytes) -> None:
        await self._backend.write_file(self._owner, self.id, workspace_path(path), data)

    async def exec(self, request: ExecRequest) -> dict[str, Any]:
        """Run a command to its end: ``{stdout, stderr, exit_code, duration_seconds,
        timed_out, stdout_truncated, stderr_truncated}`` as the sandbox API answers."""
        started = time.monotonic()
        try:
            return await collect(self._backend.exec(self._owner, self.id, request))
        finally:
            self._meter.add_sandbox_seconds(time.monotonic() - started)
