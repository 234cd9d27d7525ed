"""transport/wire.py: HTTP/1.1 on one socket, read and written as http.client would — the
request head's bytes compared with http.client's own, replies scripted byte for byte over
a socket pair (framing, keep-alive, limits, malformed status and chunk lines)."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ocitrace.transport.wire import (
    MAX_HEADERS,
    MAX_LINE,
    BadStatusLine,
    Connection,
    IncompleteRead,
    InvalidRequest,
    LineTooLong,
    ProtocolError,
    RemoteDisconnected,
    Reply,
)


@contextmanager
def wired(reply: bytes, *, close: bool = True) -> Iterator[Connection]:
    """A connection whose peer has sent ``reply`` (then closed its end, with ``close``)."""
    mine, theirs = socket.socketpair()
    mine.settimeout(5)
    theirs.sendall(reply)
    if close:
        theirs.shutdown(socket.SHUT_WR)
    conn = Connection("registry.example", 80, 5.0)
    conn.sock = mine
    try:
        yield conn
    finally:
        conn.close()
        mine.close()
        theirs.close()


def body(reply: Reply, size: int = 7) -> bytes:
    out = b""
    while data := reply.read(size):
        out += data
    return out


def head_written(conn: Connection, *args: object) -> bytes:
    mine, theirs = socket.socketpair()
    conn.sock = mine
    try:
        conn.request(*args)  # type: ignore[arg-type]
        theirs.settimeout(5)
        return theirs.recv(65536)
    finally:
        mine.close()
        theirs.close()


class _Capture(http.client.HTTPConnection):
    """http.client writing into a buffer: the reference for the request head."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.sent = b""

    def send(self, data: bytes) -> None:  # type: ignore[override]
        self.sent += data

    def connect(self) -> None:
        self.sock = object()  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("method", "host", "port", "body", "headers"),
    [
        ("GET", "registry.example", 80, None, {"Accept": "a/b", "User-Agent": "x"}),
        ("HEAD", "127.0.0.1", 5000, None, {"Authorization": "Bearer t"}),
        ("POST", "::1", 5000, None, {}),
        ("PUT", "registry.example", 443, b"abc", {"Content-Type": "application/json"}),
        ("GET", "registry.example", 80, None, {"Host": "other", "accept-encoding": "gzip"}),
    ],
)
def test_the_request_head_is_http_clients(
    method: str, host: str, port: int, body: bytes | None, headers: dict[str, str]
) -> None:
    ref = _Capture(host, port)
    ref.request(method, "/v2/a/manifests/b?n=1", body, headers)
    ours = head_written(Connection(host, port, 5.0), method, "/v2/a/manifests/b?n=1", body, headers)
    assert ours == ref.sent


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("/v2/a b", {}),
        ("/v2/\r\nX-Injected: 1", {}),
        ("/v2/", {"X-A": "one\r\nX-Injected: 1"}),
        ("/v2/", {"X-A": "one\nX-Injected: 1"}),
        ("/v2/", {"X:A": "x"}),
        ("/v2/", {"": "x"}),
        ("/v2/", {"X-A": "\u20ac"}),  # not Latin-1
    ],
)
def test_a_request_that_would_split_the_head_is_refused(
    target: str, headers: dict[str, str]
) -> None:
    mine, theirs = socket.socketpair()
    conn = Connection("registry.example", 80, 5.0)
    conn.sock = mine
    with pytest.raises(InvalidRequest):
        conn.request("GET", target, None, headers)
    theirs.setblocking(False)
    with pytest.raises(BlockingIOError):
        theirs.recv(1)  # nothing was sent
    mine.close()
    theirs.close()


def test_content_length_body_and_keep_alive() -> None:
    with wired(
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello worldHTTP/1.1", close=False
    ) as c:
        reply = c.getresponse("GET")
        assert (reply.status, reply.reason, reply.version) == (200, "OK", 11)
        assert reply.headers["content-length"] == "11" and not reply.will_close
        assert body(reply, 4) == b"hello world" and reply.isclosed()
        assert c.sock is not None  # kept for the next request


def test_a_short_body_leaves_its_length_unread() -> None:
    with wired(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789") as c:
        reply = c.getresponse("GET")
        assert body(reply) == b"0123456789"
        assert reply.length == 90 and reply.isclosed()  # Response turns this into IncompleteRead


def test_chunked_body_with_extensions_and_trailer() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    with wired(raw) as c:
        reply = c.getresponse("GET")
        assert reply.chunked and reply.length is None
        assert body(reply, 3) == b"hello world" and reply.isclosed()


@pytest.mark.parametrize(
    "chunks",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"-5\r\nhello\r\n0\r\n\r\n", b"a\r\nhello", b"\r\n"],
)
def test_a_malformed_or_short_chunk_is_an_incomplete_read(chunks: bytes) -> None:
    with wired(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks) as c:
        reply = c.getresponse("GET")
        with pytest.raises(IncompleteRead):
            body(reply)


def test_no_length_reads_to_the_end_and_closes_the_connection() -> None:
    with wired(b"HTTP/1.1 200 OK\r\n\r\nuntil close") as c:
        reply = c.getresponse("GET")
        assert reply.will_close and c.sock is None  # handed to the reply
        assert body(reply) == b"until close"


@pytest.mark.parametrize(
    ("status_line", "method"),
    [
        (b"HTTP/1.1 204 No Content", "GET"),
        (b"HTTP/1.1 304 Not Modified", "GET"),
        (b"HTTP/1.1 200 OK", "HEAD"),
    ],
)
def test_no_body_replies_free_the_connection_at_once(status_line: bytes, method: str) -> None:
    with wired(status_line + b"\r\nContent-Length: 50\r\n\r\n", close=False) as c:
        reply = c.getresponse(method)
        assert reply.length == 0 and reply.isclosed() and reply.read(10) == b""
        assert c.sock is not None


def test_http_1_0_closes_unless_kept_alive() -> None:
    with wired(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") as c:
        reply = c.getresponse("GET")
        assert reply.version == 10 and reply.will_close
    with wired(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok") as c:
        assert not c.getresponse("GET").will_close
    with wired(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok") as c:
        assert c.getresponse("GET").will_close


def test_100_continue_is_skipped() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    )
    with wired(raw) as c:
        assert c.getresponse("PUT").status == 201


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", RemoteDisconnected),
        (b"SSH-2.0-OpenSSH\r\n\r\n", BadStatusLine),
        (b"HTTP/1.1 2000 OK\r\n\r\n", BadStatusLine),
        (b"HTTP/1.1 OK\r\n\r\n", BadStatusLine),
        (b"HTTP/2.0 200 OK\r\n\r\n", BadStatusLine),
        (b"HTTP/1.1 200 " + b"x" * MAX_LINE + b"\r\n\r\n", LineTooLong),
        (b"HTTP/1.1 200 OK\r\nX: " + b"x" * MAX_LINE + b"\r\n\r\n", LineTooLong),
        (b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n", ProtocolError),
    ],
)
def test_a_malformed_head_is_a_protocol_error(raw: bytes, error: type[Exception]) -> None:
    with wired(raw) as c, pytest.raises(error):
        c.getresponse("GET")


def test_reading_stops_at_the_socket_timeout() -> None:
    mine, theirs = socket.socketpair()
    mine.settimeout(0.2)
    conn = Connection("registry.example", 80, 0.2)
    conn.sock = mine
    threading.Thread(target=theirs.sendall, args=(b"HTTP/1.1 200 OK\r\n",)).start()
    with pytest.raises(TimeoutError):
        conn.getresponse("GET")  # headers never complete
    mine.close()
    theirs.close()
