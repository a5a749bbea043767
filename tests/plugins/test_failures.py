"""Broken plugins fail fast, at start-up, with a one-line message that names the plugin:
unknown hook names (``check_pending``), an import that raises, a hook with wrong argument
names, and a registration that clashes with a built-in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pluggy
import pytest

from janus.hookspecs import hookimpl
from janus.plugins import PluginError, PluginManager, load_plugins
from tests.core.clirun import assert_one_line_error, janus_env, run_janus
from tests.plugins.conftest import BROKEN_MODULES


def broken_env(broken_site: Path, plugin: str) -> dict[str, str]:
    return janus_env(broken_site, JANUS_PLUGINS=plugin)


class TestThroughTheCLI:
    def test_unknown_hook(self, broken_site: Path, tmp_path: Path) -> None:
        result = run_janus("plugins", cwd=tmp_path, env=broken_env(broken_site, "badhook"))
        assert_one_line_error(result, "plugin 'badhook'", "unknown hook 'not_a_hook'")
        assert result.stdout == ""

    def test_unknown_hook_is_found_even_when_the_plugin_is_otherwise_fine(
        self, broken_site: Path, tmp_path: Path
    ) -> None:
        """Its valid ``register_routers`` does not let it through; nor does `run` start."""
        result = run_janus(
            "run", "--port", "0", cwd=tmp_path, env=broken_env(broken_site, "badhook")
        )
        assert_one_line_error(result, "plugin 'badhook'", "not_a_hook")

    def test_module_raising_on_import(self, broken_site: Path, tmp_path: Path) -> None:
        result = run_janus("plugins", cwd=tmp_path, env=broken_env(broken_site, "boom"))
        assert_one_line_error(
            result, "plugin 'boom' (boom_plugin) failed to load: boom at import time"
        )

    def test_hook_with_wrong_argument_names(self, broken_site: Path, tmp_path: Path) -> None:
        result = run_janus("plugins", cwd=tmp_path, env=broken_env(broken_site, "badargs"))
        line = assert_one_line_error(result, "plugin 'badargs'", "failed to load")
        assert "register_routers" in line and "'reg'" in line, line

    def test_every_installed_plugin_loads_when_unrestricted(
        self, broken_site: Path, tmp_path: Path
    ) -> None:
        """No JANUS_PLUGINS: the broken plugins are loaded, so the command fails."""
        result = run_janus("plugins", cwd=tmp_path, env=janus_env(broken_site))
        assert_one_line_error(result, "plugin '")

    def test_router_clashing_with_a_builtin(self, broken_site: Path, tmp_path: Path) -> None:
        """Loading is fine (`plugins` lists it); building the gateway is not."""
        env = broken_env(broken_site, "dupe")
        listed = run_janus("plugins", cwd=tmp_path, env=env)
        assert listed.returncode == 0, listed.stderr
        assert "dupe" in listed.stdout
        result = run_janus("run", "--port", "0", cwd=tmp_path, env=env)
        assert_one_line_error(result, "register_routers: 'by-model' is registered twice")


@pytest.fixture
def broken_on_path(broken_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The broken distribution visible to this process; its modules forgotten afterwards."""
    monkeypatch.syspath_prepend(str(broken_site))
    yield
    for module in BROKEN_MODULES:
        sys.modules.pop(module, None)


@pytest.mark.usefixtures("broken_on_path")
class TestInProcess:
    def test_unknown_hook_is_a_plugin_error(self) -> None:
        with pytest.raises(PluginError) as caught:
            load_plugins({"badhook"}, use_env=False)
        message = str(caught.value)
        assert message.startswith("plugin 'badhook': ")
        assert "unknown hook 'not_a_hook'" in message
        assert "\n" not in message
        assert isinstance(caught.value.__cause__, pluggy.PluginValidationError)

    def test_import_error_is_a_plugin_error(self) -> None:
        with pytest.raises(PluginError, match=r"^plugin 'boom' \(boom_plugin\) failed to load: "):
            load_plugins({"boom"}, use_env=False)

    def test_wrong_arguments_are_one_line(self) -> None:
        with pytest.raises(PluginError) as caught:
            load_plugins({"badargs"}, use_env=False)
        message = str(caught.value)
        assert "plugin 'badargs'" in message
        assert "'reg'" in message
        assert "\n" not in message

    def test_allow_list_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("JANUS_PLUGINS", "boom")
        with pytest.raises(PluginError, match="plugin 'boom'"):
            load_plugins()
        # use_env=False ignores it (and an explicit allow-list overrides it)
        assert "boom" not in {info.name for info in load_plugins(set()).describe()}
        names = {info.name for info in load_plugins(use_env=False, allow={"dupe"}).describe()}
        assert "dupe" in names and "boom" not in names

    def test_unknown_allowed_name(self) -> None:
        with pytest.raises(PluginError) as caught:
            load_plugins({"ghost", "boom"}, use_env=False)
        message = str(caught.value)
        assert "JANUS_PLUGINS names ghost," in message
        for installed in ("badargs", "badhook", "boom", "dupe"):
            assert installed in message.split("installed plugins: ")[1]

    def test_clash_with_builtin_router(self) -> None:
        pm = load_plugins({"dupe"}, use_env=False)
        with pytest.raises(PluginError, match="register_routers: 'by-model' is registered twice"):
            pm.collect("register_routers")


def test_check_pending_rejects_a_directly_registered_unknown_hook() -> None:
    """The manager knows the hook specs: a registered object with an unknown hook fails."""

    class Typo:
        @hookimpl
        def register_router(self, register):  # singular: not a hook
            register("typo", object())

    pm = PluginManager()
    pm.register(Typo(), name="typo")
    with pytest.raises(pluggy.PluginValidationError, match="unknown hook 'register_router'"):
        pm.check_pending()
