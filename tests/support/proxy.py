"""A counting, latency-adding reverse proxy on loopback, in front of a test registry.

Every request is recorded (method, path) and may be delayed by ``latency`` seconds on the
way in and again on the way out, to measure how many sequential round trips a client
needs.  The proxy is threaded (one thread per connection, HTTP/1.1 keep-alive), so
concurrent requests overlap just as they would against a remote registry.  It parses
HTTP in Python threads, so above ~16 concurrent requests it becomes the bottleneck:
benchmarks use ``bench/latency_proxy.py`` (raw bytes, asyncio, its own process) instead.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
    }
)


@dataclass
class ProxyLog:
    """Requests seen by the proxy, plus the peak number in flight at once."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.peak = 0

    def count(self, method: str | None = None, contains: str = "") -> int:
        with self.lock:
            return sum(
                1 for m, p in self.requests if (method is None or m == method) and contains in p
            )


@dataclass
class RunningProxy:
    """``host`` (``127.0.0.1:PORT``) to use in references; ``log`` of what passed."""

    host: str
    log: ProxyLog
    server: ThreadingHTTPServer


def _handler(upstream: str, latency: float, log: ProxyLog) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are written separately: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK add ~40 ms to every response with a body (Go sets it).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            return

        def _forward(self) -> None:
            with log.lock:
                log.requests.append((self.command, self.path))
                log.in_flight += 1
                log.peak = max(log.peak, log.in_flight)
            try:
                self._relay()
            finally:
                with log.lock:
                    log.in_flight -= 1

        def _relay(self) -> None:
            time.sleep(latency)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = target.netloc
            conn = http.client.HTTPConnection(
                target.hostname or "127.0.0.1", target.port, timeout=30
            )
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            time.sleep(latency)
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length", resp.getheader("Content-Length") or "0")
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = _forward
        do_HEAD = _forward
        do_POST = _forward
        do_PUT = _forward
        do_PATCH = _forward
        do_DELETE = _forward

    return Handler


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: 16+ clients connecting at once overflow
    # it and the kernel drops SYNs (1 s retransmit each); Go listens with hundreds.
    request_queue_size = 1024
    daemon_threads = True


@contextmanager
def counting_proxy(upstream: str, *, latency: float = 0.0) -> Iterator[RunningProxy]:
    """Serve a proxy to ``upstream`` (``http://HOST:PORT``) on 127.0.0.1, port chosen by the OS."""
    log = ProxyLog()
    server = _Server(("127.0.0.1", 0), _handler(upstream, latency, log))
    thread = threading.Thread(target=server.serve_forever, name="counting-proxy", daemon=True)
    thread.start()
    try:
        yield RunningProxy(f"127.0.0.1:{server.server_address[1]}", log, server)
    finally:
        server.shutdown()
        server.server_close()
