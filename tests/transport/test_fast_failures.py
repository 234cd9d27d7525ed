"""Failures that are fast and right (issue 9 item 6): permanent connection failures are
not retried, and a plain-HTTP registry asked for TLS gets the flag that fixes it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ocitrace.errors import TransportError
from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore


class _Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _transport(sleeps: _Sleeps, **kw: object) -> Transport:
    store = CredentialStore(docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"})
    return Transport(
        TransportOptions(timeout=5.0, retries=3, backoff=0.1, **kw),  # type: ignore[arg-type]
        credentials=store,
        sleep=sleeps,
    )


def _resolver_says_no_such_name(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror as exc:
        return exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
    return False


def test_unknown_host_is_not_retried() -> None:
    host = "no-such-registry.invalid"  # RFC 6761: never resolves
    if not _resolver_says_no_such_name(host):
        pytest.skip("this resolver does not answer 'no such name' for .invalid")
    sleeps = _Sleeps()
    started = time.monotonic()
    with _transport(sleeps) as t, pytest.raises(TransportError) as info:
        t.request("GET", f"https://{host}/v2/", registry=host)
    assert sleeps == [] and time.monotonic() - started < 2
    assert f"no such host {host}" in str(info.value)
    assert "check the registry name" in (info.value.hint or "")


class _PlainHTTP(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def plain_http() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PlainHTTP)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_plain_http_registry_asked_for_tls_names_insecure_registry(plain_http: str) -> None:
    sleeps = _Sleeps()
    with _transport(sleeps, insecure_skip_verify=True) as t, pytest.raises(TransportError) as info:
        t.request("GET", f"https://{plain_http}/v2/", registry=plain_http)
    assert sleeps == []
    assert "answered in plain HTTP" in str(info.value)
    assert (
        info.value.hint == f"this registry speaks plain HTTP: use --insecure-registry {plain_http}"
    )
