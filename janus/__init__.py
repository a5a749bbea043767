"""Janus: an open, competitive, OpenAI-compatible intelligence API built from plugins."""

__version__ = "0.1.0"
# The distribution that ships this package (``janus`` on the package index is another
# project): ``janus.provenance`` checks it.
__distribution__ = "janus-competitive-gateway"
