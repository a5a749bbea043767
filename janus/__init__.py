"""Janus: an open, competitive, OpenAI-compatible intelligence API built from plugins."""

__version__ = "0.1.0"
