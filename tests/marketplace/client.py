"""A few HTTP helpers for the marketplace tests."""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)


async def call(
    gateway: str, path: str, token: str | None, body: Any = None, method: str = "POST"
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, gateway + path, json=body) as response,
    ):
        return response.status, await response.json(content_type=None)


async def metric(gateway: str, name: str, **labels: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(gateway + "/metrics") as response:
        text = await response.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0
