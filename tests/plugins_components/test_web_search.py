"""The web-search component through a real gateway, over the real local search index."""

from __future__ import annotations

from pathlib import Path

import janus_component_web_search.plugin as web_search
import pytest

from tests.marketplace.client import call, get, metric
from tests.platform.conftest import platform_settings
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.platform.search_corpus import TIDES_URL, index, write_corpus

SEARCH = "/platform/components/web-search/search"


@pytest.fixture
def gateway(live, tmp_path: Path, platform_tokens) -> str:
    corpus = write_corpus(tmp_path / "corpus")
    config = tmp_path / "janus.toml"
    config.write_text(f'[platform]\ndata_dir = "{tmp_path / "data"}"\n')
    result = index(corpus, "--config", config, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return live.gateway(
        {},
        platform=platform_settings(tmp_path, search={"backend": "local"}),
        plugins=(ScriptedInferencePlugin(), web_search),
    )


async def test_it_is_listed_in_the_marketplace(gateway):
    _, listed = await get(gateway + "/v1/marketplace/components")
    (component,) = listed["data"]
    assert component["id"] == "web-search" and component["version"] == "0.1.0"
    assert component["contract"] == "openapi" and component["category"] == "search"
    assert component["resources"] == {"services": ["search"], "timeout_s": 30.0}
    assert component["inputs"]["required"] == ["query"]
    _, detail = await get(gateway + "/v1/marketplace/components/web-search")
    assert "/search" in detail["contract_document"]["paths"]


async def test_a_search_answers_ranked_results_and_is_attributed(gateway, token):
    query = {"query": "why does the sea rise", "top_k": 2}
    status, body = await call(gateway, SEARCH, token, query)
    assert status == 200, body
    assert body["object"] == "list" and body["query"] == "why does the sea rise"
    assert 1 <= len(body["results"]) <= 2
    assert body["results"][0]["url"] == TIDES_URL
    assert set(body["results"][0]) == {"title", "url", "snippet", "score"}

    _, usage = await get(gateway + "/v1/marketplace/usage")
    assert [(r["component_id"], r["competitor_id"], r["calls"]) for r in usage["data"]] == [
        ("web-search", "tester", 1)
    ]
    # The search it made on the competitor's behalf is metered against the competitor.
    assert await metric(gateway, "janus_platform_search_calls_total", competitor="tester") == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [({"query": ""}, "query"), ({"query": "x", "top_k": 99}, "top_k"), ({"q": "x"}, "query")],
)
async def test_a_bad_request_is_a_400_naming_the_field(gateway, token, body, param):
    status, answer = await call(gateway, SEARCH, token, body)
    assert status == 400
    assert answer["error"]["type"] == "invalid_request_error"
    assert answer["error"]["param"] == param


async def test_another_path_is_a_404(gateway, token):
    status, answer = await call(gateway, "/platform/components/web-search/find", token, {})
    assert status == 404 and answer["error"]["code"] == "not_found"


async def test_without_a_token_it_is_a_401(gateway):
    status, answer = await call(gateway, SEARCH, None, {"query": "tides"})
    assert status == 401 and answer["error"]["code"] == "invalid_platform_token"


async def test_with_search_off_it_is_a_503(live, tmp_path, token):
    gateway = live.gateway(
        {}, platform=platform_settings(tmp_path), plugins=(ScriptedInferencePlugin(), web_search)
    )
    status, answer = await call(gateway, SEARCH, token, {"query": "tides"})
    assert status == 503 and answer["error"]["code"] == "service_unavailable"
