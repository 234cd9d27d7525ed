"""Issue 12 item 4: a deadline covers status line and headers; a body's deadline follows
its declared size; Retry-After waits and retries fit in the request budget
(timeout × attempts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ocitrace.errors import OcitraceError, TransportError
from ocitrace.transport import Transport, TransportOptions

from .helpers import OCI_MANIFEST, client
from .hostile import HostileServer, Reply, Seen

pytestmark = pytest.mark.timeout(30)


def _dripping_headers() -> Iterator[str]:
    """A raw server sending a status line, then one header byte every 50 ms for ever."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    stop = threading.Event()

    def serve() -> None:
        lsock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                continue
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.is_set():
                    conn.sendall(b"X")
                    time.sleep(0.05)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{lsock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        lsock.close()


dripping_headers = pytest.fixture(_dripping_headers)


def test_dripping_headers_hit_the_timeout(dripping_headers: str) -> None:
    started = time.monotonic()
    with pytest.raises(TransportError, match="timed out"):
        client(timeout=0.5).repository(dripping_headers, "a/b").manifest("v1")
    assert time.monotonic() - started < 3


def test_dripping_headers_retried_within_the_budget(dripping_headers: str) -> None:
    opts = TransportOptions(timeout=0.4, retries=2, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(TransportError):
        Transport(opts, environ={}).request(
            "GET", f"http://{dripping_headers}/v2/", registry=dripping_headers
        )
    assert time.monotonic() - started < 0.4 * 3 + 1


def _dripping() -> Iterator[bytes]:
    for _ in range(400):
        time.sleep(0.05)
        yield b" "


def _silent() -> Iterator[bytes]:
    time.sleep(20)
    yield b"{}"


@pytest.mark.parametrize(
    ("body", "length"),
    [
        # 1 byte / 50 ms: it used to get 64 s (the manifest cap at the minimum rate)
        pytest.param(_dripping, 400, id="dripping"),
        # headers, then silence: a bodiless request's socket has no per-read timeout
        # (the watchdog bounds the reply), so this is the body deadline's to end
        pytest.param(_silent, 2, id="never-starts"),
    ],
)
def test_a_small_declared_body_too_slow_fails_after_about_one_timeout(
    body: Callable[[], Iterator[bytes]], length: int
) -> None:
    """A small manifest whose body is too slow fails with --timeout 0.5 in ~0.5 s."""
    headers = {"Content-Type": OCI_MANIFEST, "Content-Length": str(length)}
    with HostileServer(lambda s: Reply(200, headers, stream=body)) as srv:
        started = time.monotonic()
        with pytest.raises(TransportError, match="took longer than"):
            client(timeout=0.5, retries=0).repository(srv.netloc, "a/b").manifest("v1")
        assert time.monotonic() - started < 2


def test_retry_after_beyond_the_budget_is_not_waited() -> None:
    """--timeout 2 against a 503 always asking for 29 s ends at once (budget 10 s)."""

    def handler(seen: Seen) -> Reply:
        return Reply(503, {"Retry-After": "29"}, b"")

    with HostileServer(handler) as srv:
        opts = TransportOptions(timeout=2.0, retries=4)
        started = time.monotonic()
        resp = Transport(opts, environ={}).request("GET", f"{srv.url}/v2/", registry=srv.netloc)
        assert resp.status_code == 503
        assert time.monotonic() - started < 2
        assert len(srv.seen) == 1


def test_retry_after_waits_fit_in_the_budget() -> None:
    with HostileServer(lambda s: Reply(503, {"Retry-After": "1"}, b"")) as srv:
        opts = TransportOptions(timeout=0.6, retries=10)  # budget 6.6 s, not 11 attempts
        started = time.monotonic()
        resp = Transport(opts, environ={}).request("GET", f"{srv.url}/v2/", registry=srv.netloc)
        took = time.monotonic() - started
        assert resp.status_code == 503
        assert took < 6.6
        assert 5 <= len(srv.seen) <= 7


def test_client_error_for_503_names_the_status() -> None:
    srv = HostileServer(lambda s: Reply(503, {"Retry-After": "29"}, b""))
    with srv, pytest.raises(OcitraceError):
        client(timeout=2.0, retries=4).repository(srv.netloc, "a/b").manifest("v1")
