"""``POST /platform/v1/search``: one request and answer shape, whatever the backend.

Each call that reaches the backend is metered against the caller's grant, failed ones
included: a search the backend could not finish may still have used the operator's quota.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from janus.errors import invalid_request
from janus.platform.backends import SearchBackend
from janus.platform.keys import METERING, SEARCH, grant_of
from janus.protocol import describe_validation_error

MAX_QUERY_CHARS = 1000
MAX_TOP_K = 50


class SearchRequest(BaseModel):
    # Strict and closed: ``"top_k": "5"`` or a misspelt ``topk`` is a mistake to report,
    # not something to guess at.
    model_config = ConfigDict(extra="forbid", strict=True)
    query: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS)
    ]
    top_k: int = Field(5, ge=1, le=MAX_TOP_K)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/search", search)


async def search(request: web.Request) -> web.Response:
    try:
        body = SearchRequest.model_validate_json(await request.read())
    except ValidationError as exc:
        message, param = describe_validation_error(exc.errors())
        raise invalid_request(f"Invalid request: {message}", param=param) from None
    backend: SearchBackend = request.app[SEARCH]
    request.app[METERING].meter_for(grant_of(request)).add_search_call()
    results = await backend.search(body.query, body.top_k)
    return web.json_response(
        {
            "object": "list",
            "query": body.query,
            # [:top_k] holds the contract even for a third-party backend that ignores it.
            "results": [asdict(result) for result in results[: body.top_k]],
        }
    )
