"""Test double: a SearXNG instance's JSON search API.

Follows SearXNG's documented behaviour (docs.searxng.org/dev/search_api): ``GET /search``
with ``q`` and ``format``; a format the instance has not enabled is refused with 403; the
JSON answer carries ``results`` (``url``, ``title``, ``content``, ``engine``, ``score``...)
best first, and ``unresponsive_engines`` as ``[engine, error]`` pairs. Tests change the
public attributes to script failures, and read ``requests`` to see what was asked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Page:
    url: str
    title: str
    content: str


DEFAULT_PAGES = (
    Page("https://example.org/tides", "Tides", "Tides are caused by the moon's gravity."),
    Page("https://example.org/moon", "The Moon", "The moon orbits the earth every 27 days."),
    Page("https://example.org/bread", "Sourdough", "Sourdough bread rises with wild yeast."),
)


@dataclass
class FakeSearxng:
    pages: tuple[Page, ...] = DEFAULT_PAGES
    formats: tuple[str, ...] = ("html", "json")
    status: int = 200  # anything else is answered instead of results
    delay_s: float = 0.0
    unresponsive_engines: list[list[str]] = field(default_factory=list)
    raw_body: str | None = None  # answered as-is when set (malformed answers)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""  # where it is served, once it is

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/search", self.search)
        return app

    async def search(self, request: web.Request) -> web.Response:
        self.requests.append({"query": dict(request.query), "headers": dict(request.headers)})
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if request.query.get("format", "html") not in self.formats:
            raise web.HTTPForbidden()
        if self.status != 200:
            return web.Response(status=self.status, text="engine trouble")
        if self.raw_body is not None:
            return web.Response(text=self.raw_body, content_type="application/json")
        query = request.query["q"]
        results = [] if self.unresponsive_engines else self._results(query)
        return web.json_response(
            {
                "query": query,
                "number_of_results": len(results),
                "results": results,
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": self.unresponsive_engines,
            }
        )

    def _results(self, query: str) -> list[dict[str, Any]]:
        words = set(query.lower().split())
        scored = []
        for page in self.pages:
            text = f"{page.title} {page.content}".lower()
            hits = sum(word in text for word in words)
            if hits:
                scored.append((hits, page))
        scored.sort(key=lambda pair: -pair[0])
        return [
            {
                "url": page.url,
                "title": page.title,
                "content": page.content,
                "engine": "fake",
                "engines": ["fake"],
                "positions": [rank],
                "score": float(hits),
                "category": "general",
            }
            for rank, (hits, page) in enumerate(scored, start=1)
        ]
