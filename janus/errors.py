"""Errors in the OpenAI shape, so every client SDK can read them.

Every failure a client can see is a ``JanusError``: it knows its HTTP status and renders as
``{"error": {"message", "type", "param", "code"}}`` both as an HTTP body and in-band in a
stream.
"""

from __future__ import annotations

import json
from typing import Any


class JanusError(Exception):
    """A failure reported to the client in OpenAI's error shape."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        # Extra HTTP headers for the error response (``Retry-After`` on a 429, say).
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict()).encode()


class GuardrailViolation(JanusError):
    """A guardrail blocked the request or the answer.

    Raised by guardrails; the gateway adds which guardrail it was (``guardrail``) and the
    phase, logs one security line and counts it before the client sees the error.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = "guardrail_violation",
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, type=type, code=code, param=param, headers=headers)
        self.guardrail: str | None = None


def invalid_request(message: str, *, param: str | None = None, code: str | None = None):
    return JanusError(message, status=400, code=code, param=param)


def model_not_found(model: str, detail: str = "") -> JanusError:
    message = f"The model '{model}' does not exist{detail}."
    return JanusError(message, status=404, code="model_not_found", param="model")


def upstream_failed(message: str) -> JanusError:
    return JanusError(message, status=502, type="upstream_error", code="competitor_failed")


def no_candidates() -> JanusError:
    return JanusError(
        "The router found no competitor for this request.",
        status=503,
        type="server_error",
        code="no_competitor_available",
    )


def shutting_down() -> JanusError:
    return JanusError(
        "The gateway is shutting down; retry the request.",
        status=503,
        type="server_error",
        code="gateway_shutting_down",
    )


def deadline_exceeded(seconds: float) -> JanusError:
    return JanusError(
        f"The request did not complete within its deadline of {seconds:g} s.",
        status=504,
        type="timeout_error",
        code="deadline_exceeded",
    )
