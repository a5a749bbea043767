"""Choosing backends, validating their settings, and the platform socket."""

from __future__ import annotations

import aiohttp
import pytest

from janus.config import ConfigError, parse_config
from janus.gateway.app import create_app
from janus.platform.app import SERVICES, _backend_name
from janus.plugins import load_plugins
from janus.server import EXTRA_UNIX_SOCKETS
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.scripted_competitor import answer, completion

INFERENCE = next(service for service in SERVICES if service.name == "inference")


def build(tmp_path, **services):
    config = parse_config({"platform": platform_settings(tmp_path, **services)}, "test")
    plugins = load_plugins(use_env=False, allow=set())
    plugins.register(ScriptedInferencePlugin())
    return create_app(config, plugins)


def test_auto_inference_is_upstream_with_a_key_and_local_without(monkeypatch):
    choice = parse_config({}, "t").platform.inference
    monkeypatch.delenv("CHUTES_API_KEY", raising=False)
    assert _backend_name(INFERENCE, choice) == "local"
    monkeypatch.setenv("CHUTES_API_KEY", "sk-x")
    assert _backend_name(INFERENCE, choice) == "upstream"
    custom = parse_config(
        {"platform": {"inference": {"upstream": {"api_key_env": "MINE"}}}}, "t"
    ).platform.inference
    assert _backend_name(INFERENCE, custom) == "local"


def test_unknown_backend_stops_start_up_naming_the_key(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"platform\.inference\.backend: no inference backend "
        r"named 'gpu-farm' \(available: local, scripted, "
        r"upstream\)",
    ):
        build(tmp_path, inference={"backend": "gpu-farm"})


def test_backend_settings_are_validated_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as caught:
        build(tmp_path, inference={"backend": "local", "local": {"n_ctx": "big", "gpu": 1}})
    assert str(caught.value) == (
        "platform.inference.local.n_ctx: Input should be a valid integer; "
        "platform.inference.local.gpu: unknown key"
    )


def test_a_service_turned_off_has_no_routes(tmp_path):
    app = build(tmp_path)
    paths = {route.resource.canonical for route in app.router.routes()}
    assert "/platform/v1/chat/completions" in paths
    assert not any(path.startswith(("/platform/sandbox", "/platform/v1/search")) for path in paths)


async def test_the_platform_socket_serves_the_platform_and_nothing_else(live, tmp_path, token):
    _, url = live.competitor(answer(completion("never from a sandbox")))
    apps = []
    live.gateway(
        {"a": url},
        platform=platform_settings(tmp_path),
        plugins=(ScriptedInferencePlugin(),),
        inspect=apps.append,
    )
    (socket_path,) = apps[0][EXTRA_UNIX_SOCKETS]
    connector = aiohttp.UnixConnector(path=socket_path)
    async with aiohttp.ClientSession(
        connector=connector, headers={"Authorization": f"Bearer {token}"}
    ) as session:
        async with session.get("http://platform/platform/v1/models") as response:
            assert response.status == 200
        async with session.post(
            "http://platform/v1/chat/completions",
            json={"model": "a", "messages": [{"role": "user", "content": "x"}]},
        ) as response:
            assert response.status == 403
            assert (await response.json())["error"]["code"] == "platform_only"
