"""Platform search: one request shape, pluggable backends (``local`` FTS5 index, ``http``).

A backend that cannot answer raises ``search_backend_failed(...)`` so the competitor gets a
502 it can tell apart from its own mistakes (400) and from a bug in the platform (500).
"""

from __future__ import annotations

from janus.errors import JanusError


def search_backend_failed(message: str) -> JanusError:
    return JanusError(message, status=502, type="upstream_error", code="search_backend_failed")
