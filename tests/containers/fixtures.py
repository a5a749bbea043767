"""Real Podman for the container tests: the base image (built once per content), the
scripted competitor image, and gateways that run containers.

Without a working Podman the tests skip, except under CI (``CI=true``), where they fail:
CI installs Podman (scripts/system-packages) and must prove that containers run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from janus.config import parse_config
from janus.gateway.app import create_app
from janus.gateway.runtimes.container import instance_id
from janus.gateway.runtimes.podman import COMPETITOR_LABEL, GATEWAY_LABEL
from janus.gateway.runtimes.wiring import DEPLOYED
from janus.plugins import load_plugins
from tests.live import LiveServers
from tests.marketplace.echo_component import EchoComponents
from tests.platform.scripted_inference import ScriptedInferencePlugin

ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIR = Path(__file__).parent / "image"
ADMIN_KEY = "jadm-container-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
RUNTIME = ["--runtime", "runc"]


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"container tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def podman(*arguments: str, check: bool = True, timeout: float = 600) -> str:
    done = subprocess.run(["podman", *arguments], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(arguments)}: {done.stderr.strip()}")
    return done.stdout


@pytest.fixture(scope="session")
def base_image() -> str:
    """``localhost/janus-base:<hash>``, built by scripts/build-base-image unless present."""
    if shutil.which("podman") is None:
        unavailable("podman is not installed (scripts/system-packages podman)")
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-base-image")], capture_output=True, text=True, timeout=1200
    )
    if done.returncode != 0:
        unavailable(f"scripts/build-base-image failed: {done.stderr.strip()[-500:]}")
    tag = done.stdout.strip().splitlines()[-1]
    probe = subprocess.run(
        [
            "podman",
            "run",
            "--rm",
            *RUNTIME,
            "--network",
            "none",
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            "nproc=1024:1024",
            tag,
            "python3",
            "-c",
            "print('ok')",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if probe.stdout.strip() != "ok":
        unavailable(f"podman cannot run a container: {probe.stderr.strip()[-500:]}")
    return tag


@pytest.fixture(scope="session")
def competitor_image(base_image: str) -> str:
    """The scripted competitor (tests/containers/image), tagged by its content."""
    digest = hashlib.sha256(base_image.encode())
    for path in sorted(IMAGE_DIR.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    tag = f"localhost/janus-test-competitor:{digest.hexdigest()[:12]}"
    if subprocess.run(["podman", "image", "exists", tag]).returncode != 0:
        podman(
            "build",
            *RUNTIME,
            "--network",
            "none",
            "--build-arg",
            f"BASE={base_image}",
            "-t",
            tag,
            str(IMAGE_DIR),
        )
    return tag


def baseline_image(name: str) -> str:
    """``localhost/janus-baseline-<name>:<hash>``, built by scripts/build-baseline-image."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-baseline-image"), name],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def containers(label: str, value: str) -> list[str]:
    """Names of the containers (any state) carrying ``label=value``."""
    out = podman("ps", "-a", "--filter", f"label={label}={value}", "--format", "{{.Names}}")
    return out.split()


def wait_for(condition, timeout: float = 120, interval: float = 0.2) -> None:
    """Poll ``condition`` until it holds; generous, for a loaded machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclass
class ContainerGateway:
    url: str
    app: web.Application
    live: LiveServers
    data_dir: str

    @property
    def instance(self) -> str:
        return instance_id(self.data_dir)

    def containers(self, competitor_id: str | None = None) -> list[str]:
        if competitor_id is None:
            return containers(GATEWAY_LABEL, self.instance)
        return [
            name
            for name in containers(COMPETITOR_LABEL, competitor_id)
            if name.startswith(f"janus-{self.instance}-")
        ]

    def app_deployed(self, competitor_id: str) -> str:
        """The host socket the gateway reaches a configured container competitor on."""
        return self.app[DEPLOYED][competitor_id][0]

    def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async def go() -> tuple[int, Any]:
            async with aiohttp.ClientSession() as session:
                async with session.request(method, self.url + path, **kwargs) as response:
                    text = await response.text()
                    try:
                        return response.status, json.loads(text)
                    except ValueError:
                        return response.status, text

        return self.live.call(go(), timeout=600)

    def chat(self, model: str, content: str, *, stream: bool = True) -> tuple[int, str]:
        """One chat; the raw answer (SSE text when streamed)."""
        body = {
            "model": model,
            "stream": stream,
            "messages": [{"role": "user", "content": content}],
        }

        async def go() -> tuple[int, str]:
            timeout = aiohttp.ClientTimeout(total=600)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(self.url + "/v1/chat/completions", json=body) as response:
                    return response.status, await response.text()

        return self.live.call(go(), timeout=600)


def content_of(sse: str) -> str:
    """The concatenated delta contents of an SSE answer."""
    text = ""
    for line in sse.splitlines():
        if line.startswith("data: {"):
            for choice in json.loads(line[6:]).get("choices") or []:
                text += (choice.get("delta") or {}).get("content") or ""
    return text


@pytest.fixture
def container_gateway(live, monkeypatch) -> Iterator:
    """``start(competitors=[...], containers={...}, web=False)`` → a running
    ``ContainerGateway`` (with the web UI when ``web``)."""
    monkeypatch.setenv("JANUS_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("JANUS_PLATFORM_SECRET", "container-tests-secret")
    directories = []

    def start(
        competitors: list[dict[str, Any]] = (),
        containers: dict[str, Any] | None = None,
        data_dir: str | None = None,
        competition: dict[str, Any] | None = None,
        platform: dict[str, Any] | None = None,
        web: bool = False,
    ) -> ContainerGateway:
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="janus-containers-")
            directories.append(data_dir)
        config = parse_config(
            {
                "competitors": list(competitors),
                "containers": {"startup_timeout_s": 120, **(containers or {})},
                "platform": {
                    "data_dir": data_dir,
                    "inference": {"backend": "off"},
                    "sandbox": {"backend": "off"},
                    "search": {"backend": "off"},
                    **(platform or {}),
                },
                # Automatic evaluations only where a test asks for them.
                "competition": competition or {"auto_evaluate": "off"},
                "web": {"enabled": web},
            },
            "container test config",
        )
        plugins = load_plugins(use_env=False, allow=set())
        plugins.register(EchoComponents())
        plugins.register(ScriptedInferencePlugin())
        app = create_app(config, plugins)
        url = live.serve(app, timeout=600, shutdown_timeout=1)
        return ContainerGateway(url, app, live, data_dir)

    yield start
    live.stop_all()
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
