"""``janus.toml``: read once at the edge and validated into typed objects.

Everything downstream receives a ``Config`` and never looks at raw TOML again. Any problem
(unreadable file, bad TOML, unknown key, wrong type, duplicate or dangling competitor id)
becomes one ``ConfigError`` whose message names the file and the key.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

CONFIG_ENV = "JANUS_CONFIG"
DEFAULT_FILE_NAME = "janus.toml"

CompetitorId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class ConfigError(Exception):
    """The configuration cannot be used; the message is meant for the user, as is."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


IPNetwork = Annotated[
    ipaddress.IPv4Network | ipaddress.IPv6Network,
    BeforeValidator(lambda value: ipaddress.ip_network(value, strict=False)),
]


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
    # Proxies (addresses or networks) whose X-Forwarded-For is believed: behind them, the
    # client's address (for per-address limits and logs) is the nearest untrusted hop.
    trusted_proxies: list[IPNetwork] = Field(default_factory=list)


class RoutingConfig(_Section):
    router: str = "by-model"
    default: CompetitorId | None = None
    fallbacks: list[CompetitorId] = Field(default_factory=list)


class CompetitorConfig(_Section):
    id: CompetitorId
    # "external": a running container at ``url``. "subprocess": the gateway runs the
    # competitor plugin ``plugin`` itself (``janus serve``), restarts it if it dies, and
    # talks to it over a unix socket; with ``isolate_network`` it gets no network at all.
    kind: Literal["external", "subprocess"] = "external"
    url: str | None = None
    plugin: str | None = None
    isolate_network: bool = True
    startup_timeout_s: float = Field(60.0, gt=0)
    # Variables of the gateway's environment a subprocess competitor may see: names, or
    # prefixes ending in "_". A name that looks like a credential never passes.
    pass_env: list[str] = Field(default_factory=list)
    # The jail's limits for a subprocess competitor: all its processes together.
    memory_mb: int = Field(2048, ge=128)
    processes: int = Field(256, ge=8)
    cpus: float = Field(1.0, gt=0)
    # An optional subprocess competitor whose plugin is not installed is left out with a
    # warning instead of stopping start-up (the embedded default lists the baselines so).
    optional: bool = False
    name: str | None = None
    description: str = ""
    # A long-lived platform key for calls outside any client request (warm-up, health):
    # the name of the environment variable that holds it, never the key itself.
    platform_key_env: str | None = None

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if (
            url is None
            or url.startswith(("http://", "https://"))
            or (url.startswith("unix:") and len(url) > len("unix:"))
        ):
            return url.rstrip("/") if url else url
        raise ValueError("must start with http://, https:// or unix:/path/to.sock")

    @model_validator(mode="after")
    def _kind_has_what_it_needs(self) -> CompetitorConfig:
        if self.kind == "external" and not self.url:
            raise _FieldError("url", "required for an external competitor")
        if self.kind == "subprocess" and not self.plugin:
            raise _FieldError("plugin", "required for a subprocess competitor")
        if self.kind == "subprocess" and self.url:
            raise _FieldError("url", "not allowed for a subprocess competitor (it gets a socket)")
        return self


class BackendChoice(_Section):
    """A platform service: which backend plugin serves it, and each backend's own settings.

    The settings tables are validated by the chosen backend's own model at start-up, so a
    third-party backend's keys are checked as strictly as ours.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    backend: str

    def settings_for(self, name: str) -> dict[str, Any]:
        table = (self.model_extra or {}).get(name, {})
        return table if isinstance(table, dict) else {"": table}


class InferenceChoice(BackendChoice):
    # "auto": upstream when its API key is in the environment, else the embedded model.
    backend: str = "auto"


class SandboxChoice(BackendChoice):
    backend: str = "local"


class SearchChoice(BackendChoice):
    backend: str = "local"


class PlatformConfig(_Section):
    enabled: bool = True
    # Name of the environment variable holding the HMAC secret for platform tokens; unset
    # means a random secret per process (fine for one replica, not for several).
    secret_env: str = "JANUS_PLATFORM_SECRET"
    # How competitors reach the platform (sent to them with every request); empty means
    # the gateway's own address.
    public_url: str = ""
    data_dir: str = "~/.local/share/janus"
    inference: InferenceChoice = Field(default_factory=InferenceChoice)
    sandbox: SandboxChoice = Field(default_factory=SandboxChoice)
    search: SearchChoice = Field(default_factory=SearchChoice)


class ArtifactsConfig(_Section):
    max_bytes: int = Field(25 * 1024 * 1024, ge=1)
    # Artifacts up to this size may stay inline as data: URLs instead of being re-hosted.
    inline_max_bytes: int = Field(0, ge=0)
    url_ttl_s: int = Field(24 * 3600, ge=60)
    allowed_mime_types: list[str] = Field(
        default_factory=lambda: ["image/*", "text/*", "audio/*", "video/*", "application/*"]
    )


class GuardrailsConfig(_Section):
    """Which guardrails run, in order, and one settings table per guardrail.

    Like ``BackendChoice``, each ``[guardrails.<name>]`` table is validated at start-up by
    that guardrail's own ``Settings`` model.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: list[str] = Field(default_factory=list)
    # Serving a non-loopback address without client authentication is refused unless
    # this is set: an open gateway spends its operator's inference budget for anyone.
    allow_unauthenticated_public: bool = False

    @field_validator("enabled")
    @classmethod
    def _no_repeats(cls, enabled: list[str]) -> list[str]:
        if repeated := sorted({name for name in enabled if enabled.count(name) > 1}):
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return enabled

    def settings_for(self, name: str) -> dict[str, Any]:
        table = (self.model_extra or {}).get(name, {})
        return table if isinstance(table, dict) else {"": table}

    def tables(self) -> list[str]:
        """The names that have a settings table."""
        return list(self.model_extra or {})


