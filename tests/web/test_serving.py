"""The gateway serves the UI from the installed package: types, ETags, CSP, 404s."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import aiohttp
import pytest

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.web import PAGES
from janus.plugins import load_plugins

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


async def fetch(method: str, url: str, **headers: str) -> tuple[int, bytes, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers) as r,
    ):
        return r.status, await r.read(), r.headers.copy()


@pytest.fixture
def gateway(live) -> str:
    return live.gateway({})


@pytest.mark.parametrize("path", list(PAGES))
async def test_each_page_is_html_with_a_strict_policy_and_an_etag(gateway, path):
    status, body, headers = await fetch("GET", gateway + path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'id="site-header"' in body
    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    etag = headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    status, body, again = await fetch("GET", gateway + path, **{"If-None-Match": etag})
    assert status == 304 and body == b"" and again["ETag"] == etag
    status, _, _ = await fetch("GET", gateway + path, **{"If-None-Match": '"stale"'})
    assert status == 200


@pytest.mark.parametrize(
    ("asset", "content_type"),
    [
        ("js/chat.js", "text/javascript; charset=utf-8"),
        ("css/janus.css", "text/css; charset=utf-8"),
        ("vendor/dompurify/purify.es.mjs", "text/javascript; charset=utf-8"),
        ("vendor/marked/LICENSE", "text/plain; charset=utf-8"),
        ("img/favicon.svg", "image/svg+xml"),
    ],
)
async def test_assets_have_their_content_type_and_the_bytes_of_the_file(
    gateway, asset, content_type
):
    status, body, headers = await fetch("GET", f"{gateway}/assets/{asset}")
    assert status == 200 and headers["Content-Type"] == content_type
    assert body == (WEB / asset).read_bytes()
    assert headers["ETag"] and headers["Content-Security-Policy"]


async def test_head_answers_headers_without_a_body(gateway):
    status, body, headers = await fetch("HEAD", gateway + "/chat")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len((WEB / "chat.html").read_bytes())


@pytest.mark.parametrize("path", ["/no-such-page", "/assets/js/missing.js", "/chat/a/b"])
async def test_an_unknown_ui_path_gets_the_html_404_page(gateway, path):
    status, body, headers = await fetch("GET", gateway + path)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body and headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nothing"), ("GET", "/v1"), ("POST", "/no-such-page")]
)
async def test_api_paths_and_non_page_methods_keep_the_openai_404(gateway, method, path):
    status, body, headers = await fetch(method, gateway + path)
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    assert b'"code": "not_found"' in body or b'"code":"not_found"' in body


def test_the_ui_can_be_turned_off():
    app = create_app(
        parse_config({"web": {"enabled": False}}, "test"), load_plugins(use_env=False, allow=set())
    )
    paths = {route.resource.canonical for route in app.router.routes()}
    assert not paths & {*PAGES, "/assets/{path}"}


def _html_files() -> list[Path]:
    return sorted(WEB.glob("*.html"))


@pytest.mark.parametrize("page", _html_files(), ids=lambda p: p.name)
def test_pages_have_no_inline_script_or_style_and_load_nothing_from_elsewhere(page):
    html = page.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/assets/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"<style|\sstyle=", html), "inline style"
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#")), f"{page.name} loads {url}"


def test_our_modules_import_only_local_files():
    for module in (WEB / "js").glob("*.js"):
        for target in re.findall(
            r'^import\b.*?["\']([^"\']+)["\'];', module.read_text(), re.M | re.S
        ):
            assert target.startswith(("./", "../")), f"{module.name} imports {target}"


def test_vendored_libraries_match_the_manifest_and_carry_their_licences():
    script = (WEB / "vendor.sh").read_text()
    pinned = dict(re.findall(r'^  "((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+) ', script, re.M))
    assert set(pinned) == {"marked", "dompurify", "@highlightjs/cdn-assets"}
    lines = [
        line.split()
        for line in (WEB / "vendor" / "MANIFEST").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert lines
    for spec, path, digest in lines:
        name, version = spec.rsplit("@", 1)
        assert pinned[name] == version
        assert hashlib.sha256((WEB / "vendor" / path).read_bytes()).hexdigest() == digest
    directories = {path.split("/")[0] for _, path, _ in lines}
    assert all((WEB / "vendor" / d / "LICENSE").is_file() for d in directories)
    assert {path for _, path, _ in lines} == {
        str(p.relative_to(WEB / "vendor")) for p in (WEB / "vendor").rglob("*") if p.is_file()
    } - {"MANIFEST"}


async def test_a_chat_link_serves_the_chat_page(gateway):
    status, body, headers = await fetch("GET", gateway + "/chat/lq2x9k-3fz8a1b0")
    assert status == 200 and body == (WEB / "chat.html").read_bytes()
    assert headers["Content-Security-Policy"]
