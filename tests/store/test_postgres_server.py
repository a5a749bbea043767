"""The throw-away PostgreSQL fixture never lets CI pass without PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.postgres_server import require_pg_ctl


def test_a_missing_postgresql_fails_in_ci():
    with pytest.raises(pytest.fail.Exception, match="CI must test the PostgreSQL store"):
        require_pg_ctl(None, {"CI": "true"})


def test_a_missing_postgresql_skips_elsewhere():
    with pytest.raises(pytest.skip.Exception):
        require_pg_ctl(None, {})


def test_an_installed_postgresql_is_used():
    assert require_pg_ctl(Path("/usr/bin/pg_ctl"), {"CI": "true"}) == Path("/usr/bin/pg_ctl")
