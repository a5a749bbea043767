"""The "agent-cli" baseline competitor: a fast path, and a CLI agent in a sandbox.

Per request it decides (``routing``) between one streamed model call (``fast_path``) and
a run of ``janus-agent`` inside a platform sandbox (``agent_path``), and streams either
as ``chat.completion.chunk`` events with ``reasoning_content`` and ``janus`` events.
It uses nothing but the platform, with the request's token. See README.md.
"""

__version__ = "0.1.0"
