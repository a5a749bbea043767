"""Build a component's OpenAPI document (and manifest schemas) from its pydantic models.

A component's request and answer models are then the single source of what it accepts:
the handler validates with them, the manifest's ``inputs``/``outputs`` and the contract
document the marketplace publishes are generated from them, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from janus.errors import JanusError, invalid_request
from janus.interfaces import ComponentCall
from janus.protocol import describe_validation_error

_REF = "#/components/schemas/{model}"
Request = TypeVar("Request", bound=BaseModel)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}


@dataclass(frozen=True)
class Operation(Generic[Request]):
    """One ``POST`` operation of a component, at ``path`` under its endpoint."""

    path: str
    summary: str
    request: type[Request]
    response: type[BaseModel]


async def read_request(call: ComponentCall, operation: Operation[Request]) -> Request:
    """The call's body as ``operation.request``, or the OpenAI-shaped error that says why
    not (404 for another path, 405 for another method, 400 for a bad body)."""
    if call.path.strip("/") != operation.path.strip("/"):
        raise JanusError(
            f"No operation at '/{call.path}'; see the component's contract document.",
            status=404,
            code="not_found",
        )
    if call.request.method != "POST":
        raise JanusError(
            f"{call.request.method} is not allowed on {operation.path}; use POST.",
            status=405,
            code="method_not_allowed",
        )
    raw = await call.request.read()
    try:
        return operation.request.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            message = "The request body is not valid JSON."
            raise invalid_request(message, code="invalid_json") from None
        message, param = describe_validation_error(errors)
        raise invalid_request(f"Invalid request: {message}", param=param) from None


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A self-contained JSON Schema of ``model`` (for the manifest's inputs/outputs)."""
    return model.model_json_schema()


def openapi_document(
    *, component_id: str, title: str, version: str, description: str, operations: list[Operation]
) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for operation in operations:
        for model in (operation.request, operation.response):
            schema = model.model_json_schema(ref_template=_REF)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        paths[operation.path] = {
            "post": {
                "summary": operation.summary,
                "security": [{"platformToken": []}],
                "requestBody": {"required": True, "content": _json(operation.request)},
                "responses": {
                    "200": {"description": "Success.", "content": _json(operation.response)},
                    "default": {
                        "description": "An error in the OpenAI shape.",
                        "content": {"application/json": {"schema": {"$ref": _ref("Error")}}},
                    },
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": f"/platform/components/{component_id}"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "platformToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The platform token of the request (X-Janus-Platform-Token).",
                }
            },
        },
    }


def _ref(name: str) -> str:
    return _REF.format(model=name)


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _ref(model.__name__)}}}
