"""Where the bench finds the admin key that opens the platform sandbox."""

from __future__ import annotations

from janus_bench.sandbox import find_platform_key


def test_the_platform_key_comes_from_the_flag_the_environment_or_the_key_file(tmp_path):
    data = tmp_path / "data"
    (tmp_path / "janus.toml").write_text(
        f'[platform]\ndata_dir = "{data}"\n[competition]\nadmin_key_env = "MY_ADMIN"\n'
    )
    environ = {"JANUS_CONFIG": str(tmp_path / "janus.toml")}
    assert find_platform_key(None, environ) is None
    data.mkdir()
    (data / "admin.key").write_text("jadm-from-file\n")
    assert find_platform_key(None, environ) == "jadm-from-file"
    assert find_platform_key(None, {**environ, "MY_ADMIN": "jadm-mine"}) == "jadm-mine"
    assert find_platform_key(None, {**environ, "JANUS_ADMIN_KEY": "jadm-env"}) == "jadm-env"
    assert find_platform_key("jadm-flag", {**environ, "JANUS_ADMIN_KEY": "x"}) == "jadm-flag"
