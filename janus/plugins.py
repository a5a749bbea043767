"""The plugin manager: built-ins and entry-point plugins, registered the same way.

Built-in plugins are ordinary modules registered through this manager (dogfooding), so a
third-party router or guardrail is a peer of ours. Third-party plugins are found through the
``janus`` entry-point group; ``JANUS_PLUGINS=a,b`` limits which of them load.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import importlib_metadata
import pluggy

from janus import __version__, hookspecs

ENTRY_POINT_GROUP = "janus"

BUILTIN_PLUGINS = (
    "janus.builtin.routers",
    "janus.builtin.rewards",
    "janus.platform.inference.local",
    "janus.platform.inference.upstream",
    "janus.platform.search.local",
    "janus.platform.search.http",
    "janus.platform.sandbox.local",
    "janus.platform.sandbox.sandy",
    "janus.builtin.search_commands",
    "janus.builtin.validate_command",
    "janus.builtin.plugin_commands",
    "janus.builtin.guardrails.request_size",
    "janus.builtin.guardrails.client_auth",
    "janus.builtin.guardrails.secret_scan",
    "janus.builtin.guardrails.url_policy",
    "janus.gateway.runtimes.container",
    "janus.gateway.runtimes.commands",
)


class PluginError(Exception):
    """A plugin could not be loaded or registered something invalid."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    builtin: bool


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus the distribution each plugin came from."""

    def __init__(self) -> None:
        super().__init__("janus")
        self.add_hookspecs(hookspecs)
        self._versions: dict[str, str] = {}
        self._builtin: set[str] = set()

    def register_builtin(self, module_name: str) -> None:
        self.register(importlib.import_module(module_name), name=module_name)
        self._versions[module_name] = __version__
        self._builtin.add(module_name)

    def load_entry_points(self, allow: set[str] | None) -> None:
        """Load the ``janus`` entry points, all of them or only those in ``allow``."""
        entry_points = importlib_metadata.entry_points(group=ENTRY_POINT_GROUP)
        installed = {ep.name for ep in entry_points}
        if allow is not None and (missing := sorted(allow - installed)):
            known = ", ".join(sorted(installed)) or "none"
            raise PluginError(
                f"JANUS_PLUGINS names {', '.join(missing)}, which is not installed "
                f"(installed plugins: {known})"
            )
        for ep in entry_points:
            if allow is not None and ep.name not in allow:
                continue
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:
                where = f"plugin '{ep.name}' ({ep.value})"
                raise PluginError(f"{where} failed to load: {_one_line(exc)}") from exc
            self._versions[ep.name] = ep.dist.version if ep.dist else "unknown"

    def describe(self) -> list[PluginInfo]:
        infos = []
        for plugin in self.get_plugins():
            name = self.get_name(plugin) or repr(plugin)
            hooks = tuple(sorted(caller.name for caller in self.get_hookcallers(plugin) or ()))
            infos.append(
                PluginInfo(name, self._versions.get(name, "unknown"), hooks, name in self._builtin)
            )
        return sorted(infos, key=lambda info: (not info.builtin, info.name))

    def collect(self, hook_name: str) -> dict[str, Any]:
        """Call a ``register_*`` hook and return what plugins registered, by name.

        Each plugin is called in turn (not through one pluggy call) so that a clash or a
        crash names the plugin responsible.
        """
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        plugin_name = ""

        def register(name: str, obj: Any) -> None:
            if not isinstance(name, str) or not name:
                raise PluginError(
                    f"plugin '{plugin_name}': {hook_name}: register() needs a non-empty name, "
                    f"got {name!r}"
                )
            if name in found:
                raise PluginError(
                    f"{hook_name}: '{name}' is registered twice "
                    f"(by plugin '{owners[name]}' and by plugin '{plugin_name}')"
                )
            found[name], owners[name] = obj, plugin_name

        for impl in self._impls(hook_name):
            plugin_name = impl.plugin_name
            with _blame(impl, hook_name):
                _invoke(impl, register=register)
        return found

    def call(self, hook_name: str, **kwargs: Any) -> None:
        """Call a hook on each plugin in registration order; a crash names the plugin."""
        for impl in self._impls(hook_name):
            with _blame(impl, hook_name):
                _invoke(impl, **kwargs)

    async def acall(self, hook_name: str, **kwargs: Any) -> None:
        """Like ``call``, awaiting the implementations that return an awaitable."""
        for impl in self._impls(hook_name):
            with _blame(impl, hook_name):
                result = _invoke(impl, **kwargs)
                if inspect.isawaitable(result):
                    await result

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        return getattr(self.hook, hook_name).get_hookimpls()


def _invoke(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    return impl.function(**{name: kwargs[name] for name in impl.argnames})


@contextmanager
def _blame(impl: pluggy.HookImpl, hook_name: str) -> Iterator[None]:
    try:
        yield
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(
            f"plugin '{impl.plugin_name}' failed in {hook_name}: {_one_line(exc)}"
        ) from exc


def allow_list_from_env(environ: dict[str, str] | os._Environ = os.environ) -> set[str] | None:
    """``JANUS_PLUGINS`` unset means every installed plugin; set (even empty) is an allow-list."""
    value = environ.get("JANUS_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def load_plugins(allow: set[str] | None = None, *, use_env: bool = True) -> PluginManager:
    """Build a plugin manager with the built-ins and the allowed entry-point plugins.

    Unknown hook names fail here, at start-up, rather than being silently never called.
    """
    pm = PluginManager()
    for module_name in BUILTIN_PLUGINS:
        pm.register_builtin(module_name)
    if allow is None and use_env:
        allow = allow_list_from_env()
    pm.load_entry_points(allow)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{pm.get_name(exc.plugin)}': {_one_line(exc)}") from exc
    return pm


def _one_line(exc: BaseException) -> str:
    """The CLI promises one line on stderr, but pluggy's validation errors span three and
    some exceptions carry no message at all; keep every line, joined, or the type's name."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines) or type(exc).__name__
