"""Test double: a Sandy server following Sandy's documented endpoints (those we use).

``POST /api/sandboxes`` → ``{sandboxId, url, createdAt}``;
``POST /api/sandboxes/{id}/exec`` ``{command, cwd?, env?, timeoutMs?}`` →
``{stdout, stderr, exitCode}``; ``POST /api/sandboxes/{id}/files/write`` ``{path,
content}``; ``POST /api/sandboxes/{id}/terminate`` → ``{status: "terminated"}``. Every call
needs ``Authorization: Bearer <key>``; unknown sandboxes are 404.

Each sandbox is a temporary directory standing for ``/workspace``, and commands run on
this host with ``/bin/sh`` (a test double: no isolation). Like a strict server, writing a
file does not create its directories.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from aiohttp import web

WORKSPACE = "/workspace"


class FakeSandy:
    def __init__(self, root: Path, api_key: str) -> None:
        self.root = root
        self.api_key = api_key
        self.sandboxes: dict[str, Path] = {}
        self.calls: list[tuple[str, str, Any]] = []  # (method, path, JSON body)
        self.fail_with: int | None = None  # answer every call with this status
        self._ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._check])
        one = "/api/sandboxes/{sandbox_id}"
        app.router.add_post("/api/sandboxes", self.create)
        app.router.add_post(one + "/exec", self.exec)
        app.router.add_post(one + "/files/write", self.write)
        app.router.add_post(one + "/terminate", self.terminate)
        return app

    @web.middleware
    async def _check(self, request: web.Request, handler) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.calls.append((request.method, request.path, body))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.fail_with is not None:
            return web.json_response({"error": "scripted failure"}, status=self.fail_with)
        return await handler(request)

    def _box(self, request: web.Request) -> Path:
        box = self.sandboxes.get(request.match_info["sandbox_id"])
        if box is None:
            raise web.HTTPNotFound(text='{"error": "sandbox not found"}')
        return box

    @staticmethod
    def _inside(box: Path, path: str) -> Path:
        relative = path.removeprefix(WORKSPACE).lstrip("/")
        target = (box / relative).resolve()
        if not target.is_relative_to(box.resolve()):
            raise web.HTTPBadRequest(text='{"error": "path outside the workspace"}')
        return target

    async def create(self, request: web.Request) -> web.Response:
        sandbox_id = f"sandy-{next(self._ids)}"
        box = self.root / sandbox_id
        box.mkdir(parents=True)
        self.sandboxes[sandbox_id] = box
        return web.json_response(
            {
                "sandboxId": sandbox_id,
                "url": f"https://{sandbox_id}.sandy.test",
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )

    async def exec(self, request: web.Request) -> web.Response:
        box = self._box(request)
        body = await request.json()
        process = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            body["command"],
            cwd=self._inside(box, body.get("cwd", WORKSPACE)),
            env={"PATH": "/usr/bin:/bin", **body.get("env", {})},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = await asyncio.wait_for(
                process.communicate(), body.get("timeoutMs", 60_000) / 1000
            )
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)  # the shell and what it started
            stdout, stderr = await process.communicate()
        return web.json_response(
            {
                "stdout": stdout.decode(errors="replace"),
                "stderr": stderr.decode(errors="replace"),
                "exitCode": process.returncode,
            }
        )

    async def write(self, request: web.Request) -> web.Response:
        box = self._box(request)
        body = await request.json()
        self._inside(box, body["path"]).write_text(body["content"])
        return web.json_response({"success": True})

    async def terminate(self, request: web.Request) -> web.Response:
        box = self._box(request)
        shutil.rmtree(box)
        del self.sandboxes[request.match_info["sandbox_id"]]
        return web.json_response({"status": "terminated"})
