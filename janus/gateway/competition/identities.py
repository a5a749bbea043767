"""Immutable identities of what competitors run, so the board ranks what was evaluated.

A configured subprocess competitor runs a plugin from an installed distribution: its
identity is the distribution's name, version and a hash of its file list (``RECORD``, which
itself holds every file's hash). A submitted image is pinned only by a digest
(``name@sha256:…``); a tag can be moved to other code after the evaluation.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from typing import Any

DIGEST_MARK = "@sha256:"


def image_identity(reference: str | None) -> str | None:
    """``sha256:<hex>`` for a reference pinned by digest; None for a tag."""
    if not reference or DIGEST_MARK not in reference:
        return None
    digest = reference.rsplit(DIGEST_MARK, 1)[1]
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return "sha256:" + digest


def plugin_identity(factory: Any) -> str | None:
    """``plugin:<distribution>==<version>#sha256:<hex>`` for the distribution that ships
    the competitor ``factory``; None when it does not come from an installed distribution.
    Reads files: call it off the event loop."""
    module = getattr(factory, "__module__", None) or type(factory).__module__
    package = module.split(".", 1)[0]
    for name in importlib.metadata.packages_distributions().get(package, []):
        distribution = importlib.metadata.distribution(name)
        listing = distribution.read_text("RECORD") or "\n".join(
            str(path) for path in distribution.files or ()
        )
        digest = hashlib.sha256(listing.encode()).hexdigest()
        return f"plugin:{distribution.metadata['Name']}=={distribution.version}#sha256:{digest}"
    return None
