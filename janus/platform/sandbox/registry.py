"""Which sandboxes exist, who owns them, and when idle ones expire.

Sandboxes live in memory: like the rest of the gateway's request-scoped state they do not
survive a restart. An owner is a grant's ``owner`` string; to anyone else a sandbox does
not exist (404, not 403, so ids cannot be probed).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from janus.errors import JanusError
from janus.platform.sandbox.models import Limits

log = logging.getLogger("janus.platform.sandbox")


def new_sandbox_id() -> str:
    return f"sb_{secrets.token_hex(12)}"


def sandbox_not_found(sandbox_id: str) -> JanusError:
    return JanusError(
        f"No sandbox '{sandbox_id}' (it may have expired or been terminated).",
        status=404,
        code="sandbox_not_found",
    )


@dataclass(eq=False)
class Sandbox:
    id: str
    owner: str
    limits: Limits
    env: dict[str, str]
    ttl_seconds: int
    created_at: float = field(default_factory=time.time)
    expires_at: float = 0.0
    busy: int = 0  # commands running; a busy sandbox never expires
    closed: bool = False  # set once termination starts

    def __post_init__(self) -> None:
        self.touch()

    def touch(self) -> None:
        self.expires_at = time.time() + self.ttl_seconds

    def expired(self, now: float) -> bool:
        return self.busy == 0 and self.expires_at <= now

    def reported_limits(self) -> dict[str, Any]:
        return self.limits.model_dump()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sandboxId": self.id,  # Sandy's name
            "created_at": int(self.created_at),
            "expires_at": int(self.expires_at),
            "ttl_seconds": self.ttl_seconds,
            "limits": self.reported_limits(),
        }


S = TypeVar("S", bound=Sandbox)


def competitor_of(owner: str) -> str:
    """The competitor part of a grant's owner (``<competitor>/<request>``)."""
    return owner.partition("/")[0]


class SandboxRegistry(Generic[S]):
    def __init__(self, capacity: int, per_competitor: int) -> None:
        self.capacity = capacity
        self.per_competitor = per_competitor
        self._sandboxes: dict[str, S] = {}

    def __iter__(self) -> Iterator[S]:
        return iter(list(self._sandboxes.values()))

    def check_capacity(self, owner: str) -> None:
        """Refuse a new sandbox for ``owner`` when its competitor holds its quota (429: it
        is the caller's own doing) or the host is full (503)."""
        competitor = competitor_of(owner)
        held = sum(1 for s in self._sandboxes.values() if competitor_of(s.owner) == competitor)
        if held >= self.per_competitor:
            raise JanusError(
                f"Competitor '{competitor}' already holds {held} live sandboxes, its quota; "
                "terminate one or retry later.",
                status=429,
                type="rate_limit_error",
                code="sandbox_quota_exceeded",
            )
        if len(self._sandboxes) >= self.capacity:
            raise JanusError(
                f"All {self.capacity} sandboxes are in use; terminate one or retry later.",
                status=503,
                type="server_error",
                code="sandbox_capacity_exhausted",
            )

    def add(self, sandbox: S) -> None:
        self.check_capacity(sandbox.owner)
        self._sandboxes[sandbox.id] = sandbox

    def get(self, owner: str, sandbox_id: str) -> S:
        """The live sandbox ``owner`` has with this id; using it restarts its TTL. Anyone
        else's is not found, with the same error, and keeps its TTL."""
        sandbox = self._sandboxes.get(sandbox_id)
        if (
            sandbox is None
            or sandbox.owner != owner
            or sandbox.closed
            or sandbox.expired(time.time())
        ):
            raise sandbox_not_found(sandbox_id)
        sandbox.touch()
        return sandbox

    def remove(self, sandbox: S) -> None:
        """Forget a sandbox once it is gone; until then it still counts against capacity."""
        sandbox.closed = True
        self._sandboxes.pop(sandbox.id, None)

    def expired(self, now: float) -> list[S]:
        return [s for s in self._sandboxes.values() if not s.closed and s.expired(now)]

    @contextmanager
    def in_use(self, sandbox: S) -> Iterator[None]:
        """While a command runs, the sandbox cannot expire; its TTL restarts at the end."""
        sandbox.busy += 1
        try:
            yield
        finally:
            sandbox.busy -= 1
            sandbox.touch()


async def sweep_expired(
    registry: SandboxRegistry[S], interval: float, terminate: Callable[[S], Awaitable[None]]
) -> None:
    """Terminate idle sandboxes whose TTL ran out, every ``interval`` seconds, forever."""
    while True:
        await asyncio.sleep(interval)
        for sandbox in registry.expired(time.time()):
            log.info("sandbox %s expired after %d s idle", sandbox.id, sandbox.ttl_seconds)
            try:
                await terminate(sandbox)
            except Exception:
                log.exception("could not clean up expired sandbox %s", sandbox.id)
