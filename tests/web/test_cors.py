"""CORS in Chromium: a page on another origin calls the gateway's API, or is refused."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.gateway.test_artifacts import PNG, answer_with, descriptor
from tests.scripted_competitor import DONE, answer, chunk, sse

pytestmark = pytest.mark.slow

# Runs in the page: what a front end of another origin does with the gateway's API. An
# Authorization header and a JSON body make every call a non-simple request (a preflight).
CALLS = """async (gateway) => {
  const auth = {Authorization: "Bearer sk-from-the-page"};
  try {
    const models = await (await fetch(gateway + "/v1/models", {headers: auth})).json();
    const chat = await fetch(gateway + "/v1/chat/completions", {
      method: "POST",
      headers: {...auth, "Content-Type": "application/json"},
      body: JSON.stringify({model: "a", messages: [{role: "user", content: "hi"}]}),
    });
    const reply = await chat.json();
    const artifact = reply.choices[0].message.artifacts[0];
    const image = await fetch(artifact.url, {headers: auth});
    const stream = await fetch(gateway + "/v1/chat/completions", {
      method: "POST",
      headers: {...auth, "Content-Type": "application/json"},
      body: JSON.stringify({model: "s", stream: true, messages: [{role: "user", content: "hi"}]}),
    });
    return {
      models: models.data.map((m) => m.id),
      text: reply.choices[0].message.content,
      requestId: chat.headers.get("X-Request-Id"),
      imageBytes: (await image.arrayBuffer()).byteLength,
      stream: await stream.text(),
    };
  } catch (error) {
    return {error: String(error)};
  }
}"""


def page_server(live) -> str:
    """A web app on an origin of its own (another port), serving an empty page."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>app</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return live.serve(app)


def gateway_for(live, **gateway) -> str:
    _, streaming = live.competitor(sse(chunk("Streamed"), chunk(finish="stop"), DONE))
    _, artifact = live.competitor(answer(answer_with(descriptor(), "Here it is.")))
    return live.gateway({"a": artifact, "s": streaming}, **gateway)


def call_from(browser_page, app: str, gateway: str) -> dict:
    browser_page.page.goto(app + "/")
    return browser_page.page.evaluate(CALLS, gateway)


def test_a_page_on_an_allowed_origin_uses_the_api(live, browser_page):
    app = page_server(live)
    gateway = gateway_for(live, cors_origins=[app])
    result = call_from(browser_page, app, gateway)
    assert "error" not in result, result
    assert result["models"] == ["a", "s"]
    assert result["text"] == "Here it is." and result["requestId"]
    assert result["imageBytes"] == len(PNG)
    assert "Streamed" in result["stream"] and "[DONE]" in result["stream"]


@pytest.mark.parametrize("origins", [None, ["http://elsewhere.example"]])
def test_a_page_on_any_other_origin_is_refused(live, browser_page, origins):
    app = page_server(live)
    gateway = gateway_for(live, **({"cors_origins": origins} if origins else {}))
    result = call_from(browser_page, app, gateway)
    assert result == {"error": "TypeError: Failed to fetch"}
