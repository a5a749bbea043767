"""The whole Janus plugin contract: hook signatures and what they are for.

Registration hooks receive a ``register`` callback (the style of ``llm`` and datasette) so a
plugin can contribute any number of named objects; the plugin manager rejects duplicates.
Lifecycle hooks may return an awaitable, which the gateway awaits.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("janus")
hookimpl = pluggy.HookimplMarker("janus")


@hookspec
def register_competitors(register):
    """Register competitor factories: ``register(name, factory)``.

    ``factory()`` returns an ``aiohttp.web.Application`` that implements the competitor
    contract (``POST /v1/chat/completions``, ``GET /health``); it reads its own settings from
    the environment, as a container would. ``janus serve NAME`` runs one standalone.
    """


@hookspec
def register_routers(register):
    """Register routers: ``register(name, router)``; see ``janus.interfaces.Router``."""


@hookspec
def register_guardrails(register):
    """Register guardrails: ``register(name, factory)``.

    A factory rather than an instance because each guardrail gets its own validated
    settings table from ``janus.toml``; ``factory(settings)`` returns a
    ``janus.interfaces.Guardrail``.
    """


@hookspec
def register_scorers(register):
    """Register scorers: ``register(name, scorer)``; see ``janus.interfaces.Scorer``."""


@hookspec
def register_reward_policies(register):
    """Register reward policies: ``register(name, policy)``; see
    ``janus.interfaces.RewardPolicy`` (built-in: ``winner-takes-most``). The one named by
    ``[competition.rewards] policy`` turns each period of the leaderboard's history into
    payouts in the reward ledger (``GET /v1/rewards``)."""


@hookspec
def register_task_generators(register):
    """Register benchmark task generators: ``register(name, generator)``.

    A generator (``janus_bench.generators.TaskGenerator``) has a task ``type``, a
    ``version`` and ``generate(rng, count)`` returning new task objects whose answers it
    computed (specs/bench-tasks.md §7). Generated suites such as ``generated/v1`` draw
    their items from generators by name, with a fresh secret seed for every run.
    """


@hookspec
def register_components(register):
    """Register marketplace components: ``register(component_id, component)``.

    ``component`` is a ``janus.interfaces.Component``: its ``ComponentManifest`` (id,
    name, semver version, contract ``openapi`` | ``mcp``, category, description, inputs
    and outputs as JSON Schema, resources, license, author, docs), its async ``handler``
    and its contract document (OpenAPI 3 document or MCP tool list). ``component_id``
    must equal the manifest's id. Build the ``Component`` inside this hook: its manifest
    is validated on construction, so a bad one stops start-up with an error naming the
    plugin. The gateway lists components at ``/v1/marketplace/components`` and serves
    each at ``/platform/components/{id}/...`` behind the platform token, calling
    ``handler(ComponentCall)`` and attributing every call to the calling competitor and
    request (``specs/marketplace.md``).
    """


@hookspec
def register_inference_backends(register):
    """Register platform inference backends: ``register(name, factory)``.

    ``factory`` is a ``janus.platform.backends.BackendFactory`` whose product implements
    ``janus.platform.backends.InferenceBackend`` (built-ins: ``local``, ``upstream``).
    """


@hookspec
def register_sandbox_backends(register):
    """Register platform sandbox backends: ``register(name, factory)``.

    The product implements ``janus.platform.backends.SandboxBackend`` (built-ins: ``local``
    with bubblewrap, ``sandy``).
    """


@hookspec
def register_search_backends(register):
    """Register platform search backends: ``register(name, factory)``.

    The product implements ``janus.platform.backends.SearchBackend`` (built-ins: ``local``
    SQLite FTS5, ``http``).
    """


@hookspec
def register_runtimes(register):
    """Register competitor runtimes: ``register(kind, factory)``.

    ``factory(janus.interfaces.RuntimeContext)`` returns a
    ``janus.interfaces.CompetitorRuntime`` that runs competitors from images; a
    ``[[competitors]]`` entry with ``kind = "<kind>"`` and submitted images (through
    ``[containers] runtime``) use it (built-in: ``container``, with Podman).
    """


@hookspec
def register_commands(cli):
    """Add sub-commands to the ``janus`` click group ``cli``."""


@hookspec
def startup(app):
    """Called once when the gateway application starts; may return an awaitable."""


@hookspec
def shutdown(app):
    """Called once when the gateway application stops; may return an awaitable."""
