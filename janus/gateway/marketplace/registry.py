"""The installed marketplace components, collected once at start-up.

A component whose manifest is invalid already failed inside its plugin's
``register_components`` (``Component`` validates itself); what is checked here is what
only the registration shows: that the object is a ``Component`` and that it is
registered under its manifest's id.
"""

from __future__ import annotations

from janus.interfaces import Component
from janus.plugins import PluginError, PluginManager


def load_components(plugins: PluginManager) -> dict[str, Component]:
    components = plugins.collect("register_components")
    for name, component in components.items():
        if not isinstance(component, Component):
            raise PluginError(
                f"register_components: '{name}' is a {type(component).__name__}, "
                "not a janus.interfaces.Component"
            )
        if component.manifest.id != name:
            raise PluginError(
                f"register_components: component registered as '{name}' has manifest id "
                f"'{component.manifest.id}'; they must be the same"
            )
    return dict(sorted(components.items()))
