"""Loading image archives: the admin API and ``janus competitor load``."""

from __future__ import annotations

import subprocess

import pytest

from tests.containers.fixtures import ADMIN, podman
from tests.core.clirun import run_janus


def test_the_cli_refuses_a_bad_id_or_a_missing_file(tmp_path):
    result = run_janus("competitor", "load", "nope.tar", "--id", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Error: nope.tar: no such file"]
    (tmp_path / "a.tar").write_bytes(b"not an archive")
    result = run_janus("competitor", "load", "a.tar", "--id", "-bad", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid competitor id" in result.stderr


def test_loading_needs_the_admin_key_and_an_id(container_gateway):
    gateway = container_gateway()
    status, body = gateway.request("POST", "/v1/competitors/images?id=x", data=b"tar")
    assert status == 401 and body["error"]["code"] == "admin_key_required"
    status, body = gateway.request("POST", "/v1/competitors/images?id=-x", data=b"t", headers=ADMIN)
    assert status == 400 and body["error"]["param"] == "id"
    status, body = gateway.request("POST", "/v1/competitors/images?id=x", data=b"", headers=ADMIN)
    assert status == 400 and body["error"]["code"] == "invalid_body"
    status, body = gateway.request("GET", "/v1/competitors/nobody/logs", headers=ADMIN)
    assert status == 404 and body["error"]["code"] == "competitor_not_found"
    status, body = gateway.request("GET", "/v1/competitors/x/logs?tail=0", headers=ADMIN)
    assert status == 400 and body["error"]["param"] == "tail"


@pytest.mark.slow
def test_an_archive_loaded_through_the_api_runs_as_a_submission(
    container_gateway, competitor_image, tmp_path
):
    archive = tmp_path / "image.tar"
    podman("save", "--format", "docker-archive", "-o", str(archive), competitor_image)
    podman("rmi", "-f", "localhost/janus-competitors/uploaded:latest", check=False)
    gateway = container_gateway()
    status, body = gateway.request(
        "POST", "/v1/competitors/images?id=Uploaded", data=archive.read_bytes(), headers=ADMIN
    )
    assert status == 200, body
    assert body["image"] == "localhost/janus-competitors/uploaded:latest"
    status, body = gateway.request(
        "POST",
        "/v1/competitors",
        json={
            "id": "Uploaded",
            "name": "Uploaded",
            "image": body["image"],
            "source_url": "https://example.org/u",
            "license": "MIT",
        },
    )
    assert status == 201, body
    status, body = gateway.request(
        "POST", "/v1/competitors/images?id=x", data=b"not a tar at all", headers=ADMIN
    )
    assert status == 422 and body["error"]["code"] == "image_not_loaded"


@pytest.mark.slow
def test_the_cli_loads_an_oci_archive(competitor_image, tmp_path):
    archive = tmp_path / "image.oci.tar"
    podman("save", "--format", "oci-archive", "-o", str(archive), competitor_image)
    podman("rmi", "-f", "localhost/janus-competitors/from-cli:latest", check=False)
    result = run_janus("competitor", "load", str(archive), "--id", "from-cli", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "localhost/janus-competitors/from-cli:latest"
    assert subprocess.run(["podman", "image", "exists", result.stdout.strip()]).returncode == 0
