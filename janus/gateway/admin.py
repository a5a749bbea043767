"""The admin key: who may change the competition and use the platform for the bench.

Configured through the variable named by ``competition.admin_key_env``; when that is unset
the gateway generates a key once and keeps it in ``<data_dir>/admin.key`` (mode 0600), the
way Jupyter hands out a token: a bench on the same machine reads the file, nobody else can.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from aiohttp import web

from janus.config import Config
from janus.errors import JanusError
from janus.platform.app import data_dir

ADMIN_KEY_FILE = "admin.key"
BENCH_GRANTEE = "janus-bench"  # whom the platform meters when the admin key opens it


def admin_key_path(config: Config) -> Path:
    return data_dir(config) / ADMIN_KEY_FILE


def load_admin_key(config: Config, environ=os.environ) -> str:
    """The configured admin key, or the generated one (created on first use)."""
    if configured := environ.get(config.competition.admin_key_env, "").strip():
        return configured
    path = admin_key_path(config)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "jadm-" + secrets.token_urlsafe(32)
    # Written whole under a temporary name, then linked into place: a gateway starting at
    # the same moment either wins or reads the winner's complete key, never half of one.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    try:
        os.link(partial, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        os.unlink(partial)
    return key


def is_admin(request: web.Request, admin_key: str) -> bool:
    """Whether the request carries ``admin_key`` as its bearer token."""
    authorization = request.headers.get("Authorization", "")
    presented = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
    # Header values may hold any text (undecodable bytes as surrogates); a key is ASCII.
    if not presented or not presented.isascii():
        return False
    return hmac.compare_digest(presented.encode(), admin_key.encode())


def require_admin(request: web.Request, admin_key: str) -> None:
    """Raise 401 unless the request carries ``admin_key`` as its bearer token."""
    if not is_admin(request, admin_key):
        raise JanusError(
            "This endpoint needs the admin key (Authorization: Bearer <admin key>).",
            status=401,
            type="authentication_error",
            code="admin_key_required",
        )
