"""The direct connection pool (transport/pool.py, issue 14): keep-alive reuse, dropped idle
connections, header fields, short and encoded bodies, no TLS for plain HTTP, and proxied
requests still through urllib3.

The servers here speak raw bytes over a socket, so what a client receives is exactly
what each test scripts (including bodies shorter than they announce)."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from urllib3 import HTTPHeaderDict

from ocitrace.errors import TransportError
from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore
from ocitrace.transport.deadline import Watchdog
from ocitrace.transport.messages import origin
from ocitrace.transport.pool import ConnectionPool, Headers

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RawServer:
    """Accepts connections; answers each request (head read up to the blank line) with
    ``reply(request_head)``'s bytes; after it closes the connection when ``close_after``."""

    reply: Callable[[bytes], bytes]
    close_after: bool = False
    connections: int = 0
    closed_by_client: int = 0
    heads: list[bytes] = field(default_factory=list)
    port: int = 0

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        self.closed_by_client += 1
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                self.heads.append(head)
                conn.sendall(self.reply(head))
                if self.close_after:
                    return


@contextmanager
def raw_server(
    reply: Callable[[bytes], bytes], *, close_after: bool = False
) -> Iterator[RawServer]:
    srv = RawServer(reply, close_after)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    srv.port = listener.getsockname()[1]
    threading.Thread(target=srv.serve, args=(listener,), daemon=True).start()
    try:
        yield srv
    finally:
        listener.close()


