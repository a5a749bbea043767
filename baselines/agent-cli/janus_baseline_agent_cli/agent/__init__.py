"""``janus-agent``: the command-line agent loop that runs inside a platform sandbox.

The baseline copies this package into each sandbox (``/workspace/.agent/janus_agent/``)
and runs it with the sandbox's ``/usr/bin/python3``. A sandbox has no pip packages, so
everything here uses the standard library only and imports its siblings relatively —
a test checks both. Outside a sandbox the same code is the ``janus-agent`` console script.

It talks to the platform's OpenAI-compatible inference with tool calling and reports its
progress as JSON lines on stdout (``events``), which the baseline turns into
``reasoning_content`` and ``janus`` events for the client.
"""

__version__ = "1.0.0"
# The bundled agent pack (prompt, tools, bootstrap, model settings) this agent expects.
PACK_VERSION = "v1"
