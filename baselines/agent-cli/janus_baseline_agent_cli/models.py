"""Which platform model the baseline uses.

``JANUS_BASELINE_MODEL`` when set; otherwise the first model the platform lists, which
on the embedded default is the local model (it answers any name, but naming it keeps
logs and metering readable). The listing is asked once per platform address.
"""

from __future__ import annotations

import openai

from janus.competitor.platform import Platform, PlatformError


class ModelChoice:
    def __init__(self, configured: str | None) -> None:
        self.configured = configured
        self._listed: dict[str, str] = {}

    async def model_for(self, platform: Platform, client: openai.AsyncOpenAI) -> str:
        if self.configured:
            return self.configured
        address = f"{platform.socket_path or ''}{platform.base_url}"
        if address not in self._listed:
            page = await client.models.list()
            if not page.data:
                raise PlatformError(503, "the platform lists no models")
            self._listed[address] = page.data[0].id
        return self._listed[address]
