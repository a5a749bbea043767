"""How the gateway builds its runtimes, deploys configured image competitors, and serves
the runtime's admin endpoints (logs, image archives)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from janus.config import CompetitorId, Config
from janus.errors import JanusError
from janus.gateway.admin import require_admin
from janus.gateway.keys import ADMIN_KEY, CONFIG
from janus.gateway.runtimes.container import instance_id
from janus.gateway.runtimes.podman import PodmanError, load_archive, podman
from janus.interfaces import CompetitorRuntime, DeployFailed, RuntimeContext
from janus.platform.app import data_dir
from janus.plugins import PluginError, PluginManager

RUNTIMES = web.AppKey("runtimes", dict)  # kind -> CompetitorRuntime
# Where the pool reaches configured image competitors: id -> (socket path, platform URL).
DEPLOYED = web.AppKey("deployed", dict)
MAX_LOG_LINES = 10_000
_CHUNK = 1 << 20
COMPETITOR_ID = TypeAdapter(CompetitorId)


def build_runtimes(
    config: Config, plugins: PluginManager, runtime_dir: str, platform_socket: str | None
) -> dict[str, CompetitorRuntime]:
    """One runtime per kind the configuration uses (and the one for submitted images).

    Building one asks nothing of its host; that happens when the gateway starts."""
    factories = plugins.collect("register_runtimes")
    context = RuntimeContext(config, instance_id(data_dir(config)), runtime_dir, platform_socket)
    runtimes = {}
    for index, competitor in enumerate(config.competitors):
        if competitor.runs_image and competitor.kind not in factories:
            known = ", ".join(sorted(["external", "subprocess", *factories]))
            raise PluginError(
                f"competitors[{index}].kind: no runtime named '{competitor.kind}' (known: {known})"
            )
    kinds = {c.kind for c in config.competitors if c.runs_image}
    if config.containers.runtime in factories:
        kinds.add(config.containers.runtime)
    for kind in sorted(kinds):
        runtimes[kind] = factories[kind](context)
    return runtimes


async def run_runtimes(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: clean up after an earlier run, deploy the configured image
    competitors (kept-warm ones start now, and must come up), remove them all at the end."""
    runtimes: dict[str, CompetitorRuntime] = app[RUNTIMES]
    config = app[CONFIG]
    deployed: dict[str, tuple[str, str | None]] = {}
    app[DEPLOYED] = deployed
    try:
        for runtime in runtimes.values():
            await runtime.start()
        for competitor in config.competitors:
            if not competitor.runs_image:
                continue
            runtime = runtimes[competitor.kind]
            limits = config.containers.limits_for(competitor)
            try:
                deployment = await runtime.deploy(competitor.id, competitor.image or "", limits)
            except DeployFailed as exc:
                raise PluginError(f"competitors.{competitor.id}: {exc}") from None
            deployed[competitor.id] = (deployment.socket_path, deployment.platform_url)
        yield
    finally:
        await asyncio.gather(*(runtime.close() for runtime in runtimes.values()))


Run = Callable[[Callable[[dict], None]], Awaitable[dict]]


def with_container_usage(app: web.Application, competitor_id: str, run: Run) -> Run:
    """``run`` (an evaluation), whose result also says what the competitor's container
    used meanwhile (``result["container"]``), when a runtime runs the competitor."""
    runtime = next((r for r in app[RUNTIMES].values() if competitor_id in r.deployed()), None)
    if runtime is None:
        return run

    async def measured(progress: Callable[[dict], None]) -> dict:
        before = await runtime.usage(competitor_id)
        result = await run(progress)
        after = await runtime.usage(competitor_id)
        if isinstance(result, dict) and after is not None:
            result["container"] = usage_during(before, after)
        return result

    return measured


