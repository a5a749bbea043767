"""Platform inference from a bare python3: HTTP/1.1 over TCP or over a unix socket.

Inside a local sandbox the only way out is the platform's unix socket at
``/run/janus/platform.sock``, so the default address is ``http+unix://`` with the socket
path percent-encoded in the host position (the same form the gateway gives competitors).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from typing import Any
from urllib.parse import quote, unquote, urlsplit

SANDBOX_SOCKET = "/run/janus/platform.sock"


class PlatformError(Exception):
    """A platform call failed; the message says how, never with the token."""


def default_platform_url() -> str:
    """``$JANUS_PLATFORM_URL``, else the platform socket of a sandbox."""
    if url := os.environ.get("JANUS_PLATFORM_URL"):
        return url
    socket_path = os.environ.get("JANUS_PLATFORM_SOCKET", SANDBOX_SOCKET)
    return f"http+unix://{quote(socket_path, safe='')}/platform"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("platform", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._socket_path)


class PlatformClient:
    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "http+unix"):
            raise PlatformError(f"unsupported platform URL scheme {parts.scheme!r}")
        self._parts = parts
        self._token = token
        self.base_path = parts.path.rstrip("/")

    @property
    def socket_path(self) -> str | None:
        return unquote(self._parts.netloc) if self._parts.scheme == "http+unix" else None

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.socket_path:
            return _UnixConnection(self.socket_path, timeout)
        if self._parts.scheme == "https":
            return http.client.HTTPSConnection(self._parts.netloc, timeout=timeout)
        return http.client.HTTPConnection(self._parts.netloc, timeout=timeout)

    def chat(self, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One non-streamed chat completion."""
        return self._post("/v1/chat/completions", body, timeout)

    def _post(self, path: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        connection = self._connection(max(timeout, 1.0))
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self._token}"}
        try:
            connection.request("POST", self.base_path + path, json.dumps(body), headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise PlatformError(f"platform unreachable: {exc}") from None
        finally:
            connection.close()
        if response.status >= 400:
            raise PlatformError(f"platform answered HTTP {response.status}: {_message(data)}")
        try:
            return json.loads(data)
        except ValueError:
            raise PlatformError("platform answered with invalid JSON") from None


def _message(data: bytes) -> str:
    try:
        return str(json.loads(data)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return data[:300].decode("utf-8", "replace")