def ok(body: bytes, *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def transport(sleeps: list[float] | None = None, **kw: object) -> Transport:
    opts = TransportOptions(**{"timeout": 5.0, "retries": 2, "backoff": 0.1, **kw})  # type: ignore[arg-type]
    store = CredentialStore(docker_config_dir="/nonexistent", auth_file="/nonexistent", environ={})
    return Transport(
        opts,
        credentials=store,
        environ={},
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


def get(t: Transport, port: int, path: str = "/v2/") -> bytes:
    resp = t.request(
        "GET", f"http://127.0.0.1:{port}{path}", registry=f"127.0.0.1:{port}", stream=False
    )
    return resp.content


def test_sequential_requests_reuse_one_connection() -> None:
    with raw_server(lambda head: ok(b"{}")) as srv, transport() as t:
        bodies = [get(t, srv.port) for _ in range(5)]
    assert bodies == [b"{}"] * 5
    assert (srv.connections, len(srv.heads)) == (1, 5)


def test_a_bodiless_request_leaves_its_socket_blocking_a_body_gets_the_timeout() -> None:
    """No socket timeout for a GET (the watchdog bounds its reply; a timeout would add a
    poll() before every recv), the per-operation timeout back for a request with a body
    (a token POST), and off again for the next GET on the same connection."""
    dog = Watchdog()
    pool = ConnectionPool(dog, lambda: pytest.fail("no TLS for plain HTTP"))

    def send(method: str, body: bytes | None) -> socket.socket:
        reply, conn, key, sock = pool.send(method, f"{base}/v2/", body, {}, 4.0)
        assert reply.read(64) == b"{}"
        pool.release(key, conn, reusable=reply.isclosed())
        return sock

    with raw_server(lambda head: ok(b"{}")) as srv:
        base = f"http://127.0.0.1:{srv.port}"
        try:
            first = send("GET", None)
            assert first.gettimeout() is None
            assert send("POST", b"grant_type=x") is first and first.gettimeout() == 4.0
            assert send("GET", None) is first and first.gettimeout() is None
        finally:
            pool.clear()
            dog.close()
    assert srv.connections == 1


def test_idle_connections_are_kept_for_the_origins_used_last() -> None:
    """pool_size 2: a third origin evicts (closes) the least recently used one's idle
    connection; the others are reused."""
    with (
        raw_server(lambda head: ok(b"a")) as a,
        raw_server(lambda head: ok(b"b")) as b,
        raw_server(lambda head: ok(b"c")) as c,
        transport(pool_size=2) as t,
    ):
        assert [get(t, srv.port) for srv in (a, b, c, b, c)] == [b"a", b"b", b"c", b"b", b"c"]
        time.sleep(0.1)
        assert (a.closed_by_client, b.closed_by_client, c.closed_by_client) == (1, 0, 0)
    assert (a.connections, b.connections, c.connections) == (1, 1, 1)


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    """The server closes after each reply (no ``Connection: close``): the client notices
    the dropped idle connection and opens a new one, with no failed attempt or retry."""
    sleeps: list[float] = []
    with raw_server(lambda head: ok(b"{}"), close_after=True) as srv, transport(sleeps) as t:
        first = get(t, srv.port)
        time.sleep(0.1)  # the server's close reaches the client's idle socket
        second = get(t, srv.port)
    assert (first, second) == (b"{}", b"{}")
    assert (srv.connections, len(srv.heads), sleeps) == (2, 2, [])


def test_request_head_is_what_the_transport_sends() -> None:
    with raw_server(lambda head: ok(b"")) as srv, transport() as t:
        t.request(
            "GET",
            f"http://127.0.0.1:{srv.port}/v2/a/manifests/b?n=1",
            registry=f"127.0.0.1:{srv.port}",
            headers={"Accept": "application/json", "user-agent": "custom"},
        ).close()
    lines = srv.heads[0].decode().split("\r\n")
    assert lines[0] == "GET /v2/a/manifests/b?n=1 HTTP/1.1"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert fields["Host"] == f"127.0.0.1:{srv.port}"
    assert fields["Accept-Encoding"] == "identity"
    assert fields["Accept"] == "application/json"
    # a caller's header replaces the default whatever its spelling
    assert [k for k in fields if k.lower() == "user-agent"] == ["user-agent"]
    assert fields["user-agent"] == "custom"


def test_repeated_header_fields_are_joined_as_urllib3_joins_them() -> None:
    pairs = [
        ("WWW-Authenticate", 'Bearer realm="a"'),
        ("www-authenticate", 'Basic realm="b"'),
        ("Content-Type", "application/json"),
    ]
    reply = ok(b"{}", *(f"{k}: {v}" for k, v in pairs))
    with raw_server(lambda head: reply) as srv, transport() as t:
        resp = t.request("GET", f"http://127.0.0.1:{srv.port}/x", registry=f"127.0.0.1:{srv.port}")
        resp.close()
    reference = HTTPHeaderDict()
    for k, v in pairs:
        reference.add(k, v)
    for name in ("WWW-Authenticate", "www-authenticate", "content-type", "Missing"):
        assert resp.headers.get(name) == reference.get(name)
    assert "CONTENT-TYPE" in resp.headers and "missing" not in resp.headers


def test_folded_header_lines_join_their_field() -> None:
    headers = Headers.parse([b"X-A: one\r\n", b" two\r\n", b"X-B:\tthree  \r\n", b"junk\r\n"])
    assert dict(headers.items()) == {"X-A": "one two", "X-B": "three  "}


def test_a_body_shorter_than_its_content_length_is_an_error() -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10
    with (
        raw_server(lambda head: reply, close_after=True) as srv,
        transport() as t,
        pytest.raises(TransportError, match="IncompleteRead") as info,
    ):
        get(t, srv.port)
    assert str(info.value).startswith(f"GET http://127.0.0.1:{srv.port}/v2/: ")


def test_a_gzip_encoded_body_is_decoded() -> None:
    body = b'{"a": 1}' * 1000
    reply = ok(gzip.compress(body), "Content-Encoding: gzip")
    with raw_server(lambda head: reply) as srv, transport() as t:
        assert get(t, srv.port) == body
        assert get(t, srv.port) == body
    assert srv.connections == 1


def test_a_chunked_body_is_read_and_the_connection_kept() -> None:
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    with raw_server(lambda head: reply) as srv, transport() as t:
        assert [get(t, srv.port) for _ in range(3)] == [b"abcde"] * 3
    assert srv.connections == 1


def test_an_unread_body_drops_its_connection() -> None:
    with raw_server(lambda head: ok(b"x" * 1000)) as srv, transport() as t:
        url = f"http://127.0.0.1:{srv.port}/"
        t.request("GET", url, registry=f"127.0.0.1:{srv.port}").close()  # body never read
        assert get(t, srv.port, "/") == b"x" * 1000
    assert srv.connections == 2


_PLAIN_HTTP_PROBE = """\
import socket, sys, threading
from ocitrace.transport import Transport, TransportOptions
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
port = lst.getsockname()[1]
def serve():
    conn, _ = lst.accept()
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}")
threading.Thread(target=serve, daemon=True).start()
t = Transport(TransportOptions(timeout=5), environ={})
body = t.request("GET", f"http://127.0.0.1:{port}/v2/", registry=f"127.0.0.1:{port}", stream=False).content
print(body.decode(), t._pools._context is None, *sorted(m for m in ("urllib3", "requests", "certifi") if m in sys.modules))
"""


def test_plain_http_builds_no_tls_context_and_loads_no_urllib3() -> None:
    res = subprocess.run(
        [sys.executable, "-c", _PLAIN_HTTP_PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert res.stdout.split() == ["{}", "True"]


def test_a_proxied_request_goes_through_the_environment_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``http_proxy`` in the environment: the request line is the absolute URL, sent to
    the proxy (urllib3's ProxyManager), and the reply is read like a direct one."""
    for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with raw_server(lambda head: ok(b'{"via": "proxy"}')) as proxy:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        store = CredentialStore(
            docker_config_dir="/nonexistent", auth_file="/nonexistent", environ={}
        )
        with Transport(TransportOptions(timeout=5.0), credentials=store) as t:
            resp = t.request(
                "GET", "http://registry.invalid:5000/v2/", registry="registry.invalid:5000"
            )
            assert resp.json() == {"via": "proxy"}
            resp.close()
    assert proxy.heads[0].split(b"\r\n")[0] == b"GET http://registry.invalid:5000/v2/ HTTP/1.1"


@pytest.mark.parametrize(
    "url",
    [
        "https://Reg.IO/v2/x?y#z",
        "http://u:p@127.0.0.1:5000/v2/",
        "https://[::1]:443/x",
        "http://h:bad/x",
        "HTTPS://h/x",
        "https://h?x=/",
        "https://h#/a",
        "http://h:080",
        "ftp://x/y",
        "https://h\t/x",
        " https://h/x",
        "https://h",
    ],
)
def test_origin_fast_path_agrees_with_urlsplit(url: str) -> None:
    """``origin`` cuts http(s) URLs at the authority before parsing (issue 14): the result
    is what ``urlsplit`` of the whole URL gives."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    expected = (
        scheme,
        (parts.hostname or "").lower(),
        port or {"http": 80, "https": 443}.get(scheme),
    )
    assert origin(url) == expected
