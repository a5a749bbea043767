"""The aiohttp gateway: app factory, chat handler, stream relay, competitor pool."""
