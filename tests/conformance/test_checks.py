"""``check_conformance`` against real servers: each broken behaviour fails its own check."""

from __future__ import annotations

import pytest

from janus.conformance import BadTarget, check_conformance
from tests.conformance.competitors import Behaviour, competitor, file_server
from tests.scripted_competitor import ScriptedCompetitor

CHECKS = [
    "health",
    "non_stream",
    "stream",
    "stream_done",
    "stream_gaps",
    "usage",
    "errors",
    "artifacts",
    "concurrency",
]


def failing(report) -> list[str]:
    return [check.name for check in report.failed]


async def test_a_conforming_competitor_passes_every_check(live):
    _, url = live.competitor(competitor())
    report = await check_conformance(url)
    assert [check.name for check in report.checks] == CHECKS
    assert report.passed, report.to_dict()
    assert report.to_dict()["passed"] is True
    assert {"name", "passed", "detail", "seconds"} <= set(report.to_dict()["checks"][0])


async def test_the_requests_are_plain_openai_ones(live):
    scripted, url = live.competitor(competitor())
    await check_conformance(url + "/v1", api_key="sk-test", model="m-1")
    assert all(body["model"] == "m-1" for body in scripted.requests)
    assert all(h["Authorization"] == "Bearer sk-test" for h in scripted.headers)
    assert not any(name.lower().startswith("x-janus") for h in scripted.headers for name in h)


@pytest.mark.parametrize(
    ("behaviour", "check", "reason"),
    [
        (Behaviour(done=False), "stream_done", "without data: [DONE]"),
        (Behaviour(usage=False), "usage", "no usage"),
        (Behaviour(html_errors=True), "errors", "not an OpenAI error object"),
        (Behaviour(broken_chunk=True), "stream", "not JSON"),
    ],
    ids=["no-done", "no-usage", "html-error", "invalid-chunk-json"],
)
async def test_each_broken_behaviour_fails_exactly_its_check(live, behaviour, check, reason):
    _, url = live.competitor(competitor(behaviour))
    report = await check_conformance(url)
    assert failing(report) == [check], report.to_dict()
    assert reason in report.failed[0].detail


@pytest.mark.slow
async def test_a_three_second_stall_fails_the_gap_check(live):
    _, url = live.competitor(competitor(Behaviour(stall_s=3.0)))
    report = await check_conformance(url)
    assert failing(report) == ["stream_gaps"], report.to_dict()
    assert "longest silence 3." in report.failed[0].detail


@pytest.mark.slow
async def test_keep_alives_during_a_stall_count_as_liveness(live):
    _, url = live.competitor(competitor(Behaviour(stall_s=3.0, ping_every_s=0.5)))
    report = await check_conformance(url)
    assert report.passed, report.to_dict()


async def test_an_unhealthy_server_fails_only_the_health_check(live):
    scripted = ScriptedCompetitor(competitor(), health_status=503)
    url = live.serve(scripted.app())
    report = await check_conformance(url, health_timeout_s=1.0)
    assert failing(report) == ["health"], report.to_dict()
    assert "HTTP 503" in report.failed[0].detail


async def test_artifact_urls_on_the_servers_own_origin_are_fetched(live):
    files = {"/files/notes.txt": b"notes"}
    scripted = ScriptedCompetitor(competitor(Behaviour(artifact_url="/files/notes.txt")))
    url = live.serve(file_server(files, scripted.app()))
    report = await check_conformance(url)
    assert report.passed, report.to_dict()
    assert "1 artifact URL(s) reachable" in report.checks[CHECKS.index("artifacts")].detail

    broken = ScriptedCompetitor(competitor(Behaviour(artifact_url="/files/gone.txt")))
    report = await check_conformance(live.serve(file_server(files, broken.app())))
    assert failing(report) == ["artifacts"], report.to_dict()
    assert "HTTP 404" in report.failed[0].detail


async def test_artifact_urls_on_another_origin_fail_unfetched(live):
    files = live.serve(file_server({"/files/notes.txt": b"notes"}))
    _, url = live.competitor(competitor(Behaviour(artifact_url=files + "/files/notes.txt")))
    report = await check_conformance(url)
    assert failing(report) == ["artifacts"], report.to_dict()
    assert "own origin" in report.failed[0].detail


async def test_nothing_listening_fails_every_check_without_raising(unused_tcp_port):
    report = await check_conformance(f"http://127.0.0.1:{unused_tcp_port}", health_timeout_s=0.5)
    assert failing(report) == [name for name in CHECKS if name != "artifacts"]


@pytest.mark.parametrize("url", ["not a url", "ftp://host/x", "http://", "http://h/?q=1"])
async def test_a_url_that_is_not_a_server_is_bad_input(url):
    with pytest.raises(BadTarget):
        await check_conformance(url)


async def test_a_janus_gateway_in_front_of_a_conforming_competitor_conforms(live):
    _, competitor_url = live.competitor(competitor())
    gateway = live.gateway({"miner": competitor_url}, default="miner")
    report = await check_conformance(gateway)
    assert report.passed, report.to_dict()
