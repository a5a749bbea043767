"""Settings every sandbox backend shares: lifetimes, capacity, sizes and limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from janus.errors import JanusError
from janus.platform.sandbox.models import Limits

MIB = 1024 * 1024

DEFAULT_LIMITS = Limits(
    cpu_seconds=30,
    memory_mb=1024,
    processes=64,
    disk_mb=512,
    file_size_mb=100,
    open_files=256,
    wall_timeout_s=60,
)
MAX_LIMITS = Limits(
    cpu_seconds=600,
    memory_mb=4096,
    processes=256,
    disk_mb=4096,
    file_size_mb=1024,
    open_files=4096,
    wall_timeout_s=900,
)


class SandboxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A sandbox nobody used for its TTL is terminated; every use starts the TTL again.
    default_ttl_seconds: int = Field(600, ge=1)
    max_ttl_seconds: int = Field(3600, ge=1)
    max_sandboxes: int = Field(64, ge=1)
    # Live sandboxes one competitor may hold at once, over all its requests, so that one
    # competitor cannot take every sandbox from the others.
    max_sandboxes_per_competitor: int = Field(8, ge=1)
    # Per stream (stdout, stderr) and exec; the rest is read and dropped, and flagged.
    max_output_bytes: int = Field(1 * MIB, ge=1024)
    # Largest file written, read or served as an artifact.
    max_file_bytes: int = Field(25 * MIB, ge=1024)
    sweep_interval_s: float = Field(5.0, gt=0)
    default_limits: Limits = DEFAULT_LIMITS
    max_limits: Limits = MAX_LIMITS

    # Validated on the maxima (declared after the defaults) so the error names a key.
    @field_validator("max_ttl_seconds")
    @classmethod
    def _ttl_above_default(cls, maximum: int, info: ValidationInfo) -> int:
        if maximum < info.data.get("default_ttl_seconds", 0):
            raise ValueError("is below default_ttl_seconds")
        return maximum

    @field_validator("max_limits")
    @classmethod
    def _limits_above_default(cls, maximum: Limits, info: ValidationInfo) -> Limits:
        default = info.data.get("default_limits")
        if default is not None and not default.within(maximum):
            raise ValueError("is below default_limits")
        return maximum

    def ttl(self, asked: int | None) -> int:
        return min(self.default_ttl_seconds if asked is None else asked, self.max_ttl_seconds)

    def check_file_size(self, data: bytes) -> None:
        if len(data) > self.max_file_bytes:
            raise JanusError(
                f"content: {len(data)} bytes is above the limit of {self.max_file_bytes} "
                "bytes per file.",
                status=413,
                code="file_too_large",
                param="content",
            )
