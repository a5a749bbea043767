"""Sockets made inside another process's network namespace.

A container started with ``--network none`` has a network namespace holding only its
loopback. The gateway (root) reaches into it by making sockets there: a socket keeps the
namespace it was created in, so after ``setns`` in a worker thread, ``socket()`` and back,
the socket is used from the event loop like any other. Python 3.11 has no ``os.setns``;
libc's is called through ctypes. Only socket creation (and ``bind``/``listen`` for a
listener) happens in the namespace; the worker thread returns to the gateway's own
namespace before it does anything else.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import io
import os
import socket
from concurrent.futures import ThreadPoolExecutor

CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
# One thread does every namespace switch: setns changes only the calling thread, and a
# single worker keeps the switches strictly sequential.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="janus-netns")


class NamespaceGone(OSError):
    """The process whose namespace was asked for no longer exists."""


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns: {os.strerror(errno)}")


def open_namespace(pid: int) -> io.FileIO:
    """The network namespace of ``pid``, as an open file. Holding it (rather than the pid,
    which the kernel may give to another process) keeps pointing at that namespace; it
    closes when the last reference to it goes, so no user can see it closed under it."""
    try:
        return io.FileIO(f"/proc/{pid}/ns/net", "rb")
    except (FileNotFoundError, ProcessLookupError) as exc:
        raise NamespaceGone(exc.errno, f"process {pid} is gone") from None


def _in_namespace(namespace: io.FileIO, make):
    """Run ``make()`` in the network namespace ``namespace``; return to ours afterwards."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(namespace.fileno())
        try:
            return make()
        finally:
            _setns(home)
    finally:
        os.close(home)


def _stream_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    return sock


def _listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def open_connection(
    namespace: io.FileIO, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``127.0.0.1:port`` as seen from inside ``namespace``."""
    loop = asyncio.get_running_loop()
    sock = await loop.run_in_executor(_worker, _in_namespace, namespace, _stream_socket)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


async def listen(namespace: io.FileIO, port: int) -> socket.socket:
    """A listening socket on ``127.0.0.1:port`` inside ``namespace``."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_worker, _in_namespace, namespace, lambda: _listener(port))
