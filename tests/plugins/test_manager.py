"""``janus.plugins.PluginManager``: what ``collect`` returns and rejects, how built-ins are
registered (dogfooding: through the same manager as everybody else) and described."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from janus import __version__
from janus.builtin.routers import ByModelRouter
from janus.hookspecs import hookimpl
from janus.plugins import (
    BUILTIN_PLUGINS,
    PluginError,
    PluginInfo,
    PluginManager,
    allow_list_from_env,
    load_plugins,
)
from tests.plugins.conftest import TINY_VERSION


class Routers:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def register_routers(self, register):
        for name in self.names:
            register(name, f"router {name}")


class Guardrails:
    @hookimpl
    def register_guardrails(self, register):
        register("no-shouting", str.lower)


def manager(**plugins: object) -> PluginManager:
    pm = PluginManager()
    for name, plugin in plugins.items():
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def test_collect_gathers_every_plugin_by_name() -> None:
    pm = manager(a=Routers("one", "two"), b=Routers("three"), g=Guardrails())
    assert pm.collect("register_routers") == {
        "one": "router one",
        "two": "router two",
        "three": "router three",
    }
    assert pm.collect("register_guardrails") == {"no-shouting": str.lower}
    assert pm.collect("register_scorers") == {}


def test_collect_rejects_a_duplicate_across_plugins() -> None:
    pm = manager(a=Routers("same"), b=Routers("same"))
    with pytest.raises(
        PluginError,
        match=r"^register_routers: 'same' is registered twice \(by plugin 'a' and by plugin 'b'\)$",
    ):
        pm.collect("register_routers")


def test_a_crashing_registration_hook_names_its_plugin() -> None:
    class Crashing:
        @hookimpl
        def register_routers(self, register):
            raise RuntimeError("no router today")

    pm = manager(crashy=Crashing())
    with pytest.raises(
        PluginError, match=r"^plugin 'crashy' failed in register_routers: no router today$"
    ):
        pm.collect("register_routers")


async def test_lifecycle_hooks_are_awaited_and_a_crash_names_the_plugin() -> None:
    calls = []

    class Lifecycle:
        @hookimpl
        async def startup(self, app):
            calls.append(app)

    class Broken:
        @hookimpl
        def shutdown(self, app):
            raise ValueError("disk full")

    pm = manager(ok=Lifecycle(), broken=Broken())
    await pm.acall("startup", app="the app")
    assert calls == ["the app"]
    with pytest.raises(PluginError, match=r"plugin 'broken' failed in shutdown: disk full"):
        await pm.acall("shutdown", app="the app")


def test_collect_rejects_a_duplicate_within_one_plugin() -> None:
    pm = manager(a=Routers("x", "y", "x"))
    with pytest.raises(PluginError, match="'x' is registered twice"):
        pm.collect("register_routers")


@pytest.mark.parametrize("name", ["", None, 3])
def test_collect_rejects_a_missing_name(name: object) -> None:
    class Nameless:
        @hookimpl
        def register_scorers(self, register):
            register(name, object())

    pm = manager(nameless=Nameless())
    with pytest.raises(PluginError, match=r"register_scorers: register\(\) needs a non-empty name"):
        pm.collect("register_scorers")


def test_builtin_router_is_registered_through_the_manager() -> None:
    pm = load_plugins(set(), use_env=False)
    routers = pm.collect("register_routers")
    assert isinstance(routers["by-model"], ByModelRouter)
    infos = {info.name: info for info in pm.describe()}
    assert infos["janus.builtin.routers"] == PluginInfo(
        "janus.builtin.routers", __version__, ("register_routers",), True
    )
    assert {name for name, info in infos.items() if info.builtin} == set(BUILTIN_PLUGINS)


def test_builtin_and_third_party_routers_come_from_one_collect() -> None:
    pm = load_plugins(set(), use_env=False)
    pm.register(Routers("mine"), name="mine")
    assert {"by-model", "mine"} <= pm.collect("register_routers").keys()
    # a third party cannot shadow a built-in silently
    pm.register(Routers("by-model"), name="shadow")
    with pytest.raises(PluginError, match="'by-model' is registered twice"):
        pm.collect("register_routers")


def test_describe_lists_hooks_sorted_and_builtins_first() -> None:
    pm = load_plugins(set(), use_env=False)

    class Both(Routers, Guardrails):
        pass

    pm.register(Both("r"), name="aaa-first-by-name")
    infos = pm.describe()
    assert infos[0].builtin
    ours = next(info for info in infos if info.name == "aaa-first-by-name")
    assert ours.hooks == ("register_guardrails", "register_routers")
    assert ours.version == "unknown"  # not from a distribution
    assert not ours.builtin


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", set()),
        ("   ", set()),
        ("a", {"a"}),
        ("a,b", {"a", "b"}),
        (" a , b ,, ", {"a", "b"}),
    ],
)
def test_allow_list_from_env(value: str | None, expected: set[str] | None) -> None:
    environ = {} if value is None else {"JANUS_PLUGINS": value}
    assert allow_list_from_env(environ) == expected


@pytest.fixture
def tiny_on_path(tiny_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(tiny_site))
    yield
    sys.modules.pop("tiny_plugin", None)


@pytest.mark.usefixtures("tiny_on_path")
class TestEntryPointsInProcess:
    def test_allowed_plugin_is_loaded_with_its_distribution_version(self) -> None:
        pm = load_plugins({"tiny"}, use_env=False)
        info = next(info for info in pm.describe() if info.name == "tiny")
        assert info == PluginInfo(
            "tiny",
            TINY_VERSION,
            ("register_commands", "register_competitors", "register_routers"),
            False,
        )
        assert {"by-model", "tiny-router"} <= pm.collect("register_routers").keys()
        assert "tiny-echo" in pm.collect("register_competitors")

    def test_empty_allow_list_loads_nothing_but_builtins(self) -> None:
        pm = load_plugins(set(), use_env=False)
        assert all(info.builtin for info in pm.describe())
        assert "tiny_plugin" not in sys.modules  # not even imported
