"""Test double: a sandbox backend that records every call and refuses it.

Selected with ``[platform.sandbox] backend = "spy"``: a test that expects no sandbox use
asserts ``SpySandbox.calls == []``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from janus.errors import JanusError
from janus.hookspecs import hookimpl
from janus.platform.backends import BackendContext


class SpySandbox:
    calls: list[str] = []

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, settings: Settings, context: BackendContext) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def describe(self) -> str:
        return "spy sandbox (test double)"

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            type(self).calls.append(name)
            raise JanusError("the spy sandbox refuses everything", status=503, code="spy")

        return refuse


class SpySandboxPlugin:
    @hookimpl
    def register_sandbox_backends(self, register):
        register("spy", SpySandbox)
