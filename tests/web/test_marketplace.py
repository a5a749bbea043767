"""The marketplace page lists the gateway's real components, their usage and contracts."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import expect

from janus.hookspecs import hookimpl
from janus.interfaces import Component, ComponentCall

pytestmark = pytest.mark.slow

FORECAST_API = {
    "openapi": "3.1.0",
    "info": {"title": "weather", "version": "2.1.0"},
    "paths": {"/forecast": {"post": {"summary": "Forecast for a city"}}},
}
CALCULATOR_TOOLS = {
    "tools": [
        {
            "name": "add",
            "description": "Add two numbers",
            "inputSchema": {"type": "object", "properties": {"a": {}, "b": {}}},
        }
    ]
}


def manifest(component_id: str, name: str, contract: str, category: str, description: str):
    return {
        "id": component_id,
        "name": name,
        "version": "2.1.0",
        "contract": contract,
        "category": category,
        "description": description,
        "inputs": {"type": "object", "properties": {"city": {"type": "string"}}},
        "outputs": {"type": "object"},
        "license": "Apache-2.0",
        "author": f"{name} Team",
        "docs": f"https://example.org/{component_id}",
    }


async def forecast(call: ComponentCall) -> web.StreamResponse:
    return web.json_response({"city": "Oslo", "temperature": 4})


class ShopComponents:
    """Test double: three components in three categories, two contract types."""

    __name__ = "web-test-components"

    @hookimpl
    def register_components(self, register) -> None:
        register(
            "weather",
            Component(
                manifest("weather", "Weather", "openapi", "data", "Temperature forecasts."),
                forecast,
                FORECAST_API,
            ),
        )
        register(
            "calculator",
            Component(
                manifest("calculator", "Calculator", "mcp", "math", "Exact arithmetic."),
                forecast,
                CALCULATOR_TOOLS,
            ),
        )
        register(
            "translator",
            Component(
                manifest("translator", "Translator", "openapi", "language", "Any language."),
                forecast,
                FORECAST_API,
            ),
        )


@pytest.fixture
def gateway(live, tmp_path, token) -> str:
    url = live.gateway(
        {},
        platform={
            "data_dir": str(tmp_path / "data"),
            "inference": {"backend": "off"},
            "sandbox": {"backend": "off"},
            "search": {"backend": "off"},
        },
        plugins=(ShopComponents(),),
    )

    async def use_weather() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for _ in range(2):
                async with session.post(
                    url + "/platform/components/weather/forecast", json={"city": "Oslo"}
                ) as reply:
                    assert reply.status == 200, await reply.text()

    live.call(use_weather())
    return url


def titles(page) -> list[str]:
    return page.locator("#cards .component-card h2").all_inner_texts()


def test_the_components_are_listed_searchable_and_filterable(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/marketplace")
    expect(page.locator("#cards .component-card")).to_have_count(3)
    assert sorted(titles(page)) == ["Calculator", "Translator", "Weather"]
    weather = page.locator('.component-card[data-component="weather"]')
    expect(weather).to_contain_text("v2.1.0")
    expect(weather).to_contain_text("openapi")
    expect(weather).to_contain_text("by Weather Team")
    expect(weather).to_contain_text("Apache-2.0")
    expect(weather.locator(".usage")).to_have_text("· 2 calls")
    expect(page.locator('.component-card[data-component="calculator"] .usage')).to_have_text(
        "· 0 calls"
    )
    browser_page.screenshot("marketplace")

    search = page.get_by_label("Search components")
    search.fill("forecast")
    expect(page.locator("#cards .component-card")).to_have_count(1)
    assert titles(page) == ["Weather"]
    search.fill("")
    category = page.get_by_label("Category")
    expect(category.locator("option")).to_have_text(["All categories", "data", "language", "math"])
    category.select_option("math")
    expect(page.locator("#cards .component-card")).to_have_count(1)
    assert titles(page) == ["Calculator"]
    expect(page.locator("#count")).to_have_text("1 of 3 components")
    search.fill("weather")
    expect(page.locator("#cards")).to_have_text("No component matches.")
    browser_page.assert_clean_console()


def test_the_detail_view_shows_manifest_contract_and_how_to_call(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/marketplace")
    page.get_by_role("link", name="Weather").click()
    detail = page.locator("#detail-view")
    expect(detail.get_by_role("heading", level=2)).to_have_text("Weather v2.1.0")
    expect(page.locator("#list-view")).to_be_hidden()
    manifest_list = detail.locator("dl.manifest")
    expect(manifest_list).to_contain_text("Endpoint/platform/components/weather/")
    expect(manifest_list).to_contain_text("Calls2")
    call = detail.locator("section pre")
    expect(call).to_contain_text(
        'curl -s -X POST "$JANUS_PLATFORM_URL/components/weather/forecast"'
        ' -H "Authorization: Bearer $JANUS_PLATFORM_TOKEN"'
    )
    contract = detail.locator("h3", has_text="Contract (openapi)").locator(
        "xpath=following-sibling::pre[1]"
    )
    expect(contract).to_contain_text('"/forecast"')
    expect(contract.locator(".hljs-attr").first).to_be_visible()
    browser_page.screenshot("marketplace-detail")
    page.get_by_role("link", name="← All components").click()
    expect(page.locator("#list-view")).to_be_visible()
    expect(detail).to_be_hidden()
    browser_page.assert_clean_console()


def test_an_mcp_component_can_be_linked_to_and_shows_a_tool_call(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/marketplace#component=calculator")
    detail = page.locator("#detail-view")
    expect(detail.get_by_role("heading", level=2)).to_have_text("Calculator v2.1.0")
    expect(detail.locator("section pre")).to_contain_text('"method":"tools/call"')
    expect(detail.locator("section pre")).to_contain_text('"name":"add"')
    expect(detail).to_contain_text("Contract (mcp)")


def test_an_unknown_component_shows_the_api_error(gateway, browser_page):
    page = browser_page.page
    page.goto(gateway + "/marketplace#component=nope")
    expect(page.locator("#detail-view").get_by_role("alert")).to_contain_text(
        re.compile(r"HTTP 404 component_not_found: No marketplace component 'nope'")
    )
