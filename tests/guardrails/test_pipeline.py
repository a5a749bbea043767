"""The guardrail pipeline: configuration, phases, blocking, parallel checks, reporting."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request

import aiohttp
import pytest

from janus.config import ConfigError, parse_config
from janus.errors import GuardrailViolation
from janus.gateway.app import create_app
from janus.hookspecs import hookimpl
from janus.plugins import PluginError, load_plugins
from tests.gateway.sse_client import chat_body, stream_chat
from tests.scripted_competitor import DONE, answer, chunk, completion, sse


class Recorder:
    """A guardrail for tests: records the phases it saw and blocks where told."""

    def __init__(self, phases, *, parallel=False, delay=0.0, block_on=None, modify=False):
        self.phases = frozenset(phases)
        self.parallel = parallel
        self.delay = delay
        self.block_on = block_on
        self.modify = modify
        self.seen: list[str] = []

    async def check_request(self, request):
        self.seen.append("request")
        await asyncio.sleep(self.delay)
        if self.block_on == "request":
            raise GuardrailViolation("nope", status=403, type="permission_error", code="no")
        if self.modify:
            request.report("modify", "added a system message")
            system = {"role": "system", "content": "be brief"}
            return {**request.body, "messages": [system, *request.body["messages"]]}
        return None

    async def check_chunk(self, chunk, state):
        self.seen.append("chunk")
        state.data["n"] = state.data.get("n", 0) + 1
        if self.block_on == "chunk" and state.data["n"] == 2:
            raise GuardrailViolation("bad chunk", code="bad_chunk")
        return chunk

    async def check_response(self, response, request):
        self.seen.append("response")
        if self.block_on == "response":
            raise GuardrailViolation("bad answer", code="bad_answer")
        return response


def plugin_with(**guardrails):
    class Plugin:
        @hookimpl
        def register_guardrails(self, register):
            for name, guardrail in guardrails.items():
                register(name, lambda settings, g=guardrail: g)

    return Plugin()


def gateway_with(live, url, guardrails, enabled=None, **settings):
    return live.gateway(
        {"a": url},
        default="a",
        plugins=(plugin_with(**guardrails),),
        guardrails={"enabled": enabled or list(guardrails), **settings},
    )


async def post(url, body, **kwargs):
    async with aiohttp.ClientSession() as session:
        async with session.post(url + "/v1/chat/completions", json=body, **kwargs) as response:
            return response.status, await response.json(), response.headers


def violations(gateway_url: str) -> dict[tuple[str, str], float]:
    """``janus_guardrail_violations_total`` by (guardrail, action)."""
    text = urllib.request.urlopen(gateway_url + "/metrics").read().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith("janus_guardrail_violations_total{"):
            labels, value = line.split("} ")
            parts = dict(p.split("=") for p in labels.split("{")[1].split(","))
            found[(parts["guardrail"].strip('"'), parts["action"].strip('"'))] = float(value)
    return found


def test_unknown_guardrail_stops_start_up_naming_the_key():
    config = parse_config({"guardrails": {"enabled": ["nope"]}}, "t")
    with pytest.raises(ConfigError, match=r"guardrails.enabled: no guardrail named 'nope'"):
        create_app(config, load_plugins(use_env=False, allow=set()))


def test_settings_table_of_an_unknown_guardrail_stops_start_up():
    config = parse_config({"guardrails": {"typo-size": {"max_bytes": 1}}}, "t")
    with pytest.raises(ConfigError, match=r"guardrails.typo-size: no guardrail named"):
        create_app(config, load_plugins(use_env=False, allow=set()))


def test_misconfigured_guardrail_stops_start_up_naming_the_key():
    config = parse_config(
        {"guardrails": {"enabled": ["request-size"], "request-size": {"max_bytez": 1}}}, "t"
    )
    with pytest.raises(ConfigError, match=r"^guardrails.request-size.max_bytez: unknown key$"):
        create_app(config, load_plugins(use_env=False, allow=set()))
    config = parse_config(
        {"guardrails": {"enabled": ["request-size"], "request-size": {"max_bytes": "1"}}}, "t"
    )
    with pytest.raises(ConfigError, match=r"guardrails.request-size.max_bytes: Input should be"):
        create_app(config, load_plugins(use_env=False, allow=set()))


def test_guardrail_declaring_a_phase_it_does_not_implement_is_refused():
    class Broken:
        phases = frozenset({"chunk"})
        parallel = False

    config = parse_config({"guardrails": {"enabled": ["broken"]}}, "t")
    manager = load_plugins(use_env=False, allow=set())
    manager.register(plugin_with(broken=Broken()))
    with pytest.raises(PluginError, match="declares phase 'chunk' without check_chunk"):
        create_app(config, manager)


async def test_only_the_declared_phases_are_called(live):
    request_only = Recorder({"request"})
    _, url = live.competitor(sse(chunk("a"), chunk("b"), DONE))
    gateway = gateway_with(live, url, {"r": request_only})
    received = await stream_chat(gateway, chat_body())
    assert received.content == "ab"
    assert request_only.seen == ["request"]


async def test_request_block_is_an_http_error_and_the_competitor_is_not_called(live):
    competitor, url = live.competitor(answer(completion("hi")))
    gateway = gateway_with(live, url, {"r": Recorder({"request"}, block_on="request")})
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 403
    assert body["error"] == {
        "message": "nope",
        "type": "permission_error",
        "param": None,
        "code": "no",
    }
    assert competitor.requests == []


async def test_guardrails_run_in_configured_order_and_stop_at_the_first_block(live):
    first, second = Recorder({"request"}, block_on="request"), Recorder({"request"})
    _, url = live.competitor(answer(completion("hi")))
    gateway = gateway_with(live, url, {"x": first, "y": second}, enabled=["x", "y"])
    status, _, _ = await post(gateway, chat_body(stream=False))
    assert status == 403 and first.seen == ["request"] and second.seen == []


async def test_modified_request_body_is_what_the_competitor_receives(live):
    competitor, url = live.competitor(answer(completion("hi")))
    gateway = gateway_with(live, url, {"m": Recorder({"request"}, modify=True)})
    status, _, _ = await post(gateway, chat_body(stream=False))
    assert status == 200
    assert competitor.requests[0]["messages"][0] == {"role": "system", "content": "be brief"}
    assert violations(gateway)[("m", "modify")] == 1


async def test_chunk_block_mid_stream_is_in_band_error_then_done(live):
    _, url = live.competitor(sse(chunk("one"), chunk("two"), chunk("three"), DONE))
    gateway = gateway_with(live, url, {"c": Recorder({"chunk"}, block_on="chunk")})
    received = await stream_chat(gateway, chat_body())
    assert received.status == 200
    assert received.content == "one"
    assert received.errors == [
        {
            "message": "bad chunk",
            "type": "invalid_request_error",
            "param": None,
            "code": "bad_chunk",
        }
    ]
    assert received.done
    assert violations(gateway)[("c", "block")] == 1


async def test_response_block_is_an_http_error(live):
    _, url = live.competitor(answer(completion("hi")))
    gateway = gateway_with(live, url, {"r": Recorder({"response"}, block_on="response")})
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 400 and body["error"]["code"] == "bad_answer"


async def test_parallel_check_rejecting_before_the_first_byte_is_an_http_error(live):
    competitor, url = live.competitor(sse(0.5, chunk("late"), DONE))
    slow_no = Recorder({"request"}, parallel=True, delay=0.1, block_on="request")
    gateway = gateway_with(live, url, {"p": slow_no})
    received = await stream_chat(gateway, chat_body())
    assert received.status == 403
    assert competitor.requests, "a parallel check does not delay the upstream call"
    assert competitor.disconnected.wait(2), "the upstream call is cancelled"


async def test_parallel_check_rejecting_after_the_first_byte_is_in_band(live):
    _, url = live.competitor(sse(chunk("early"), 0.5, chunk("late"), DONE))
    slow_no = Recorder({"request"}, parallel=True, delay=0.2, block_on="request")
    gateway = gateway_with(live, url, {"p": slow_no})
    received = await stream_chat(gateway, chat_body())
    assert received.status == 200
    assert received.content == "early"
    assert received.errors[0]["code"] == "no"
    assert received.done


async def test_stream_does_not_end_before_a_parallel_check_passed(live):
    _, url = live.competitor(sse(chunk("quick"), DONE))
    slow_no = Recorder({"request"}, parallel=True, delay=0.3, block_on="request")
    gateway = gateway_with(live, url, {"p": slow_no})
    received = await stream_chat(gateway, chat_body())
    assert received.content == "quick"
    assert received.errors[0]["code"] == "no" and received.done


async def test_non_stream_answer_waits_for_a_parallel_check(live):
    _, url = live.competitor(answer(completion("hi")))
    slow_no = Recorder({"request"}, parallel=True, delay=0.2, block_on="request")
    gateway = gateway_with(live, url, {"p": slow_no})
    status, body, _ = await post(gateway, chat_body(stream=False))
    assert status == 403 and body["error"]["code"] == "no"


async def test_passing_parallel_check_changes_nothing(live):
    _, url = live.competitor(sse(chunk("a"), chunk("b"), DONE))
    gateway = gateway_with(live, url, {"p": Recorder({"request"}, parallel=True, delay=0.05)})
    received = await stream_chat(gateway, chat_body())
    assert received.content == "ab" and not received.errors and received.done


async def test_each_violation_is_one_security_log_line(live, caplog):
    _, url = live.competitor(answer(completion("hi")))
    gateway = gateway_with(live, url, {"r": Recorder({"request"}, block_on="request")})
    with caplog.at_level(logging.WARNING, logger="janus.security"):
        _, _, headers = await post(
            gateway, chat_body(stream=False), headers={"X-Request-Id": "req-42"}
        )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "janus.security"]
    assert lines == [
        {
            "event": "guardrail_violation",
            "guardrail": "r",
            "action": "block",
            "phase": "request",
            "request_id": headers["X-Janus-Request-Id"],  # the gateway's, not the client's
            "client_address": "127.0.0.1",
            "client_key": None,
            "code": "no",
            "detail": "nope",
        }
    ]
    assert violations(gateway)[("r", "block")] == 1
