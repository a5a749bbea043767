"""The marketplace: registered components, their manifests and their use.

Components come from plugins (``register_components``) and are served on the platform
(``janus.platform.components``); this package lists them and publishes their usage.
"""

from __future__ import annotations

from aiohttp import web

from janus.gateway.keys import PLUGINS, STORE
from janus.gateway.marketplace import api
from janus.gateway.marketplace.registry import load_components
from janus.platform.components.api import CALL_LOG, COMPONENTS


def setup_marketplace(app: web.Application) -> None:
    """Collect the components (a bad one stops start-up) and add the marketplace routes."""
    app[COMPONENTS] = load_components(app[PLUGINS])
    app[CALL_LOG] = app[STORE]
    api.add_routes(app)
