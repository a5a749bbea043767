"""A Janus marketplace component: web search, served at ``/platform/components/web-search/``.

``plugin`` is the module the ``janus`` entry point names; ``component`` holds the
manifest, the request and answer models and the handler.
"""

__version__ = "0.1.0"
