"""What the sandbox API accepts and what running a command produces.

Field names follow our API; where Sandy's clients use other names for the same thing
(``timeoutMs``, ``exitCode``, ``sandboxId``) those are accepted or sent as well, so code
written against Sandy works here unchanged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from janus.errors import invalid_request

# Commands and environments travel as process arguments (one argument is at most 128 KiB,
# all of them 2 MiB): larger inputs belong in files.
MAX_COMMAND_CHARS = 100_000
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=256)]
EnvValue = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=4096)]
Env = Annotated[dict[EnvName, EnvValue], Field(max_length=128)]


class Limits(BaseModel):
    """Resource limits applied to every command run in a sandbox."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cpu_seconds: int = Field(ge=1)
    memory_mb: int = Field(ge=64)  # every process of the sandbox together, /tmp included
    processes: int = Field(ge=2)
    disk_mb: int = Field(512, ge=8)  # the workspace's size (optional in older config files)
    file_size_mb: int = Field(ge=1)
    open_files: int = Field(ge=16)
    wall_timeout_s: float = Field(gt=0)

    def within(self, maximum: Limits) -> bool:
        return all(getattr(self, name) <= getattr(maximum, name) for name in Limits.model_fields)


class RequestedLimits(BaseModel):
    """Limits a caller asks for; anything left out takes the backend's default."""

    model_config = ConfigDict(extra="forbid", strict=True)
    cpu_seconds: int | None = Field(None, ge=1)
    memory_mb: int | None = Field(None, ge=64)
    processes: int | None = Field(None, ge=2)
    disk_mb: int | None = Field(None, ge=8)
    file_size_mb: int | None = Field(None, ge=1)
    open_files: int | None = Field(None, ge=16)
    wall_timeout_s: float | None = Field(None, gt=0)

    def resolve(self, default: Limits, maximum: Limits) -> Limits:
        """Fill in the defaults, then cap at the operator's maxima (asking for more is not
        an error: the answer says what was granted)."""
        granted = {}
        for name in Limits.model_fields:
            asked = getattr(self, name)
            granted[name] = min(
                getattr(default, name) if asked is None else asked, getattr(maximum, name)
            )
        return Limits(**granted)


class CreateRequest(BaseModel):
    # Unknown fields are ignored rather than refused: Sandy's clients send scheduling hints
    # (priority, preemptable) that mean nothing here.
    model_config = ConfigDict(extra="ignore", strict=True)
    ttl_seconds: int | None = Field(None, ge=1)
    limits: RequestedLimits = Field(default_factory=RequestedLimits)
    env: Env = Field(default_factory=dict)


class ExecRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
    # A string runs through ``/bin/sh -c``; a list is the argv itself.
    command: str | list[str]
    timeout_seconds: float | None = Field(None, gt=0)
    timeout_ms: int | None = Field(None, gt=0, alias="timeoutMs")  # Sandy's name
    env: Env = Field(default_factory=dict)
    cwd: str | None = None  # inside the sandbox; relative to /workspace unless absolute

    @field_validator("command")
    @classmethod
    def _runnable(cls, command: str | list[str]) -> str | list[str]:
        parts = [command] if isinstance(command, str) else command
        if not parts or not parts[0]:
            raise ValueError("must not be empty")
        if any("\x00" in part for part in parts):
            raise ValueError("must not contain NUL characters")
        if sum(len(part) for part in parts) > MAX_COMMAND_CHARS:
            raise ValueError(f"longer than {MAX_COMMAND_CHARS} characters: write a file")
        return command

    @field_validator("cwd")
    @classmethod
    def _no_nul(cls, cwd: str | None) -> str | None:
        if cwd is not None and (not cwd or "\x00" in cwd):
            raise ValueError("must be a non-empty path without NUL characters")
        return cwd

    @property
    def argv(self) -> list[str]:
        return ["/bin/sh", "-c", self.command] if isinstance(self.command, str) else self.command

    def timeout(self, limit: float) -> float:
        """The wall-clock timeout of this command: what was asked for, at most ``limit``."""
        asked = self.timeout_seconds
        if asked is None and self.timeout_ms is not None:
            asked = self.timeout_ms / 1000
        return limit if asked is None else min(asked, limit)


class WriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    path: str
    content: str
    encoding: Literal["utf-8", "base64"] = "utf-8"

    def data(self) -> bytes:
        if self.encoding == "utf-8":
            return self.content.encode()
        try:
            return base64.b64decode(self.content, validate=True)
        except binascii.Error:
            raise invalid_request("content: not valid base64", param="content") from None


@dataclass(frozen=True, slots=True)
class ExecOutput:
    """Output as it comes, decoded as UTF-8 (invalid bytes become U+FFFD)."""

    stream: Literal["stdout", "stderr"]
    data: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.stream, "data": self.data}


@dataclass(frozen=True, slots=True)
class ExecExit:
    """The end of a command. ``exit_code`` follows the shell: 128 + N for signal N."""

    exit_code: int
    duration_seconds: float
    timed_out: bool
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "exit",
            "exit_code": self.exit_code,
            "duration_seconds": self.duration_seconds,
            "timed_out": self.timed_out,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
        }


ExecEvent = ExecOutput | ExecExit


async def collect(events: AsyncGenerator[ExecEvent, None]) -> dict[str, Any]:
    """The non-streaming answer to an exec: all output, then how it ended."""
    output: dict[str, list[str]] = {"stdout": [], "stderr": []}
    exit_event: ExecExit | None = None
    async with aclosing(events):
        async for event in events:
            if isinstance(event, ExecOutput):
                output[event.stream].append(event.data)
            else:
                exit_event = event
    if exit_event is None:
        raise RuntimeError("the sandbox backend ended an exec without its exit event")
    ending = exit_event.to_dict()
    del ending["type"]
    return {
        "stdout": "".join(output["stdout"]),
        "stderr": "".join(output["stderr"]),
        **ending,
        "exitCode": ending["exit_code"],  # Sandy's name
    }
