"""The wire format: OpenAI Chat Completions plus the Janus extensions, as pydantic models.

Request models allow extra fields on purpose: the gateway forwards the client's body as it
arrived, so anything OpenAI adds (or a competitor understands) reaches the competitor. The
models only check what the gateway itself relies on and give precise 400s for the rest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
)

from janus.errors import invalid_request

# Admin-only request header: route this request to the named competitor whatever its
# ``model`` says. The gateway's evaluations and audits use it so that their bodies carry
# ``model: "janus"`` like a user's; competitors never receive client headers.
PIN_HEADER = "X-Janus-Competitor"

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class _Open(BaseModel):
    """A model that keeps fields it does not know (OpenAI keeps adding some)."""

    model_config = ConfigDict(extra="allow")


class TextPart(_Open):
    type: Literal["text"]
    text: str


class ImageUrl(_Open):
    url: str = Field(min_length=1)
    detail: Literal["auto", "low", "high"] | None = None


class ImageUrlPart(_Open):
    type: Literal["image_url"]
    image_url: ImageUrl


class OtherPart(_Open):
    """Part types the gateway does not interpret (audio, files...), forwarded as they are."""

    type: str


def _part_kind(part: Any) -> str:
    kind = part.get("type") if isinstance(part, dict) else getattr(part, "type", None)
    return f"part:{kind}" if kind in ("text", "image_url") else "part:other"


ContentPart = Annotated[
    Annotated[TextPart, Tag("part:text")]
    | Annotated[ImageUrlPart, Tag("part:image_url")]
    | Annotated[OtherPart, Tag("part:other")],
    Discriminator(_part_kind),
]


class FunctionCall(_Open):
    name: str
    arguments: str


class ToolCall(_Open):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(_Open):
    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class FunctionDefinition(_Open):
    name: str = Field(min_length=1)
    description: str | None = None
    parameters: dict[str, Any] | None = None


class Tool(_Open):
    type: Literal["function"]
    function: FunctionDefinition


class StreamOptions(_Open):
    include_usage: bool = Field(False, strict=True)


class ChatCompletionRequest(_Open):
    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    stream: bool = Field(False, strict=True)
    stream_options: StreamOptions | None = None
    tools: list[Tool] | None = None
    n: int | None = Field(None, ge=1, strict=True)
    max_tokens: int | None = Field(None, ge=1, strict=True)
    max_completion_tokens: int | None = Field(None, ge=1, strict=True)


# Responses -----------------------------------------------------------------------------


class JanusEvent(_Open):
    """A structured progress event: tool_start, tool_end, sandbox_start, artifact, ..."""

    event: str
    payload: dict[str, Any] = Field(default_factory=dict)


def _unix_time(value: Any) -> Any:
    """Unix seconds; an ISO-8601 string (the proof of concept's form) is converted."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be Unix seconds or an ISO-8601 date and time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return value


class Artifact(_Open):
    id: str
    type: str
    mime_type: str
    display_name: str
    size_bytes: int = Field(ge=0)
    sha256: str
    created_at: Annotated[int, BeforeValidator(_unix_time)]
    ttl_seconds: int | None = None
    url: str


class Usage(_Open):
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)
    cost_usd: float | None = None
    sandbox_seconds: float | None = None


class Delta(_Open):
    role: Role | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    janus: JanusEvent | None = None


class ChunkChoice(_Open):
    index: int = Field(ge=0)
    delta: Delta
    finish_reason: str | None = None


class ChatCompletionChunk(_Open):
    id: str | None = None
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int | None = None
    model: str | None = None
    choices: list[ChunkChoice]
    usage: Usage | None = None

    def carries_content(self) -> bool:
        """True when the chunk moves the answer forward (not only a role or usage)."""
        for choice in self.choices:
            delta = choice.delta
            if delta.content or delta.reasoning_content or delta.tool_calls or delta.janus:
                return True
        return False


class ResponseMessage(_Open):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    artifacts: list[Artifact] | None = None


class Choice(_Open):
    index: int = Field(ge=0)
    message: ResponseMessage
    finish_reason: str | None = None


class ChatCompletion(_Open):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None


def describe_validation_error(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    """Turn pydantic errors into one readable message and the offending field (``param``).

    Union branches and discriminator tags are pydantic's bookkeeping, not field names, so
    they are dropped; of several errors the deepest field wins, as it is the most precise.
    """
    by_param: dict[str, list[str]] = {}
    for error in errors:
        param = ""
        for part in error["loc"]:
            if isinstance(part, int):
                param += f"[{part}]"
            elif "[" not in part and ":" not in part and part not in _TYPE_NAMES:
                param += f".{part}" if param else part
        messages = by_param.setdefault(param, [])
        if error["msg"] not in messages:
            messages.append(error["msg"])
    param = max(by_param, key=lambda p: (p.count(".") + p.count("["), len(p)))
    message = " or ".join(by_param[param])
    return (f"{param}: {message}" if param else message), (param or None)


_Model = TypeVar("_Model", bound=BaseModel)
_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "dict", "list", "none"})


def parse_body(model: type[_Model], body: bytes, extra_is_unsupported: bool = False) -> _Model:
    """Parse and validate a client's body as ``model``, or raise the 400 that says what is
    wrong: not JSON, a field (an unknown one, with ``extra_is_unsupported``), a key twice."""
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            detail = errors[0].get("ctx", {}).get("error", "")
            raise invalid_request(
                f"The request body is not valid JSON: {detail}", code="invalid_json"
            ) from None
        message, param = describe_validation_error(errors)
        if extra_is_unsupported and errors[0]["type"] == "extra_forbidden":
            message = f"{param}: not supported by this gateway"
        raise invalid_request(f"Invalid request: {message}", param=param) from None
    reject_duplicate_keys(body)
    return parsed


def parse_chat_request(body: bytes) -> ChatCompletionRequest:
    """Parse and validate a client's chat body, or raise the 400 that says what is wrong."""
    return parse_body(ChatCompletionRequest, body)


class _DuplicateKey(ValueError):
    pass


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


# One decoder for every request: json.loads(..., object_pairs_hook=) builds a new one per
# call, which costs more than the check.
_UNIQUE_KEYS = json.JSONDecoder(object_pairs_hook=_unique_object)


def reject_duplicate_keys(body: bytes) -> None:
    """400 if any object of the (valid JSON) ``body`` has a key twice.

    The body is forwarded byte for byte, and parsers disagree on which value of a repeated
    key counts: ours takes the last, a competitor's may take the first. A body where they
    could differ (a ``max_tokens`` under the ``client-auth`` cap, then one above it) is
    refused rather than guessed at.
    """
    try:
        _UNIQUE_KEYS.decode(body.decode())
    except _DuplicateKey as exc:
        raise invalid_request(
            f"The request body has the key '{str(exc)[:100]}' more than once in one object; "
            "send each key once.",
            code="duplicate_key",
        ) from None
    except (ValueError, RecursionError) as exc:  # what the validator accepted, json refuses
        raise invalid_request(
            f"The request body is not valid JSON: {exc}", code="invalid_json"
        ) from None


class ErrorBody(_Open):
    message: str
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class ErrorEnvelope(_Open):
    error: ErrorBody


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str
