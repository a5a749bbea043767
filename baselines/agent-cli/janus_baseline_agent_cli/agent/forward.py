"""``janus-agent wrap -- COMMAND``: run another CLI agent with an OpenAI base URL.

Off-the-shelf agents (aider and the like) speak HTTP to an OpenAI-compatible base URL and
cannot use a unix socket. When the platform is a unix socket, this forwards a loopback
TCP port to it, byte for byte, for as long as COMMAND runs, and hands COMMAND the usual
variables: ``OPENAI_BASE_URL`` / ``OPENAI_API_BASE`` and ``OPENAI_API_KEY`` (the request's
platform token). The sandbox's loopback is its own: nothing outside can reach the port.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading

from .platform_client import PlatformClient

BUFFER = 64 * 1024


def wrap(command: str, platform_url: str, token: str) -> int:
    """Run ``command`` through ``/bin/sh``; return its exit status."""
    client = PlatformClient(platform_url, token)
    env = dict(os.environ)
    if client.socket_path:
        port = _start_forwarder(client.socket_path)
        base_url = f"http://127.0.0.1:{port}{client.base_path}/v1"
    else:
        base_url = platform_url.rstrip("/") + "/v1"
    env.update(OPENAI_BASE_URL=base_url, OPENAI_API_BASE=base_url, OPENAI_API_KEY=token)
    return subprocess.call(["/bin/sh", "-c", command], env=env)


def _start_forwarder(socket_path: str) -> int:
    """Listen on an ephemeral loopback port (bound before the agent starts, so it is ready)
    and serve it from daemon threads, which end with this process."""
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_accept, args=(listener, socket_path), daemon=True).start()
    return listener.getsockname()[1]


def _accept(listener: socket.socket, socket_path: str) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve, args=(client, socket_path), daemon=True).start()


def _serve(client: socket.socket, socket_path: str) -> None:
    """One connection: copy both ways until both sides are done, then close both."""
    with client, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
        try:
            upstream.connect(socket_path)
        except OSError:
            return
        replies = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        replies.start()
        _pipe(client, upstream)
        replies.join()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(BUFFER):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        # One side broke: end the other direction too, so the connection winds down.
        for side in (source, target):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
