"""The PII guardrail through a real gateway, started with ``janus.testing``."""

from __future__ import annotations

import json

import janus_guardrail_pii.plugin as pii_plugin

from janus.testing import running_gateway

SECRETS = "Write to ann@example.org or pay with 4111 1111 1111 1111."
CLEAN = "Write to [email redacted] or pay with [card redacted]."


def pii(**settings) -> dict:
    return {"enabled": ["pii"], **({"pii": settings} if settings else {})}


def test_the_competitor_never_sees_the_clients_data(janus_gateway):
    gateway = janus_gateway("ok", plugins=(pii_plugin,), guardrails=pii())
    assert gateway.chat(SECRETS) == "ok"
    assert gateway.requests[0]["messages"][0]["content"] == CLEAN


def test_answers_are_redacted(janus_gateway):
    gateway = janus_gateway(SECRETS, plugins=(pii_plugin,), guardrails=pii())
    assert gateway.chat("hi") == CLEAN


def test_streams_are_redacted_across_chunk_boundaries(janus_gateway):
    pieces = ["Write to ann@exa", "mple.org or pay with 4111 11", "11 1111 ", "1111."]
    gateway = janus_gateway(pieces, plugins=(pii_plugin,), guardrails=pii())
    assert gateway.chat("hi", stream=True) == CLEAN


def test_settings_choose_kinds_and_replacement(janus_gateway):
    settings = pii(kinds=["card"], replacement="<{kind}>")
    gateway = janus_gateway(SECRETS, plugins=(pii_plugin,), guardrails=settings)
    assert gateway.chat("hi") == "Write to ann@example.org or pay with <card>."


def test_a_bad_setting_stops_start_up():
    bad = pii(replacement="{name}")
    try:
        with running_gateway(plugins=(pii_plugin,), guardrails=bad):
            raise AssertionError("the gateway started")
    except Exception as exc:
        assert "pii" in str(exc) and "replacement" in str(exc), exc


def test_without_the_guardrail_nothing_changes(janus_gateway):
    gateway = janus_gateway(SECRETS, plugins=(pii_plugin,))
    status, raw = gateway.post({"model": "janus", "messages": [{"role": "user", "content": "x"}]})
    assert status == 200 and json.loads(raw)["choices"][0]["message"]["content"] == SECRETS