class StoreConfig(_Section):
    # Empty: an SQLite file under ``platform.data_dir``. A ``postgresql://`` DSN: PostgreSQL,
    # which several gateway replicas can share.
    url: str = ""


# The composite's weights per component (DESIGN §8); published with every result.
DEFAULT_WEIGHTS = {
    "quality": 45.0,
    "speed": 20.0,
    "cost": 15.0,
    "streaming": 10.0,
    "multimodal": 10.0,
}


class CompetitionConfig(_Section):
    # The admin key guards the competition's admin endpoints and lets janus-bench use the
    # platform sandbox. Unset: the gateway generates one into ``<data_dir>/admin.key``
    # (mode 0600), so a bench on the same machine finds it without configuration.
    admin_key_env: str = "JANUS_ADMIN_KEY"
    # The canonical suite: the leaderboard ranks evaluations on its current version only.
    suite: str = "public/dev"
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    @field_validator("weights")
    @classmethod
    def _known_components(cls, weights: dict[str, float]) -> dict[str, float]:
        if unknown := sorted(set(weights) - set(DEFAULT_WEIGHTS)):
            known = ", ".join(DEFAULT_WEIGHTS)
            raise ValueError(f"unknown component(s) {', '.join(unknown)} (known: {known})")
        if any(weight < 0 for weight in weights.values()):
            raise ValueError("weights cannot be negative")
        if not sum(weights.values()) > 0:
            raise ValueError("at least one weight must be positive")
        return weights


class WebConfig(_Section):
    enabled: bool = True


class ArenaConfig(_Section):
    """``[arena]``: anonymous side-by-side battles and their votes (specs/arena.md)."""

    enabled: bool = True
    # The router that picks each battle's pair (its first two candidates are A and B).
    router: str = "arena"
    # A battle can be streamed and voted on for this long after it was created.
    battle_ttl_s: float = Field(3600.0, gt=0)
    # Per client address (see gateway.trusted_proxies): token buckets.
    battles_per_minute: float = Field(10.0, gt=0)
    battle_burst: int = Field(5, ge=1)
    votes_per_minute: float = Field(20.0, gt=0)
    vote_burst: int = Field(10, ge=1)
    # The boards' bootstrap: resamples per confidence interval, and the seed of their draws.
    bootstrap_rounds: int = Field(100, ge=10, le=10_000)
    seed: int = 0


class JailConfig(_Section):
    """``[jail]``: how untrusted programs run on this host (see specs/platform.md)."""

    # Each live jail holds one host uid of [uid_base, uid_base + uid_count), leased with a
    # lock file in lock_dir, so no two jails on the host, of any gateway, share one.
    uid_base: int = Field(200_000, ge=1000)
    uid_count: int = Field(65_536, ge=1)
    lock_dir: str = "/run/janus/jail-uids"
    # Without cgroups and workspace volumes, limits are per process only: start-up refuses
    # that unless the operator accepts it here.
    allow_unenforced_limits: bool = False


class Config(_Section):
    jail: JailConfig = Field(default_factory=JailConfig)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    competitors: list[CompetitorConfig] = Field(default_factory=list)
    platform: PlatformConfig = Field(default_factory=PlatformConfig)
    artifacts: ArtifactsConfig = Field(default_factory=ArtifactsConfig)
    guardrails: GuardrailsConfig = Field(default_factory=GuardrailsConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    competition: CompetitionConfig = Field(default_factory=CompetitionConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    arena: ArenaConfig = Field(default_factory=ArenaConfig)

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

    def without(self, competitor_ids: set[str]) -> Config:
        """This configuration minus some competitors, and minus routing to them."""
        if not competitor_ids:
            return self
        fallbacks = [c for c in self.routing.fallbacks if c not in competitor_ids]
        default = self.routing.default
        if default in competitor_ids:  # the first remaining fallback takes its place
            default = fallbacks.pop(0) if fallbacks else None
        routing = self.routing.model_copy(update={"default": default, "fallbacks": fallbacks})
        kept = [c for c in self.competitors if c.id not in competitor_ids]
        return self.model_copy(update={"competitors": kept, "routing": routing})


class _KeyError(ValueError):
    """A cross-field problem that knows which key it is about."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class _FieldError(ValueError):
    """A cross-field problem inside a table, about one of its keys."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
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
    if isinstance(ctx_error, _FieldError):
        return f"{_key_path((*error['loc'], ctx_error.field))}: {ctx_error.message}"
    key = _key_path(error["loc"])
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    message = error["msg"].removeprefix("Value error, ")
    return f"{key}: {message}"


SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


def validate_settings(model: type[SettingsModel], data: dict[str, Any], key: str) -> SettingsModel:
    """Validate a plugin's own settings table (e.g. ``platform.inference.local``).

    Plugins bring their settings model; this gives their errors the same one-line,
    key-naming form as the core configuration's.
    """
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        problems = "; ".join(f"{key}.{_describe(error)}" for error in exc.errors())
        raise ConfigError(problems) from None


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
