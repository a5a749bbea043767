"""The web UI: static pages served from the installed package.

The files live in the repository's ``web/`` folder and ship inside the ``janus`` package as
``janus/web`` (a symlink in the checkout, package data in the wheel), so a gateway serves
the same UI from a checkout and from an installed wheel. They are read once, when the app
is built: answering is then a dictionary look-up, with nothing blocking on the event loop.

Pages are ``/``, ``/chat`` (and ``/chat/<id>``, one chat), ``/competition``,
``/marketplace`` and ``/arena``; everything they load is under ``/assets/``. Every UI
response carries a strict Content-Security-Policy (no inline script, nothing from another
origin) and a strong ``ETag``; browsers revalidate each time (``no-cache``), so an upgraded
gateway never serves a stale UI. An unknown path outside the API gets the UI's HTML 404
page; under ``/v1`` and ``/platform`` a 404 stays the OpenAI error (the gateway's error
middleware renders it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from aiohttp import web

PAGES = {
    "/": "index.html",
    "/chat": "chat.html",
    "/competition": "competition.html",
    "/marketplace": "marketplace.html",
    "/arena": "arena.html",
}
# Deep links into a page: the same file, the page's script reads the rest of the path.
PAGE_ALIASES = {"/chat/{session_id}": "/chat"}  # one chat, kept in the browser
NOT_FOUND_PAGE = "404.html"
ASSETS_PREFIX = "/assets/"
# Only files in these folders of web/ are assets; the top level holds pages and docs.
ASSET_FOLDERS = ("css", "js", "img", "vendor")
# Paths that belong to the API: their 404s stay OpenAI errors.
API_PREFIXES = ("/v1", "/platform")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    "": "text/plain; charset=utf-8",  # LICENSE, MANIFEST
}

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for attachment previews, blob: for pasted images; answers may only show
        # images the gateway hosts (artifacts) or carries inline.
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class StaticFile:
    """One file of the UI, held in memory with its type and a strong ETag of its bytes."""

    body: bytes
    content_type: str
    etag: str

    @classmethod
    def read(cls, source: Traversable) -> StaticFile:
        body = source.read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        return cls(body, CONTENT_TYPES[_suffix(source.name)], etag)

    def response(self, request: web.Request, status: int = 200) -> web.Response:
        headers = {**SECURITY_HEADERS, "ETag": self.etag}
        if status == 200 and _matches(request.headers.get("If-None-Match"), self.etag):
            return web.Response(status=304, headers=headers)
        return web.Response(
            status=status, body=self.body, headers={**headers, "Content-Type": self.content_type}
        )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def web_root() -> Traversable:
    """Where the UI's files are: ``janus/web`` in the installed package."""
    return files("janus") / "web"


@dataclass(frozen=True)
class Site:
    """Everything the UI serves, read once: a broken install fails when the app is built,
    not on some later request."""

    pages: dict[str, StaticFile]  # by route
    not_found: StaticFile
    assets: dict[str, StaticFile]  # by path under /assets/

    @classmethod
    def load(cls, root: Traversable) -> Site:
        assets: dict[str, StaticFile] = {}
        for folder in ASSET_FOLDERS:
            if (root / folder).is_dir():
                _collect(root / folder, folder, assets)
        return cls(
            pages={route: StaticFile.read(root / name) for route, name in PAGES.items()},
            not_found=StaticFile.read(root / NOT_FOUND_PAGE),
            assets=assets,
        )


def _collect(folder: Traversable, prefix: str, into: dict[str, StaticFile]) -> None:
    for entry in folder.iterdir():
        path = f"{prefix}/{entry.name}"
        if entry.is_dir():
            _collect(entry, path, into)
        elif _suffix(entry.name) in CONTENT_TYPES:
            into[path] = StaticFile.read(entry)


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def setup_web(app: web.Application) -> None:
    """Serve the UI's pages and assets at ``/``."""
    site = Site.load(web_root())

    async def page(request: web.Request) -> web.Response:
        route = request.match_info.route.resource.canonical
        return site.pages[PAGE_ALIASES.get(route, route)].response(request)

    async def asset(request: web.Request) -> web.Response:
        found = site.assets.get(request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()
        return found.response(request)

    @web.middleware
    async def html_not_found(request: web.Request, handler) -> web.StreamResponse:
        """A browser that follows a wrong link gets a page, an API client an OpenAI error."""
        try:
            return await handler(request)
        except web.HTTPNotFound:
            if request.method not in ("GET", "HEAD") or _is_api(request.path):
                raise
            return site.not_found.response(request, status=404)

    for route in (*PAGES, *PAGE_ALIASES):
        app.router.add_get(route, page)
    app.router.add_get(ASSETS_PREFIX + "{path:.+}", asset)
    app.middlewares.append(html_not_found)


def _is_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)
