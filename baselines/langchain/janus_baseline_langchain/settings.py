"""Settings, read from ``JANUS_LANGCHAIN_*`` environment variables as a container would.

Names avoid ``KEY``, ``SECRET``, ``TOKEN``, ``PASSWORD`` and ``CREDENTIAL``: the gateway
strips variables whose names contain those from a subprocess competitor's environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PREFIX = "JANUS_LANGCHAIN_"


class SettingsError(ValueError):
    """An environment variable holds a value the baseline cannot use."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Model name at the platform's inference; unset: the first model the platform lists.
    model: str | None = None
    # Our own deadline, a little under the gateway's default 300 s, so that a stuck run ends
    # with a clean in-band error and a terminated sandbox rather than a cut connection.
    request_timeout_s: float = Field(280.0, gt=0)
    model_timeout_s: float = Field(120.0, gt=0)
    model_retries: int = Field(1, ge=0)
    tool_timeout_s: float = Field(60.0, gt=0)
    max_tool_rounds: int = Field(10, ge=1)
    keepalive_s: float = Field(1.0, gt=0, le=2.0)
    # Safety net: the platform reaps the sandbox after this long idle if termination fails.
    sandbox_ttl_s: int = Field(600, ge=1)
    max_tool_output_chars: int = Field(8000, ge=100)
    # Artifacts travel as data: URLs inside one SSE event, which the gateway caps at 16 MiB.
    max_artifact_bytes: int = Field(8 * 1024 * 1024, ge=1, le=12 * 1024 * 1024)
    search_results: int = Field(5, ge=1, le=50)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        values = {
            name: environ[PREFIX + name.upper()]
            for name in cls.model_fields
            if PREFIX + name.upper() in environ
        }
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            variable = PREFIX + str(error["loc"][0]).upper()
            raise SettingsError(f"{variable}: {error['msg']}") from None
