"""Health, models, Prometheus metrics and the one JSON access-log line per request."""

from __future__ import annotations

import json
import logging

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from janus import __version__
from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import DONE, FOREVER, answer, chunk, completion, cut_after, sse


async def get(url: str) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text(), response.headers


def samples(metrics_text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_health_reports_ok_and_version(live):
    gateway = live.gateway({})
    status, text, _ = await get(gateway + "/health")
    assert status == 200 and json.loads(text) == {"status": "ok", "version": __version__}


async def test_models_lists_janus_and_every_competitor(live):
    _, a = live.competitor(answer({}))
    _, b = live.competitor(answer({}))
    gateway = live.gateway({"alpha": a, "beta": b}, default="beta")
    status, text, _ = await get(gateway + "/v1/models")
    body = json.loads(text)
    assert status == 200 and body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["janus", "alpha", "beta"]
    assert all(m["object"] == "model" and isinstance(m["created"], int) for m in body["data"])


async def test_models_without_default_does_not_offer_janus(live):
    _, a = live.competitor(answer({}))
    gateway = live.gateway({"alpha": a})
    _, text, _ = await get(gateway + "/v1/models")
    assert [m["id"] for m in json.loads(text)["data"]] == ["alpha"]


async def test_metrics_count_requests_latency_ttft_and_gaps(live):
    _, url = live.competitor(sse(chunk("a"), 0.2, chunk("b"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    await stream_chat(gateway, chat_body())
    await stream_chat(gateway, chat_body("missing"))
    status, text, headers = await get(gateway + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    found = samples(text)
    assert found[("janus_requests_total", (("competitor", "a"), ("status", "200")))] == 1
    assert found[("janus_requests_total", (("competitor", "none"), ("status", "404")))] == 1
    assert found[("janus_time_to_first_token_seconds_count", (("competitor", "a"),))] == 1
    assert found[("janus_stream_max_gap_seconds_sum", (("competitor", "a"),))] >= 0.15
    assert (
        found[("janus_request_duration_seconds_count", (("competitor", "a"), ("stream", "true")))]
        == 1
    )
    assert found[("janus_gateway_overhead_seconds_count", ())] == 1
    assert found[("janus_streams_in_flight", ())] == 0


async def test_in_flight_streams_gauge_counts_open_streams(live):
    _, url = live.competitor(sse(chunk("a"), FOREVER))
    gateway = live.gateway({"a": url}, default="a")
    async with aiohttp.ClientSession() as session:
        response = await session.post(gateway + "/v1/chat/completions", json=chat_body())
        await response.content.readuntil(b"\n\n")
        _, text, _ = await get(gateway + "/metrics")
        assert samples(text)[("janus_streams_in_flight", ())] == 1
        response.close()


async def test_one_json_log_line_per_request(live, caplog):
    _, url = live.competitor(sse(chunk("a"), 0.1, chunk("b"), DONE))
    gateway = live.gateway({"a": url}, default="a")
    with caplog.at_level(logging.INFO, logger="janus.access"):
        await stream_chat(gateway, chat_body(), headers={"X-Request-Id": "log-me"})
        await stream_chat(gateway, chat_body("missing"), headers={"X-Request-Id": "log-404"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "janus.access"]
    by_id = {line["client_request_id"]: line for line in lines}
    assert len(lines) == 2 and set(by_id) == {"log-me", "log-404"}
    assert all(len(line["request_id"]) == 32 for line in lines)  # the gateway's own
    ok = by_id["log-me"]
    assert ok["competitor"] == "a" and ok["status"] == 200 and ok["stream"] is True
    assert ok["ttft_s"] > 0 and ok["max_gap_s"] >= 0.05 and ok["bytes_out"] > 0
    assert ok["latency_s"] >= ok["ttft_s"] and ok["error"] is None
    failed = by_id["log-404"]
    assert failed["status"] == 404 and "missing" in failed["error"]


async def test_in_band_failure_is_logged_with_its_real_outcome(live, caplog):
    _, url = live.competitor(cut_after(chunk("half")))
    gateway = live.gateway({"a": url}, default="a")
    with caplog.at_level(logging.INFO, logger="janus.access"):
        received = await stream_chat(gateway, chat_body())
    assert received.status == 200 and received.errors
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "janus.access"]
    assert line["status"] == 502 and "competitor 'a'" in line["error"]


async def test_log_line_counts_bytes_of_plain_answers_and_errors(live, caplog):
    _, url = live.competitor(answer(completion("plain")))
    gateway = live.gateway({"a": url})
    with caplog.at_level(logging.INFO, logger="janus.access"):
        async with aiohttp.ClientSession() as session:
            for model in ("a", "missing"):
                async with session.post(
                    gateway + "/v1/chat/completions", json=chat_body(model, stream=False)
                ) as response:
                    size = len(await response.read())
                    (line,) = [
                        json.loads(r.getMessage())
                        for r in caplog.records
                        if r.name == "janus.access"
                    ]
                    caplog.clear()
                    assert line["bytes_out"] == size > 0
