"""Slowloris against a real gateway: slow or silent clients cannot hold its connections.

Raw sockets play the attacker: they connect and send nothing, half a request head, a head
one byte at a time, or a body that trickles. Every assertion is on an outcome (the
gateway closed the connection, answered 408, served another client); the short timeouts
configured here only keep the tests quick, and the waits for those outcomes are generous.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import pytest
from yarl import URL

from tests.conformance.competitors import competitor
from tests.core.clirun import free_port, running_janus

# Far longer than any configured timeout here: waiting this long for an outcome means it
# is not coming, never that the machine was slow.
OUTCOME_WAIT_S = 60.0
CHAT = {"model": "honest", "messages": [{"role": "user", "content": "Capital of France?"}]}


def _address(gateway: str) -> tuple[str, int]:
    url = URL(gateway)
    return url.host or "127.0.0.1", url.port or 80


async def _connect(gateway: str, source: str | None = None):
    host, port = _address(gateway)
    local = (source, 0) if source else None
    return await asyncio.open_connection(host, port, local_addr=local)


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the gateway sends until it closes the connection."""
    received = bytearray()
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            received += chunk
    return bytes(received)


async def _trickle(writer: asyncio.StreamWriter, data: bytes, every_s: float) -> None:
    """Send ``data`` one byte at a time until it is sent or the gateway hangs up."""
    with contextlib.suppress(ConnectionError):
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every_s)


HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nHost: janus\r\nContent-Type: application/json\r\n"


async def test_connections_without_a_complete_head_are_closed(live):
    """Silent, half a head, and a head sent a byte at a time (forever): all closed."""
    gateway = live.gateway({}, header_timeout_s=1.0, idle_timeout_s=600.0)
    readers, writers, trickles = [], [], []
    for kind in ("silent", "half-a-head", "byte-by-byte") * 4:
        reader, writer = await _connect(gateway)
        if kind == "half-a-head":
            writer.write(HEAD)
        elif kind == "byte-by-byte":
            trickles.append(asyncio.ensure_future(_trickle(writer, HEAD * 50, every_s=0.2)))
        readers.append(reader)
        writers.append(writer)
    try:
        async with asyncio.timeout(OUTCOME_WAIT_S):
            answers = await asyncio.gather(*(_read_until_closed(r) for r in readers))
    except TimeoutError:
        pytest.fail("half-open connections were still open long after the header timeout")
    finally:
        for task in trickles:
            task.cancel()
        for writer in writers:
            writer.close()
    assert answers == [b""] * len(readers)  # closed, and nothing answered


async def test_a_partial_head_after_a_kept_alive_request_is_closed(live):
    gateway = live.gateway({}, header_timeout_s=1.0, idle_timeout_s=600.0)
    reader, writer = await _connect(gateway)
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: janus\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), OUTCOME_WAIT_S)
        assert status.startswith(b"HTTP/1.1 200"), status
        writer.write(b"GET /health HTTP/1.1\r\nHo")  # the next request never finishes
        try:
            async with asyncio.timeout(OUTCOME_WAIT_S):
                rest = await _read_until_closed(reader)
        except TimeoutError:
            pytest.fail("a kept-alive connection with a partial head stayed open")
        assert b"HTTP/1.1" not in rest  # the rest of the first answer, and no second one
    finally:
        writer.close()


async def test_a_trickling_body_is_cut_off_with_an_openai_408(live):
    _, honest = live.competitor(competitor())
    gateway = live.gateway({"honest": honest}, body_timeout_s=1.0, header_timeout_s=600.0)
    # Trickled at two bytes a second, this body would take many minutes to arrive.
    body = json.dumps(CHAT).encode() + b" " * 1000
    reader, writer = await _connect(gateway)
    writer.write(HEAD + b"Content-Length: %d\r\n\r\n" % len(body))
    trickling = asyncio.ensure_future(_trickle(writer, body, every_s=0.5))
    try:
        async with asyncio.timeout(OUTCOME_WAIT_S):
            answer = await _read_until_closed(reader)
    except TimeoutError:
        pytest.fail("a trickling body was still being read long after the body timeout")
    finally:
        trickling.cancel()
        writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    error = json.loads(payload)["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    assert error["code"] == "request_timeout"


async def test_a_flood_from_one_address_leaves_other_clients_served(live):
    _, honest = live.competitor(competitor())
    cap = 8
    gateway = live.gateway(
        {"honest": honest},
        max_connections_per_client=cap,
        header_timeout_s=600.0,  # the flood is idle, not slow: only the cap can stop it
    )
    flood = [await _connect(gateway, source="127.0.0.1") for _ in range(cap * 5)]
    try:
        # Connections beyond the cap are closed by the gateway; those within it stay open.
        async with asyncio.timeout(OUTCOME_WAIT_S):
            refused = await asyncio.gather(
                *(_read_until_closed(reader) for reader, _ in flood[cap:])
            )
        assert refused == [b""] * (len(flood) - cap)
        assert not any(reader.at_eof() for reader, _ in flood[:cap])

        # Another address is served normally while the flood holds its connections.
        connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(gateway + "/v1/chat/completions", json=CHAT) as response,
        ):
            assert response.status == 200
            answer = await response.json()
        assert answer["choices"][0]["message"]["content"] == "Paris."

        # And a connection the cap admitted still works.
        reader, writer = flood[0]
        writer.write(b"GET /health HTTP/1.1\r\nHost: janus\r\nConnection: close\r\n\r\n")
        async with asyncio.timeout(OUTCOME_WAIT_S):
            assert (await _read_until_closed(reader)).startswith(b"HTTP/1.1 200")
    finally:
        for _, writer in flood:
            writer.close()


async def test_janus_run_closes_idle_floods_too(tmp_path):
    """The production server (``janus run``, on uvloop) has the same guard."""
    port = free_port()
    config = tmp_path / "janus.toml"
    config.write_text(
        f"[gateway]\nheader_timeout_s = 1.0\nmax_connections_per_client = 4\n"
        f'[platform]\nenabled = false\ndata_dir = "{tmp_path / "data"}"\n'
    )
    arguments = ("run", "--config", str(config), "--port", str(port))
    with running_janus(*arguments, port=port, cwd=tmp_path) as janus:
        await asyncio.to_thread(janus.wait_healthy)
        flood = [await _connect(janus.base_url) for _ in range(12)]
        try:
            async with asyncio.timeout(OUTCOME_WAIT_S):
                answers = await asyncio.gather(*(_read_until_closed(r) for r, _ in flood))
        except TimeoutError:
            pytest.fail("janus run kept idle connections open")
        finally:
            for _, writer in flood:
                writer.close()
        assert answers == [b""] * len(flood)
        assert (await asyncio.to_thread(janus.wait_healthy))["status"] == "ok"
        assert await asyncio.to_thread(janus.stop) == 0, janus.stderr
