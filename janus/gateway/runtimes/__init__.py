"""Competitor runtimes: plugins that run competitors from images (``register_runtimes``)."""
