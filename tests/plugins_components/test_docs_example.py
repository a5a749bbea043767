"""The component example in docs/plugins.md §6 runs as written."""

from __future__ import annotations

import types
from pathlib import Path

from tests.marketplace.client import call, get
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.platform.search_corpus import index, write_corpus

DOCS = Path(__file__).parents[2] / "docs" / "plugins.md"


def example_plugin() -> types.ModuleType:
    section = DOCS.read_text().split("## 6. Writing a marketplace component", 1)[1]
    source = section.split("```python\n", 1)[1].split("```", 1)[0]
    module = types.ModuleType("titles_example")
    exec(compile(source, str(DOCS), "exec"), module.__dict__)
    return module


async def test_the_documented_component_serves_and_is_listed(
    live, tmp_path, platform_tokens, token
):
    config = tmp_path / "janus.toml"
    config.write_text(f'[platform]\ndata_dir = "{tmp_path / "data"}"\n')
    assert (
        index(write_corpus(tmp_path / "corpus"), "--config", config, cwd=tmp_path).returncode == 0
    )
    gateway = live.gateway(
        {},
        platform=platform_settings(tmp_path, search={"backend": "local"}),
        plugins=(ScriptedInferencePlugin(), example_plugin()),
    )
    _, listed = await get(gateway + "/v1/marketplace/components")
    assert [c["id"] for c in listed["data"]] == ["titles"]
    status, body = await call(
        gateway, "/platform/components/titles/titles", token, {"query": "tides"}
    )
    assert status == 200, body
    assert body["titles"][0] == "How tides work"
