"""The entry-point module: all Janus needs to find the guardrail is this one hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from janus.hookspecs import hookimpl
from janus_guardrail_pii.guardrail import PiiGuardrail


@hookimpl
def register_guardrails(register: Callable[[str, Any], None]) -> None:
    register("pii", PiiGuardrail)
