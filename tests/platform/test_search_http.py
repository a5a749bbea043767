"""The ``http`` backend against a fake SearXNG on a real socket: the request it sends, how
answers map to results, and every way the instance can fail (502 ``search_backend_failed``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from janus.config import ConfigError, validate_settings
from janus.errors import JanusError
from janus.platform.backends import BackendContext, SearchBackend, SearchResult
from janus.platform.search.http import HttpSearchBackend, parse_results
from janus.server import listening
from tests.core.clirun import free_port
from tests.platform.fake_searxng import FakeSearxng


@pytest.fixture
async def searxng():
    fake = FakeSearxng()
    async with listening(fake.app()) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
async def connect(tmp_path: Path):
    """Build and start a backend from a ``[platform.search.http]`` table; closed at the end."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**table) -> HttpSearchBackend:
            settings = validate_settings(HttpSearchBackend.Settings, table, "platform.search.http")
            backend = HttpSearchBackend(settings, BackendContext(tmp_path))
            await backend.start()
            stack.push_async_callback(backend.close)
            return backend

        yield start


async def test_maps_searxng_results_best_first(searxng, connect):
    backend = await connect(url=searxng.url)
    assert isinstance(backend, SearchBackend)
    results = await backend.search("moon tides", 5)
    assert results == [
        SearchResult(
            "Tides", "https://example.org/tides", "Tides are caused by the moon's gravity.", 2.0
        ),
        SearchResult(
            "The Moon", "https://example.org/moon", "The moon orbits the earth every 27 days.", 1.0
        ),
    ]


async def test_sends_the_query_as_searxng_expects(searxng, connect):
    backend = await connect(url=searxng.url + "/", params={"categories": "science"})
    await backend.search("moon & tides?", 1)
    (request,) = searxng.requests
    assert request["query"] == {"q": "moon & tides?", "format": "json", "categories": "science"}
    assert "Authorization" not in request["headers"]


async def test_top_k_limits_the_results(searxng, connect):
    backend = await connect(url=searxng.url)
    assert [r.title for r in await backend.search("moon tides", 1)] == ["Tides"]


async def test_api_key_from_the_named_variable_is_sent_as_a_bearer_token(
    searxng, connect, monkeypatch
):
    monkeypatch.setenv("SEARCH_KEY", "s3cret")
    backend = await connect(url=searxng.url, api_key_env="SEARCH_KEY")
    await backend.search("moon", 1)
    assert searxng.requests[0]["headers"]["Authorization"] == "Bearer s3cret"


async def test_a_named_key_variable_that_is_unset_stops_start_up(connect, monkeypatch):
    monkeypatch.delenv("SEARCH_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"platform\.search\.http\.api_key_env: \$SEARCH_KEY"):
        await connect(url="http://127.0.0.1:1", api_key_env="SEARCH_KEY")


def test_settings_are_strict():
    with pytest.raises(ConfigError) as caught:
        validate_settings(
            HttpSearchBackend.Settings,
            {"url": "ftp://x", "timeout_s": "5", "engines": "x"},
            "platform.search.http",
        )
    assert str(caught.value) == (
        "platform.search.http.url: must start with http:// or https://; "
        "platform.search.http.timeout_s: Input should be a valid number; "
        "platform.search.http.engines: unknown key"
    )


async def search_error(backend: HttpSearchBackend) -> JanusError:
    with pytest.raises(JanusError) as caught:
        await backend.search("moon", 5)
    assert caught.value.status == 502 and caught.value.code == "search_backend_failed"
    return caught.value


async def test_json_format_not_enabled_on_the_instance(searxng, connect):
    searxng.formats = ("html",)  # SearXNG answers 403
    error = await search_error(await connect(url=searxng.url))
    assert "HTTP 403" in error.message


async def test_instance_error_status(searxng, connect):
    searxng.status = 500
    error = await search_error(await connect(url=searxng.url))
    assert "HTTP 500" in error.message and searxng.url not in error.message


async def test_instance_too_slow(searxng, connect):
    searxng.delay_s = 1.0
    error = await search_error(await connect(url=searxng.url, timeout_s=0.2))
    assert "0.2 s" in error.message


async def test_instance_unreachable(connect):
    error = await search_error(await connect(url=f"http://127.0.0.1:{free_port()}"))
    assert "could not be reached" in error.message


@pytest.mark.parametrize(
    "body", ["<html>searx</html>", '{"answers": []}', '{"results": "none"}', "[]"]
)
async def test_answer_that_is_not_searxng_json(searxng, connect, body):
    searxng.raw_body = body
    await search_error(await connect(url=searxng.url))


async def test_no_results_because_engines_failed_is_a_failure(searxng, connect):
    searxng.unresponsive_engines = [["duckduckgo", "timeout"], ["wikipedia", "HTTP error"]]
    error = await search_error(await connect(url=searxng.url))
    assert "did not respond" in error.message


async def test_no_results_from_working_engines_is_an_empty_answer(searxng, connect):
    backend = await connect(url=searxng.url)
    assert await backend.search("xylophone", 5) == []


def test_results_without_url_are_skipped_and_missing_scores_follow_rank():
    payload = {
        "results": [
            {"title": "first", "url": "https://a.example", "content": "a"},
            {"title": "an answer box", "content": "no url"},
            "junk",
            {"url": "https://c.example", "score": "high"},
            {"title": "d", "url": "https://d.example", "content": None, "score": 7},
        ]
    }
    assert parse_results(payload, 10) == [
        SearchResult("first", "https://a.example", "a", 1.0),
        SearchResult("https://c.example", "https://c.example", "", 0.25),
        SearchResult("d", "https://d.example", "", 7.0),
    ]
