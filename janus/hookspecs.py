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

    ``factory(**settings)`` returns an ``aiohttp.web.Application`` that implements the
    competitor contract (``POST /v1/chat/completions``, ``GET /health``).
    ``janus serve NAME`` runs one standalone.
    """


@hookspec
def register_routers(register):
    """Register routers: ``register(name, router)``; see ``janus.interfaces.Router``."""


@hookspec
def register_guardrails(register):
    """Register guardrails: ``register(name, factory)``; see ``janus.interfaces.Guardrail``."""


@hookspec
def register_scorers(register):
    """Register scorers: ``register(name, scorer)``; see ``janus.interfaces.Scorer``."""


@hookspec
def register_components(register):
    """Register marketplace components: ``register(manifest, handler)``."""


@hookspec
def register_commands(cli):
    """Add sub-commands to the ``janus`` click group ``cli``."""


@hookspec
def startup(app):
    """Called once when the gateway application starts; may return an awaitable."""


@hookspec
def shutdown(app):
    """Called once when the gateway application stops; may return an awaitable."""
