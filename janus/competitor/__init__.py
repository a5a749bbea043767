"""The competitor kit: what a competitor needs to honour the contract, in a few calls.

- ``stream.ChunkStream`` writes a ``chat.completion.chunk`` stream with keep-alives, the
  ``reasoning_content`` / ``janus`` event vocabulary, usage and in-band errors.
- ``platform.Platform`` reaches the platform with the request's token: inference through
  the ``openai`` SDK, sandboxes, search — over TCP or the platform's unix socket.

Baselines are built on it; miners may use it or not (the contract is the wire format in
``specs/``, not this package).
"""
