"""The UI ships inside the wheel, and an installed wheel serves it (not the checkout)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def _copy_project(into: Path) -> Path:
    """The packaging inputs only, so the build leaves nothing in the shared checkout."""
    project = into / "project"
    project.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "janus", project / "janus", symlinks=True, ignore=ignore)
    shutil.copytree(WEB, project / "web", ignore=ignore)
    return project


def _pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    project = _copy_project(work)
    _pip("wheel", str(project), "--no-deps", "--no-build-isolation", "--quiet", "-w", str(work))
    (built,) = work.glob("janus_competitive_gateway-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_contains_every_web_file_but_the_vendoring_script(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "janus/web/" + str(path.relative_to(WEB))
        for path in WEB.rglob("*")
        if path.is_file() and path.name != "vendor.sh"
    }
    assert expected <= names
    assert "janus/web/vendor.sh" not in names
    assert {"janus/web/vendor/marked/LICENSE", "janus/web/js/chat.js"} <= names


@pytest.mark.slow
def test_an_installed_wheel_serves_its_own_copy_of_the_ui(wheel, tmp_path):
    target = tmp_path / "site"
    _pip("install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(wheel))
    probe = (
        "from janus.gateway.web import Site, web_root\n"
        "site = Site.load(web_root())\n"
        "print(web_root())\n"
        "print(len(site.pages['/chat'].body), len(site.assets))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r})\n{probe}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    where, sizes = result.stdout.splitlines()
    assert Path(where) == target / "janus" / "web"
    page_size, asset_count = map(int, sizes.split())
    assert page_size == len((WEB / "chat.html").read_bytes())
    assert asset_count == sum(
        1
        for folder in ("css", "js", "img", "vendor")
        for path in (WEB / folder).rglob("*")
        if path.is_file()
    )
