"""A Janus marketplace component: run Python in a sandbox, at
``/platform/components/python-exec/``.

``plugin`` is the module the ``janus`` entry point names; ``component`` holds the
manifest, the request and answer models and the handler.
"""

__version__ = "0.1.0"
