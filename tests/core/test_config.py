"""``janus.config``: every problem is one ConfigError naming the file and the key, and the
configuration is resolved from --config, then $JANUS_CONFIG, then ./janus.toml, then the
embedded default."""

from __future__ import annotations

from pathlib import Path

import pytest

from janus.config import (
    CONFIG_ENV,
    Config,
    ConfigError,
    load_config,
    load_default_config,
    parse_config,
    resolve_config,
)

GOOD = """\
[gateway]
host = "127.0.0.1"
port = 9001
request_timeout_s = 30
keepalive_interval_s = 0.5

[routing]
default = "alpha"
fallbacks = ["beta"]

[[competitors]]
id = "alpha"
url = "http://127.0.0.1:9100/"

[[competitors]]
id = "beta"
url = "unix:/tmp/beta.sock"
name = "Beta"
"""

COMPETITOR = '[[competitors]]\nid = "alpha"\nurl = "http://127.0.0.1:9100"\n'

# (name, TOML text, the "key: problem" fragment the message must contain)
BAD = [
    ("unknown-key", "[gateway]\nprot = 8000\n", "gateway.prot: unknown key"),
    ("unknown-section", "[gatway]\nport = 8000\n", "gatway: unknown key"),
    ("unknown-competitor-key", COMPETITOR + "weight = 3\n", "competitors[0].weight: unknown key"),
    ("port-is-string", '[gateway]\nport = "eighty"\n', "gateway.port:"),
    ("port-is-bool", "[gateway]\nport = true\n", "gateway.port:"),
    ("port-is-numeric-string", '[gateway]\nport = "8000"\n', "gateway.port:"),
    ("port-out-of-range", "[gateway]\nport = 70000\n", "gateway.port:"),
    ("timeout-not-positive", "[gateway]\nrequest_timeout_s = 0\n", "gateway.request_timeout_s:"),
    ("access-log-is-string", '[gateway]\naccess_log = "no"\n', "gateway.access_log:"),
    ("host-is-int", "[gateway]\nhost = 5\n", "gateway.host:"),
    ("section-is-scalar", "gateway = 5\n", "gateway:"),
    ("competitors-not-array", '[competitors]\nid = "a"\nurl = "http://x"\n', "competitors:"),
    ("competitor-without-url", '[[competitors]]\nid = "a"\n', "competitors[0].url:"),
    (
        "bad-competitor-id",
        '[[competitors]]\nid = "no spaces"\nurl = "http://x"\n',
        "competitors[0].id:",
    ),
    (
        "duplicate-id",
        COMPETITOR + COMPETITOR.replace("9100", "9200"),
        "competitors[1].id: duplicate id 'alpha'",
    ),
    (
        "dangling-default",
        '[routing]\ndefault = "ghost"\n' + COMPETITOR,
        "routing.default: no competitor has id 'ghost'",
    ),
    (
        "dangling-fallback",
        '[routing]\nfallbacks = ["alpha", "ghost"]\n' + COMPETITOR,
        "routing.fallbacks[1]: no competitor has id 'ghost'",
    ),
    (
        "ftp-url",
        '[[competitors]]\nid = "a"\nurl = "ftp://127.0.0.1/x"\n',
        "competitors[0].url: must start with http://, https:// or unix:",
    ),
    (
        "schemeless-url",
        '[[competitors]]\nid = "a"\nurl = "127.0.0.1:9100"\n',
        "competitors[0].url: must start with",
    ),
    (
        "empty-unix-url",
        '[[competitors]]\nid = "a"\nurl = "unix:"\n',
        "competitors[0].url: must start with",
    ),
    ("invalid-toml", "[gateway\nport = 8000\n", "not valid TOML"),
    ("duplicate-toml-table", "[gateway]\nport = 1\n[gateway]\nport = 2\n", "not valid TOML"),
]


