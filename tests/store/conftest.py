from pathlib import Path

import pytest

from janus.config import Config, parse_config
from janus.store import open_store
from tests.store.postgres_server import postgres_server, postgres_url  # noqa: F401


def store_config(tmp_path: Path, url: str = "") -> Config:
    return parse_config(
        {"platform": {"data_dir": str(tmp_path)}, "store": {"url": url}}, "test config"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request, tmp_path):
    """An open store on each backend: an SQLite file, a throw-away PostgreSQL server."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    store = open_store(store_config(tmp_path, url))
    assert store.backend == request.param
    await store.open()
    yield store
    await store.close()