def usage_during(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """What was used between two ``usage`` readings: CPU seconds of the run (since the
    container's last start if it restarted meanwhile), its memory high-water mark (since
    that start), how often it (re)started, and its limits."""
    used = dict(after)
    restarted = before is None or before.get("starts") != after.get("starts")
    used["starts_during_run"] = after.get("starts", 0) - ((before or {}).get("starts") or 0)
    if not restarted and None not in (before.get("cpu_seconds"), after.get("cpu_seconds")):
        used["cpu_seconds"] = round(after["cpu_seconds"] - before["cpu_seconds"], 3)
    used.pop("starts", None)
    used.pop("memory_bytes", None)
    return used


def submission_runtime(app: web.Application) -> CompetitorRuntime | None:
    """The runtime that deploys submitted images, if there is one."""
    return app[RUNTIMES].get(app[CONFIG].containers.runtime)


def setup_runtime_routes(app: web.Application) -> None:
    app.router.add_get("/v1/competitors/{competitor_id}/logs", competitor_logs)
    app.router.add_post("/v1/competitors/images", load_image)


async def competitor_logs(request: web.Request) -> web.Response:
    """``GET /v1/competitors/{id}/logs?tail=N`` (admin): the container's last lines."""
    require_admin(request, request.app[ADMIN_KEY])
    competitor_id = request.match_info["competitor_id"]
    try:
        tail = int(request.query.get("tail", "200"))
    except ValueError:
        tail = -1
    if not 1 <= tail <= MAX_LOG_LINES:
        raise JanusError(
            f"tail must be an integer from 1 to {MAX_LOG_LINES}.",
            code="invalid_value",
            param="tail",
        )
    for runtime in request.app[RUNTIMES].values():
        lines = await runtime.logs(competitor_id, tail)
        if lines is not None:
            return web.json_response(
                {"object": "competitor.logs", "competitor_id": competitor_id, "lines": lines}
            )
    raise JanusError(
        f"No container runs competitor '{competitor_id}' on this gateway.",
        status=404,
        code="competitor_not_found",
    )


def image_tag(competitor_id: str) -> str:
    """The local name a loaded archive gets, to submit as ``image``."""
    return f"localhost/janus-competitors/{competitor_id.lower()}:latest"


async def load_and_tag(path: str, competitor_id: str, binary: str = "podman") -> str:
    """``podman load`` an archive (docker-archive or oci-archive) and tag it for
    ``competitor_id``; the tag."""
    names = await load_archive(path, binary=binary)
    if not names:
        raise PodmanError("podman load: the archive holds no image")
    tag = image_tag(competitor_id)
    await podman("tag", names[0], tag, binary=binary)
    return tag


async def load_image(request: web.Request) -> web.Response:
    """``POST /v1/competitors/images?id=ID`` (admin), body: an image archive."""
    require_admin(request, request.app[ADMIN_KEY])
    config = request.app[CONFIG]
    competitor_id = request.query.get("id", "")
    try:
        COMPETITOR_ID.validate_python(competitor_id)
    except ValidationError:
        raise JanusError(
            "id: a competitor id (letters, digits, '.', '_', '-') is required.",
            code="invalid_value",
            param="id",
        ) from None
    directory = data_dir(config) / "images"
    directory.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    descriptor, path = tempfile.mkstemp(dir=directory, suffix=".tar")
    try:
        with os.fdopen(descriptor, "wb") as file:
            size = 0
            while chunk := await request.content.read(_CHUNK):
                size += len(chunk)
                if size > config.containers.max_archive_bytes:
                    raise JanusError(
                        f"The archive is larger than {config.containers.max_archive_bytes} bytes.",
                        status=413,
                        code="archive_too_large",
                    )
                await loop.run_in_executor(None, file.write, chunk)
        if size == 0:
            raise JanusError("The body must be an image archive.", code="invalid_body")
        try:
            tag = await load_and_tag(path, competitor_id, config.containers.podman)
        except PodmanError as exc:
            raise JanusError(str(exc), status=422, code="image_not_loaded") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return web.json_response({"object": "image", "image": tag, "competitor_id": competitor_id})