def config_error(path: Path) -> str:
    """The message of the ConfigError that loading ``path`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def write(directory: Path, text: str, name: str = "janus.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_is_typed_and_normalised(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert isinstance(config, Config)
    assert config.gateway.port == 9001
    assert config.gateway.request_timeout_s == 30.0
    assert isinstance(config.gateway.request_timeout_s, float)
    assert config.gateway.keepalive_interval_s == 0.5
    assert config.routing.default == "alpha"
    assert config.routing.fallbacks == ["beta"]
    assert [c.id for c in config.competitors] == ["alpha", "beta"]
    # the trailing slash is dropped so that paths can be appended
    assert config.competitor("alpha").url == "http://127.0.0.1:9100"
    assert config.competitor("beta").url == "unix:/tmp/beta.sock"
    assert config.competitor("beta").name == "Beta"
    assert config.competitor("ghost") is None


def test_empty_file_means_all_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.gateway.host == "127.0.0.1"
    assert config.gateway.port == 8000
    assert config.routing.router == "by-model"
    assert config.competitors == []


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(Exception, match="frozen"):
        config.gateway.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(("text", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_file_names_the_file_and_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text, "bad.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert fragment in message, message
    assert "\n" not in message
    # the user sees the message, not pydantic's or tomllib's machinery
    assert caught.value.__cause__ is None
    assert "pydantic" not in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, '[gateway]\nprot = 1\nport = "x"\n')
    message = config_error(path)
    assert "gateway.prot: unknown key" in message
    assert "gateway.port:" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = config_error(path)
    assert message == f"{path}: cannot read the file: No such file or directory"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    message = config_error(tmp_path)
    assert message.startswith(f"{tmp_path}: cannot read the file:"), message


def test_read_error_is_reported_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A permission error (root reads any file, so it is provoked rather than chmod-ed)."""
    path = write(tmp_path, GOOD)

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: cannot read the file: Permission denied"
    assert caught.value.__cause__ is None


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[gateway]\nhost = "caf\xe9"\n'.encode("latin-1"))
    message = config_error(path)
    assert message.startswith(f"{path}: cannot read the file:"), message


def test_embedded_default_is_valid() -> None:
    config = load_default_config()
    assert config.gateway.host == "127.0.0.1"  # loopback only, never 0.0.0.0 by default
    assert config.gateway.port == 8000
    assert config.routing.router == "by-model"


class TestResolution:
    """--config, then $JANUS_CONFIG, then ./janus.toml, then the embedded default."""

    @pytest.fixture
    def files(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        monkeypatch.chdir(cwd)
        return {
            "explicit": write(tmp_path, "[gateway]\nport = 1111\n", "explicit.toml"),
            "env": write(tmp_path, "[gateway]\nport = 2222\n", "env.toml"),
            "cwd": cwd / "janus.toml",
        }

    def test_explicit_beats_env_and_cwd(self, files: dict[str, Path]) -> None:
        write(files["cwd"].parent, "[gateway]\nport = 3333\n")
        environ = {CONFIG_ENV: str(files["env"])}
        config, source = resolve_config(str(files["explicit"]), environ)
        assert config.gateway.port == 1111
        assert source == str(files["explicit"])

    def test_env_beats_cwd(self, files: dict[str, Path]) -> None:
        write(files["cwd"].parent, "[gateway]\nport = 3333\n")
        config, source = resolve_config(None, {CONFIG_ENV: str(files["env"])})
        assert config.gateway.port == 2222
        assert source == str(files["env"])

    def test_cwd_file_beats_default(self, files: dict[str, Path]) -> None:
        write(files["cwd"].parent, "[gateway]\nport = 3333\n")
        config, source = resolve_config(None, {})
        assert config.gateway.port == 3333
        assert source == "janus.toml"

    def test_embedded_default_last(self, files: dict[str, Path]) -> None:
        assert not files["cwd"].exists()
        config, source = resolve_config(None, {})
        assert source == "embedded default"
        assert config == load_default_config()

    def test_empty_env_var_is_ignored(self, files: dict[str, Path]) -> None:
        _, source = resolve_config(None, {CONFIG_ENV: ""})
        assert source == "embedded default"

    def test_a_directory_named_janus_toml_is_not_picked_up(self, files: dict[str, Path]) -> None:
        files["cwd"].mkdir()
        _, source = resolve_config(None, {})
        assert source == "embedded default"

    def test_named_file_that_is_missing_is_an_error_not_a_fallback(
        self, files: dict[str, Path]
    ) -> None:
        write(files["cwd"].parent, "[gateway]\nport = 3333\n")
        missing = files["explicit"].with_name("missing.toml")
        with pytest.raises(ConfigError, match=r"missing\.toml: cannot read the file"):
            resolve_config(str(missing), {})
        with pytest.raises(ConfigError, match=r"missing\.toml: cannot read the file"):
            resolve_config(None, {CONFIG_ENV: str(missing)})

    def test_bad_cwd_file_is_an_error_not_a_fallback(self, files: dict[str, Path]) -> None:
        write(files["cwd"].parent, "[gateway]\nprot = 1\n")
        with pytest.raises(ConfigError, match=r"^janus\.toml: gateway\.prot: unknown key$"):
            resolve_config(None, {})

    def test_process_environment_is_the_default(
        self, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(CONFIG_ENV, str(files["env"]))
        config, _ = resolve_config(None)
        assert config.gateway.port == 2222


def test_leaving_out_the_default_competitor_promotes_the_first_fallback() -> None:
    config = parse_config(
        {
            "routing": {"default": "a", "fallbacks": ["b", "c"]},
            "competitors": [{"id": i, "url": "http://x"} for i in ("a", "b", "c")],
        },
        "t",
    ).without({"a"})
    assert (config.routing.default, config.routing.fallbacks) == ("b", ["c"])
    assert [c.id for c in config.competitors] == ["b", "c"]
