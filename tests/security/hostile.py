"""A hostile HTTP(S) server for security tests: streamed or endless bodies without
Content-Length, TLS with a throwaway CA, and forward-proxy requests (absolute-URI paths)
so a test can "reach" a non-loopback host name like ``auth.example.test``.

``HostileServer(handler, tls=None)`` listens on ``127.0.0.1:0``; ``handler(seen)``
returns a :class:`Reply`.  A ``Reply`` whose ``stream`` is set sends no Content-Length
and closes the connection after the last chunk (or when the client hangs up); the bytes
actually written are counted in ``sent`` per request.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Seen:
    """One request as received (``target`` is the request-target: a path, or a full URL
    when the server is used as a forward proxy)."""

    method: str
    target: str
    headers: Mapping[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Callable[[], Iterator[bytes]] | None = None  # no Content-Length, close at end
    keep_alive: bool = False  # a stream with its own Content-Length on a kept-alive connection


def endless(chunk: bytes = b"[" * 65536) -> Callable[[], Iterator[bytes]]:
    """A body that never ends (the client must stop reading)."""

    def gen() -> Iterator[bytes]:
        while True:
            yield chunk

    return gen


Handler = Callable[[Seen], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on endless bodies is the point


class HostileServer:
    """Answers every request with ``handler``; ``netloc`` is ``127.0.0.1:PORT``."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[Seen] = []
        self.sent: list[int] = []
        self._lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                seen = Seen(self.command, self.path, dict(self.headers.items()))
                with outer._lock:
                    outer.seen.append(seen)
                reply = handler(seen)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.stream is None:
                    if "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                elif not reply.keep_alive:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if self.command == "HEAD":
                    return
                sent = 0
                try:
                    for chunk in reply.stream() if reply.stream else (reply.body,):
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                    pass
                with outer._lock:
                    outer.sent.append(sent)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _any

        self._server = _Server(("127.0.0.1", 0), _H)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.netloc = f"127.0.0.1:{self.port}"
        self.url = f"{'https' if tls else 'http'}://{self.netloc}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
