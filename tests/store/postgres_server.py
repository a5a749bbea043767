"""A throw-away PostgreSQL server for the tests: initdb in a temporary directory, a unix
socket only (no TCP port to collide on), one fresh database per test.

PostgreSQL refuses to run as root, so as root the server runs as the unprivileged
``postgres`` user (or ``nobody``) through ``setpriv``. Without PostgreSQL installed the
tests skip locally; in CI (``CI=true``) that is a failure, not a skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

_databases = itertools.count()


@dataclass(frozen=True)
class PostgresServer:
    bin_dir: Path
    socket_dir: Path
    user: str

    def dsn(self, database: str) -> str:
        return f"postgresql:///{database}?host={self.socket_dir}&user={self.user}"

    def create_database(self) -> str:
        """A new empty database; returns its DSN."""
        name = f"janus_test_{os.getpid()}_{next(_databases)}"
        subprocess.run(
            [self.bin_dir / "createdb", "-h", self.socket_dir, "-U", self.user, name],
            check=True,
            capture_output=True,
        )
        return self.dsn(name)


def find_pg_ctl() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:  # often a link into /usr/lib/postgresql/<version>/bin, beside initdb
        return Path(on_path).resolve()
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]) if candidates else None


def require_pg_ctl(pg_ctl: Path | None, environ: Mapping[str, str]) -> Path:
    """``pg_ctl``, or skip the test — except in CI, where a missing PostgreSQL fails it."""
    if pg_ctl is not None:
        return pg_ctl
    message = "PostgreSQL (pg_ctl) is not installed"
    if environ.get("CI") == "true":
        pytest.fail(message + ": CI must test the PostgreSQL store")
    pytest.skip(message)


def _as_unprivileged(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    user = _unprivileged_user()
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        *command,
    ]


def _unprivileged_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


def _run_or_fail(command: list[str], root: Path) -> None:
    """Run a PostgreSQL tool as the unprivileged user; fail with its output and the log."""
    done = subprocess.run(_as_unprivileged(command), capture_output=True, text=True)
    if done.returncode != 0:
        log = root / "log"
        server_log = log.read_text(errors="replace") if log.is_file() else ""
        pytest.fail(f"{Path(command[0]).name} failed:\n{done.stdout}{done.stderr}{server_log}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    pg_ctl = require_pg_ctl(find_pg_ctl(), os.environ)
    bin_dir = pg_ctl.parent
    root = Path(tempfile.mkdtemp(prefix="janus-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = _unprivileged_user()
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    run_as = "janus"
    _run_or_fail(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", run_as, "--auth=trust", "--no-sync"],
        root,
    )
    options = f"-k {sockets} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    _run_or_fail(
        [str(pg_ctl), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
        root,
    )
    try:
        yield PostgresServer(bin_dir, sockets, run_as)
    finally:
        subprocess.run(
            _as_unprivileged([str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The DSN of a fresh, empty database on the throw-away server."""
    return postgres_server.create_database()
