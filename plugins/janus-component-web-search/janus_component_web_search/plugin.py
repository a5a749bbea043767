"""The entry-point module: registering the component is all Janus needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from janus.hookspecs import hookimpl
from janus_component_web_search.component import build


@hookimpl
def register_components(register: Callable[[str, Any], None]) -> None:
    component = build()
    register(component.manifest.id, component)
