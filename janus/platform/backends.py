"""What a platform backend plugin implements.

Each platform service (inference, sandbox, search) has one active backend, chosen by
``[platform.<service>] backend = "name"`` and registered by a plugin through
``register_<service>_backends(register)`` as ``register(name, factory)``. The factory's
``Settings`` model validates ``[platform.<service>.<name>]`` at start-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from janus.config import JailConfig


@dataclass(frozen=True)
class BackendContext:
    """What the platform gives a backend when creating it."""

    data_dir: Path  # a directory the backend may keep files under (created on demand)
    platform_socket: str | None = None  # unix socket a sandbox can bind in to reach the platform
    jail: JailConfig = field(default_factory=JailConfig)  # how sandbox programs are jailed


@runtime_checkable
class Backend(Protocol):
    async def start(self) -> None:
        """Acquire resources (load a model, open an index). Must not block the event loop."""

    async def close(self) -> None:
        """Release everything; called once at shutdown."""

    def describe(self) -> str:
        """One line for the start-up log, e.g. ``local model SmolLM2-135M (path)``."""


class BackendFactory(Protocol):
    Settings: ClassVar[type[BaseModel]]

    def __call__(self, settings: Any, context: BackendContext) -> Backend: ...


@runtime_checkable
class InferenceBackend(Backend, Protocol):
    """OpenAI-compatible chat completions.

    Requests and answers are OpenAI JSON objects (dicts). Answers must carry ``usage``:
    the platform meters from it. ``stream`` yields ``chat.completion.chunk`` dicts and
    ends with a usage chunk (``choices: []``).
    """

    async def list_models(self) -> list[str]: ...

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str
    score: float


@runtime_checkable
class SearchBackend(Backend, Protocol):
    async def search(self, query: str, top_k: int) -> list[SearchResult]: ...


if TYPE_CHECKING:  # the sandbox package imports this module; only type checkers need these
    from collections.abc import AsyncGenerator
    from pathlib import PurePosixPath

    from janus.platform.sandbox.models import CreateRequest, ExecEvent, ExecRequest
    from janus.platform.sandbox.registry import Sandbox


@runtime_checkable
class SandboxBackend(Backend, Protocol):
    """Sandboxes a competitor creates and runs commands in (Sandy-compatible subset).

    Every call names the caller's ``owner`` (``Grant.owner``); a sandbox of another
    owner, an unknown, expired or terminated one raise the same 404 ``JanusError`` (code
    ``sandbox_not_found``). Paths are relative to ``/workspace``,
    already checked by ``janus.platform.sandbox.paths``.
    """

    async def create(self, owner: str, request: CreateRequest) -> Sandbox: ...

    def get(self, owner: str, sandbox_id: str) -> Sandbox: ...

    def exec(
        self, owner: str, sandbox_id: str, request: ExecRequest
    ) -> AsyncGenerator[ExecEvent, None]:
        """Output events as they come, then exactly one ``ExecExit``. Closing the generator
        early must stop the command."""

    async def write_file(
        self, owner: str, sandbox_id: str, path: PurePosixPath, data: bytes
    ) -> None: ...

    async def read_file(self, owner: str, sandbox_id: str, path: PurePosixPath) -> bytes: ...

    async def terminate(self, owner: str, sandbox_id: str) -> None:
        """Stop every command and remove the sandbox with all its files."""

    async def read_artifact(
        self, owner: str, sandbox_id: str, path: str, max_bytes: int
    ) -> tuple[bytes, str]:
        """Bytes and MIME type of ``/workspace/artifacts/{path}``, for the gateway to re-host
        an artifact URL of a competitor's answer; ``owner`` is that competitor's grant
        owner for the request, so it can only hand over files of its own sandboxes."""
