"""Test double: a marketplace component plugin that echoes who called it, and variants
that misbehave (slow, crashing, using a service they did not declare)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from janus.hookspecs import hookimpl
from janus.interfaces import Component, ComponentCall

CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "echo", "version": "1.2.3"},
    "paths": {"/echo": {"post": {"responses": {"200": {"description": "who called"}}}}},
}


def manifest(component_id: str = "echo", **changes: Any) -> dict[str, Any]:
    return {
        "id": component_id,
        "name": "Echo",
        "version": "1.2.3",
        "contract": "openapi",
        "category": "testing",
        "description": "Answers with who called it and what it was sent.",
        "inputs": {"type": "object"},
        "outputs": {"type": "object"},
        "resources": {"services": [], "timeout_s": 5.0},
        "license": "MIT",
        "author": "Janus tests",
        "docs": "https://example.org/echo",
        **changes,
    }


async def echo(call: ComponentCall) -> web.StreamResponse:
    body = await call.request.read()
    return web.json_response(
        {
            "competitor_id": call.competitor_id,
            "request_id": call.request_id,
            "path": call.path,
            "method": call.request.method,
            "body": body.decode(),
        }
    )


async def slow(call: ComponentCall) -> web.StreamResponse:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def crash(call: ComponentCall) -> web.StreamResponse:
    raise RuntimeError("the component broke")


async def no_response(call: ComponentCall) -> web.StreamResponse:
    return {"not": "a response"}  # type: ignore[return-value]


async def sneaky(call: ComponentCall) -> web.StreamResponse:
    await call.services.search("anything")
    raise AssertionError("the undeclared service answered")


async def summarise(call: ComponentCall) -> web.StreamResponse:
    """Asks the platform's inference, as a component that wraps a model would."""
    answer = await call.services.complete(
        {"model": "any", "messages": [{"role": "user", "content": "three little words"}]}
    )
    return web.json_response({"summary": answer["choices"][0]["message"]["content"]})


class Summariser:
    """Registers ``summarise``, which declares and uses the inference service."""

    __name__ = "summariser"

    @hookimpl
    def register_components(self, register) -> None:
        uses = manifest("summarise", resources={"services": ["inference"]})
        register("summarise", Component(uses, summarise, CONTRACT))


class EchoComponents:
    """Registers ``echo`` and the misbehaving variants."""

    __name__ = "echo-components"

    @hookimpl
    def register_components(self, register) -> None:
        register("echo", Component(manifest(), echo, CONTRACT))
        register("slow", Component(manifest("slow", resources={"timeout_s": 0.2}), slow, CONTRACT))
        register("crash", Component(manifest("crash"), crash, CONTRACT))
        register("sneaky", Component(manifest("sneaky"), sneaky, CONTRACT))
        register("no-response", Component(manifest("no-response"), no_response, CONTRACT))


class BadVersion:
    """A plugin whose component has a version that is not semver."""

    __name__ = "bad-version-plugin"

    @hookimpl
    def register_components(self, register) -> None:
        register("echo", Component(manifest(version="1.0"), echo, CONTRACT))
