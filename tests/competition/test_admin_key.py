"""The admin key: configured in the environment, or generated once into the data dir."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

from janus.config import parse_config
from janus.gateway.admin import admin_key_path, load_admin_key


def _config(tmp_path):
    return parse_config({"platform": {"data_dir": str(tmp_path)}}, "test config")


def test_a_generated_key_is_private_to_its_owner_and_kept(tmp_path):
    config = _config(tmp_path)
    key = load_admin_key(config, environ={})
    assert key.startswith("jadm-") and len(key) > 40
    path = admin_key_path(config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_admin_key(config, environ={}) == key  # the next start reads the same key
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # nothing half-written left


def test_the_configured_variable_wins_and_nothing_is_written(tmp_path):
    config = _config(tmp_path)
    assert load_admin_key(config, environ={"JANUS_ADMIN_KEY": " set-by-operator "}) == (
        "set-by-operator"
    )
    assert not admin_key_path(config).exists()


def test_gateways_starting_together_agree_on_one_key(tmp_path):
    config = _config(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_admin_key(config, environ={}), range(32)))
    assert keys == {admin_key_path(config).read_text().strip()}
