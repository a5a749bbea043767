"""The incremental SSE parser, fed the awkward ways real sockets deliver bytes."""

from __future__ import annotations

import pytest

from janus.sse import Event, SSEError, SSEParser

STREAM = (
    b": comment\r\n\r\n"
    b'event: message\ndata: {"a":\ndata: 1}\n\n'
    b"id: 7\rretry: 10\rdata: x\r\r"
    b"data:no-space\n\n"
    b"data: [DONE]\r\n\r\n"
)
EXPECTED = [
    Event(b'{"a":\n1}', "message"),
    Event(b"x"),
    Event(b"no-space"),
    Event(b"[DONE]"),
]


@pytest.mark.parametrize("piece", [1, 2, 3, 7, len(STREAM)])
def test_events_survive_any_split(piece):
    parser = SSEParser()
    events = []
    for start in range(0, len(STREAM), piece):
        events.extend(parser.feed(STREAM[start : start + piece]))
    assert events == EXPECTED
    assert parser.comments == 1 and not parser.pending


def test_unterminated_event_is_pending():
    parser = SSEParser()
    assert list(parser.feed(b"data: half")) == []
    assert parser.pending


def test_multiline_data_is_compacted_when_re_emitted():
    assert Event(b'{"a":\n1}').encode() == b'data: {"a":1}\n\n'
    assert Event(b'{"a":1}').encode() == b'data: {"a":1}\n\n'


def test_events_before_an_oversized_one_are_still_delivered():
    parser = SSEParser(max_event_bytes=1024)
    events = []
    with pytest.raises(SSEError, match="larger than 1024"):
        for event in parser.feed(b"data: ok\n\ndata: " + b"x" * 2000 + b"\n\n"):
            events.append(event)
    assert events == [Event(b"ok")]


def test_oversized_partial_line_is_refused_before_it_completes():
    parser = SSEParser(max_event_bytes=1024)
    with pytest.raises(SSEError):
        list(parser.feed(b"data: " + b"x" * 2000))
