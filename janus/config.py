"""``janus.toml``: read once at the edge and validated into typed objects.

Everything downstream receives a ``Config`` and never looks at raw TOML again. Any problem
(unreadable file, bad TOML, unknown key, wrong type, duplicate or dangling competitor id)
becomes one ``ConfigError`` whose message names the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_ENV = "JANUS_CONFIG"
DEFAULT_FILE_NAME = "janus.toml"

CompetitorId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class ConfigError(Exception):
    """The configuration cannot be used; the message is meant for the user, as is."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewayConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    request_timeout_s: float = Field(300.0, gt=0)
    keepalive_interval_s: float = Field(1.0, gt=0)
    connect_timeout_s: float = Field(10.0, gt=0)
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    max_event_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    max_response_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    shutdown_grace_s: float = Field(10.0, ge=0)
    access_log: bool = True


class RoutingConfig(_Section):
    router: str = "by-model"
    default: CompetitorId | None = None
    fallbacks: list[CompetitorId] = Field(default_factory=list)


class CompetitorConfig(_Section):
    id: CompetitorId
    url: str
    name: str | None = None
    description: str = ""

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if url.startswith(("http://", "https://")) or (
            url.startswith("unix:") and len(url) > len("unix:")
        ):
            return url.rstrip("/")
        raise ValueError("must start with http://, https:// or unix:/path/to.sock")


class Config(_Section):
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    competitors: list[CompetitorConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids_are_unique_and_known(self) -> Config:
        seen: set[str] = set()
        for index, competitor in enumerate(self.competitors):
            if competitor.id in seen:
                raise _KeyError(f"competitors[{index}].id", f"duplicate id '{competitor.id}'")
            seen.add(competitor.id)
        if self.routing.default is not None and self.routing.default not in seen:
            raise _KeyError("routing.default", f"no competitor has id '{self.routing.default}'")
        for index, fallback in enumerate(self.routing.fallbacks):
            if fallback not in seen:
                raise _KeyError(f"routing.fallbacks[{index}]", f"no competitor has id '{fallback}'")
        return self

    def competitor(self, competitor_id: str) -> CompetitorConfig | None:
        return next((c for c in self.competitors if c.id == competitor_id), None)


class _KeyError(ValueError):
    """A cross-field problem that knows which key it is about."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _describe(error: dict[str, Any]) -> str:
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _KeyError):
        return f"{ctx_error.key}: {ctx_error.message}"
    key = _key_path(error["loc"])
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    message = error["msg"].removeprefix("Value error, ")
    return f"{key}: {message}"


def parse_config(data: dict[str, Any], source: str) -> Config:
    """Validate in strict mode: TOML values are already typed, so ``port = true`` or
    ``access_log = "no"`` is a mistake to report, not something to coerce (to 1, to True)."""
    try:
        return Config.model_validate(data, strict=True)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None


def load_config(path: str | os.PathLike[str]) -> Config:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{source}: cannot read the file: {reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse_config(data, source)


def load_default_config() -> Config:
    """The embedded default that ``janus run`` uses when no file is given or found."""
    text = resources.files("janus").joinpath("default.toml").read_text(encoding="utf-8")
    return parse_config(tomllib.loads(text), "embedded default (janus/default.toml)")


def resolve_config(explicit: str | None, environ: os._Environ | dict[str, str] = os.environ):
    """Pick the configuration: ``--config``, then ``$JANUS_CONFIG``, then ``./janus.toml``,
    then the embedded default. Returns the config and where it came from."""
    path = explicit or environ.get(CONFIG_ENV)
    if path:
        return load_config(path), path
    if Path(DEFAULT_FILE_NAME).is_file():
        return load_config(DEFAULT_FILE_NAME), DEFAULT_FILE_NAME
    return load_default_config(), "embedded default"
