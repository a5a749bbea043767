"""``janus.toml``: read once at the edge and validated into typed objects.

Everything downstream receives a ``Config`` and never looks at raw TOML again. Any problem
(unreadable file, bad TOML, unknown key, wrong type, duplicate or dangling competitor id)
becomes one ``ConfigError`` whose message names the file and the key.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
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
# The model name that asks the router to choose (the routers' default and fallbacks).
JANUS_MODEL = "janus"


class ConfigError(Exception):
    """The configuration cannot be used; the message is meant for the user, as is."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


IPNetwork = Annotated[
    ipaddress.IPv4Network | ipaddress.IPv6Network,
    BeforeValidator(lambda value: ipaddress.ip_network(value, strict=False)),
]


_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>[^/?#@\s]+)/?", re.IGNORECASE)


def _origin(value: str) -> str:
    """A browser's serialisation of an origin (lower-case scheme and host, no path), or "*"."""
    if value == "*":
        return value
    match = _ORIGIN.fullmatch(value)
    if match is None:
        raise ValueError(f'{value!r} is not an origin like https://app.example:8443 (or "*")')
    return f"{match['scheme'].lower()}://{match['host'].lower()}"


Origin = Annotated[str, AfterValidator(_origin)]


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
    # Connection hygiene (janus/connections.py): how long a client may take to send a
    # request head and a request body, how long an idle kept-alive connection stays, and
    # how many connections one peer address may hold at once (0: no cap).
    header_timeout_s: float = Field(10.0, gt=0)
    body_timeout_s: float = Field(60.0, gt=0)
    idle_timeout_s: float = Field(75.0, gt=0)
    max_connections_per_client: int = Field(256, ge=0)
    # Origins whose pages may call /v1/* from a browser (CORS); "*" means any. Off when empty.
    cors_origins: list[Origin] = Field(default_factory=list)


class RoutingConfig(_Section):
    router: str = "by-model"
    default: CompetitorId | None = None
    fallbacks: list[CompetitorId] = Field(default_factory=list)
    # Other names clients use for a model: alias → a competitor id (or "janus"), resolved
    # before routing, so clients written for other names work unchanged.
    aliases: dict[CompetitorId, str] = Field(default_factory=dict)


class ContainerLimits(_Section):
    """What one competitor container may use (cgroup limits and a size-capped /tmp)."""

    memory_mb: int = Field(512, ge=32)
    cpus: float = Field(1.0, gt=0, le=256)
    pids: int = Field(128, ge=16)
    tmp_mb: int = Field(64, ge=1)
    # Started with the gateway and never stopped for idleness (else: on the first request).
    keep_warm: bool = False


class ContainersConfig(ContainerLimits):
    """The container runtime: how competitor images run (``kind = "container"`` and
    submitted images); the limits here are the defaults a competitor may override."""

    # Which registered runtime deploys submitted images.
    runtime: str = "container"
    podman: str = "podman"
    oci_runtime: str = "runc"
    # "never": only images already on the host (loaded by an admin) run; pulling a
    # reference an anonymous submitter chose would make the host contact any registry.
    pull: Literal["missing", "never", "always"] = "never"
    user: str = Field("65534:65534", pattern=r"^[1-9][0-9]*(:[1-9][0-9]*)?$")
    # Inside the container: where it must serve ($PORT) and where JANUS_PLATFORM_URL points.
    port: int = Field(8080, ge=1, le=65535)
    platform_port: int = Field(8081, ge=1, le=65535)
    idle_stop_s: float = Field(900.0, gt=0)
    startup_timeout_s: float = Field(60.0, gt=0)
    log_lines: int = Field(2000, ge=10)
    # The host's default seccomp profile, which the runtime tightens (no new namespaces).
    seccomp_default: str = "/usr/share/containers/seccomp.json"
    # The largest image archive an admin may upload (POST /v1/competitors/images).
    max_archive_bytes: int = Field(4 * 1024**3, ge=1024)
    # Start-up runs one probe container; when Podman does not enforce its memory, pids or
    # network limits here, start-up refuses unless the operator accepts that here.
    allow_unenforced_limits: bool = False

    @model_validator(mode="after")
    def _ports_differ(self) -> ContainersConfig:
        if self.port == self.platform_port:
            raise _FieldError("platform_port", "must differ from port")
        return self

    def limits_for(self, competitor: CompetitorConfig | None) -> ContainerLimits:
        """These defaults with the competitor's own overrides applied."""
        fields = ContainerLimits.model_fields
        limits = {name: getattr(self, name) for name in fields}
        if competitor is not None:
            for name in fields:
                if (value := getattr(competitor, name)) is not None:
                    limits[name] = value
        return ContainerLimits(**limits)


_RUNTIME_KEYS = ("image", *ContainerLimits.model_fields)
_JAIL_KEYS = ("memory_mb", "cpus", "pids")  # a subprocess competitor's jail takes these too


class CompetitorConfig(_Section):
    id: CompetitorId
    # "external": a running container at ``url``. "subprocess": the gateway runs the
    # competitor plugin ``plugin`` itself (``janus serve``), restarts it if it dies, and
    # talks to it over a unix socket; with ``isolate_network`` it gets no network at all.
    # Any other kind names a registered runtime (built-in: "container") that runs ``image``.
    kind: str = Field("external", pattern=r"^[a-z][a-z0-9-]{0,39}$")
    url: str | None = None
    plugin: str | None = None
    image: str | None = Field(None, min_length=1, max_length=500)
    # Limits of a subprocess competitor's jail or a container (all its processes together);
    # unset: the runtime's defaults ([containers], or SUBPROCESS_LIMITS).
    memory_mb: int | None = Field(None, ge=32)
    cpus: float | None = Field(None, gt=0, le=256)
    pids: int | None = Field(None, ge=16)
    tmp_mb: int | None = Field(None, ge=1)
    keep_warm: bool | None = None
    isolate_network: bool = True
    startup_timeout_s: float = Field(60.0, gt=0)
    # Variables of the gateway's environment a subprocess competitor may see: names, or
    # prefixes ending in "_". A name that looks like a credential never passes.
    pass_env: list[str] = Field(default_factory=list)
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
        if self.kind in ("external", "subprocess"):
            allowed = _JAIL_KEYS if self.kind == "subprocess" else ()
            keys = [key for key in _RUNTIME_KEYS if key not in allowed]
            if given := [key for key in keys if getattr(self, key) is not None]:
                raise _FieldError(given[0], f"only for a container competitor, not {self.kind}")
        else:
            if not self.image:
                raise _FieldError("image", f"required for a {self.kind} competitor")
            if self.url or self.plugin:
                key = "url" if self.url else "plugin"
                raise _FieldError(key, f"not allowed for a {self.kind} competitor")
        return self

    @property
    def runs_image(self) -> bool:
        """Whether a runtime plugin runs this competitor from ``image``."""
        return self.kind not in ("external", "subprocess")


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


class TrustedSigner(_Section):
    """Someone whose imported results may be ranked: a name, and the environment variable
    that holds the key (shared with the signer) their results are signed with."""

    name: CompetitorId
    key_env: str = Field(min_length=1)


class RewardsConfig(_Section):
    """Which reward policy turns the leaderboard history into the reward ledger, and one
    settings table per policy (validated by the policy's own ``Settings`` model)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: bool = True
    policy: str = "winner-takes-most"

    def settings_for(self, name: str) -> dict[str, Any]:
        table = (self.model_extra or {}).get(name, {})
        return table if isinstance(table, dict) else {"": table}


class CompetitionConfig(_Section):
    # Which accepted submissions get an evaluation on the canonical suite at once (one at
    # a time per gateway), and on which share of its tasks.
    auto_evaluate: Literal["off", "images", "all"] = "images"
    auto_evaluate_subset: float = Field(100.0, gt=0, le=100)
    # The admin key guards the competition's admin endpoints and lets janus-bench use the
    # platform sandbox. Unset: the gateway generates one into ``<data_dir>/admin.key``
    # (mode 0600), so a bench on the same machine finds it without configuration.
    admin_key_env: str = "JANUS_ADMIN_KEY"
    # The canonical suite: the leaderboard ranks evaluations on its current version only.
    # ``generated/v1``: items written for every evaluation from a secret seed, so no
    # answer can be known in advance (specs/bench-tasks.md §7).
    suite: str = "generated/v1"
    # The ranked suite's version and content hash, pinned: evaluations of anything else
    # are listed but never ranked. Unset: what the installed janus-bench has for ``suite``.
    suite_version: str | None = None
    suite_hash: str | None = None
    # A public suite's answers ship with janus-bench: ranking on one needs this (rows are
    # then flagged with ``suite_kind: "public"``).
    allow_public_suite: bool = False
    # URL competitors run off the platform (unmetered, changeable after evaluation): they
    # are listed apart and never crowned unless this is set.
    rank_external: bool = False
    # Signers whose imported results (``POST /v1/evaluations/results``) may be ranked.
    trusted_signers: list[TrustedSigner] = Field(default_factory=list)
    rewards: RewardsConfig = Field(default_factory=RewardsConfig)
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Post-crowning audits (specs/competition.md): the mean seconds between audits of the
    # champion, at random times; 0 turns the background audits off
    # (``POST /v1/competition/audit`` still runs one).
    audit_interval_s: float = Field(0.0, ge=0)
    # The share of the suite's items (percent, at least one of each type) an audit uses.
    audit_subset: float = Field(40.0, gt=0, lt=100)
    # Composite points an audit may fall short of the ranked interval without failing:
    # speed and streaming vary with the evaluating machine's load, not only the champion.
    audit_tolerance: float = Field(10.0, ge=0, le=100)
    # The crown's paired test: the false-crown probability an equal challenger may have
    # over all its attempts against one champion (spent as alpha·6/(π²k²) on attempt k).
    crown_alpha: float = Field(0.05, gt=0, lt=0.5)
    # Each task's budget in an evaluation (recorded with every task's result).
    task_timeout_s: float = Field(120.0, gt=0, le=3600)
    # A run is flagged ``overloaded`` when the evaluator's 1-minute load average per core
    # or its event loop's lag went above these during the run.
    overload_load_per_core: float = Field(2.0, gt=0)
    overload_loop_lag_s: float = Field(0.5, gt=0)

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

    @field_validator("trusted_signers")
    @classmethod
    def _unique_signers(cls, signers: list[TrustedSigner]) -> list[TrustedSigner]:
        names = [signer.name for signer in signers]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return signers


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
    containers: ContainersConfig = Field(default_factory=ContainersConfig)
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
        for alias, target in self.routing.aliases.items():
            if alias in seen or alias == JANUS_MODEL:
                raise _KeyError(f"routing.aliases.{alias}", "is already a model id")
            if target not in seen and target != JANUS_MODEL:
                raise _KeyError(
                    f"routing.aliases.{alias}",
                    f"no competitor has id '{target}' (targets are competitor ids or 'janus')",
                )
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
        aliases = {a: t for a, t in self.routing.aliases.items() if t not in competitor_ids}
        routing = self.routing.model_copy(
            update={"default": default, "fallbacks": fallbacks, "aliases": aliases}
        )
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
