"""``POST /platform/v1/search`` through a real gateway: a corpus indexed with the real
command, tokens, request validation, metering, and the ``http`` backend behind a fake
SearXNG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.platform.conftest import platform_settings
from tests.platform.fake_searxng import FakeSearxng
from tests.platform.scripted_inference import ScriptedInferencePlugin
from tests.platform.search_corpus import BM25_URL, TIDES_URL, index, write_corpus

SEARCH = "/platform/v1/search"


async def post(gateway: str, body: Any, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(gateway + SEARCH, data=data) as response,
    ):
        return response.status, await response.json(content_type=None)


async def search_calls(gateway: str, competitor: str = "tester") -> float:
    async with aiohttp.ClientSession() as session, session.get(gateway + "/metrics") as response:
        text = await response.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "janus_platform_search_calls_total"
                and sample.labels.get("competitor") == competitor
            ):
                return sample.value
    return 0.0


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def gateway(live, tmp_path, corpus, platform_tokens) -> str:
    """The corpus is indexed by ``janus search index --config`` into the default index of
    the configured data_dir; the gateway, on the same config, must read that very index."""
    config = tmp_path / "janus.toml"
    config.write_text(f'[platform]\ndata_dir = "{tmp_path / "data"}"\n')
    result = index(corpus, "--config", config, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return live.gateway(
        {},
        platform=platform_settings(tmp_path, search={"backend": "local"}),
        plugins=(ScriptedInferencePlugin(),),
    )


async def test_relevant_document_ranks_first(gateway, token):
    status, body = await post(
        gateway, {"query": "why does the sea rise and fall", "top_k": 3}, token
    )
    assert status == 200, body
    assert body["object"] == "list" and body["query"] == "why does the sea rise and fall"
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert set(first) == {"title", "url", "snippet", "score"}
    assert first["url"] == TIDES_URL and first["title"] == "How tides work"
    assert "rise and fall" in first["snippet"] and first["score"] > 0
    _, body = await post(gateway, {"query": "BM25 ranking function"}, token)
    assert body["results"][0]["url"] == BM25_URL


async def test_platform_token_is_required(gateway):
    for token in (None, "not-a-token"):
        status, body = await post(gateway, {"query": "tides"}, token)
        assert status == 401 and body["error"]["code"] == "invalid_platform_token"
    assert await search_calls(gateway) == 0


BAD_BODIES = {
    "no-query": ({}, "query"),
    "empty-query": ({"query": ""}, "query"),
    "blank-query": ({"query": "   "}, "query"),
    "long-query": ({"query": "x" * 1001}, "query"),
    "query-not-text": ({"query": 5}, "query"),
    "top-k-zero": ({"query": "x", "top_k": 0}, "top_k"),
    "top-k-too-big": ({"query": "x", "top_k": 51}, "top_k"),
    "top-k-string": ({"query": "x", "top_k": "5"}, "top_k"),
    "top-k-fraction": ({"query": "x", "top_k": 2.5}, "top_k"),
    "unknown-field": ({"query": "x", "topk": 3}, "topk"),
    "not-json": (b"query=tides", None),
    "not-an-object": ([1, 2], None),
}


@pytest.mark.parametrize(("body", "param"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_body_is_400_naming_the_field(gateway, token, body, param):
    status, answer = await post(gateway, body, token)
    assert status == 400, answer
    error = answer["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert error["message"].startswith("Invalid request: ")
    assert await search_calls(gateway) == 0  # a refused request spends nothing


async def test_longest_query_and_largest_top_k_are_accepted(gateway, token):
    status, _ = await post(gateway, {"query": "tides " * 166 + "moon", "top_k": 50}, token)
    assert status == 200


@pytest.mark.parametrize("query", ['"AND OR (', "NEAR(tides", "title:*", '"', "^ - +"])
async def test_search_syntax_in_the_query_is_not_an_error(gateway, token, query):
    status, body = await post(gateway, {"query": query}, token)
    assert status == 200, body


async def test_each_search_is_metered_to_the_competitor(gateway, token, platform_tokens):
    for query in ("tides", "sourdough", "nothing matches zzzz"):
        assert (await post(gateway, {"query": query}, token))[0] == 200
    other = platform_tokens.mint("rival", "req-2", 2e9)
    assert (await post(gateway, {"query": "tides"}, other))[0] == 200
    assert await search_calls(gateway, "tester") == 3
    assert await search_calls(gateway, "rival") == 1


async def test_reindexing_while_serving_updates_without_duplicates(
    gateway, token, tmp_path, corpus
):
    extra = [{"url": f"https://more.example/{n}", "text": f"tides note {n}"} for n in range(4)]
    (corpus / "more.jsonl").write_text("\n".join(json.dumps(record) for record in extra))
    config = tmp_path / "janus.toml"
    for _ in range(2):
        assert index(corpus, "--config", config, cwd=tmp_path).returncode == 0
    _, body = await post(gateway, {"query": "tides"}, token)
    urls = [result["url"] for result in body["results"]]
    assert len(urls) == 5  # the default top_k, with 5 of the 9 indexed documents matching
    assert len(set(urls)) == len(urls)
    _, body = await post(gateway, {"query": "tides", "top_k": 50}, token)
    assert sorted(r["url"] for r in body["results"]) == sorted(
        [TIDES_URL] + [record["url"] for record in extra]
    )


@pytest.fixture
def searxng_gateway(live, tmp_path, platform_tokens) -> tuple[FakeSearxng, str]:
    fake = FakeSearxng()
    fake.url = live.serve(fake.app())
    gateway = live.gateway(
        {},
        platform=platform_settings(tmp_path, search={"backend": "http", "http": {"url": fake.url}}),
        plugins=(ScriptedInferencePlugin(),),
    )
    return fake, gateway


async def test_http_backend_answers_in_the_same_shape(searxng_gateway, token):
    _, gateway = searxng_gateway
    status, body = await post(gateway, {"query": "moon tides", "top_k": 1}, token)
    assert status == 200
    assert body == {
        "object": "list",
        "query": "moon tides",
        "results": [
            {
                "title": "Tides",
                "url": "https://example.org/tides",
                "snippet": "Tides are caused by the moon's gravity.",
                "score": 2.0,
            }
        ],
    }


async def test_http_backend_failure_is_502_and_still_metered(searxng_gateway, token):
    fake, gateway = searxng_gateway
    fake.status = 503
    status, body = await post(gateway, {"query": "moon"}, token)
    assert status == 502
    assert body["error"]["code"] == "search_backend_failed"
    assert body["error"]["type"] == "upstream_error"
    assert fake.url not in body["error"]["message"]
    assert await search_calls(gateway) == 1
