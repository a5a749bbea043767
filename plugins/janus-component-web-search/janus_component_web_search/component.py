"""``POST /platform/components/web-search/search``: ranked results for a query.

It wraps the platform's search service (whatever backend the operator configured: the
local index or an HTTP search API), so a competitor gets search through one stable,
versioned contract, and each call is attributed to it in the marketplace's usage.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from janus.interfaces import Component, ComponentCall, ComponentManifest
from janus.platform.components.contract import (
    Operation,
    json_schema,
    openapi_document,
    read_request,
)
from janus_component_web_search import __version__

COMPONENT_ID = "web-search"
DESCRIPTION = (
    "Search the web (or the operator's document index) and get ranked results: title, URL, "
    "snippet and score, best first."
)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    top_k: int = Field(5, ge=1, le=20, description="How many results at most.")


class SearchResult(BaseModel):
    title: str
    url: str
    snippet: str
    score: float = Field(description="Higher is better; comparable within one answer.")


class SearchAnswer(BaseModel):
    object: str = Field("list", json_schema_extra={"const": "list"})
    query: str
    results: list[SearchResult]


SEARCH = Operation("/search", "Ranked results for a query", SearchRequest, SearchAnswer)


async def handle(call: ComponentCall) -> web.StreamResponse:
    request = await read_request(call, SEARCH)
    results = await call.services.search(request.query, request.top_k)
    answer = SearchAnswer(
        query=request.query, results=[SearchResult(**asdict(result)) for result in results]
    )
    return web.json_response(answer.model_dump())


def build() -> Component:
    manifest = ComponentManifest(
        id=COMPONENT_ID,
        name="Web search",
        version=__version__,
        contract="openapi",
        category="search",
        description=DESCRIPTION,
        inputs=json_schema(SearchRequest),
        outputs=json_schema(SearchAnswer),
        resources={"services": ["search"], "timeout_s": 30.0},
        license="MIT",
        author="Janus contributors",
        docs="plugins/janus-component-web-search/README.md",
    )
    document = openapi_document(
        component_id=COMPONENT_ID,
        title=manifest.name,
        version=manifest.version,
        description=DESCRIPTION,
        operations=[SEARCH],
    )
    return Component(manifest, handle, document)
