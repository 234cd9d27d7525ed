"""A tiny threaded HTTP server for what the real registry cannot be made to do.

Wrong digests, oversize bodies, paged tag lists, 429 with Retry-After, a referrers API,
cross-host redirects: ``FakeServer(handler)`` listens on ``127.0.0.1:0`` in a thread,
``handler(request)`` returns a :class:`Answer` (status, headers, body) and every request is
recorded in ``.seen``.  Use it as a context manager.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    """One request as received."""

    method: str
    path: str  # path and query, as sent
    headers: Mapping[str, str]
    body: bytes

    @property
    def route(self) -> str:
        """The path without the query."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


Handler = Callable[[Seen], Answer]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client closing a half-read body (TooLarge tests) is expected


class FakeServer:
    """Answers every request with ``handler``; ``host`` is ``127.0.0.1:PORT``."""

    def __init__(self, handler: Handler) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, dict(self.headers.items()), body)
                with outer._lock:
                    outer.seen.append(seen)
                answer = handler(seen)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in answer.headers:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(answer.body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _any

        self._server = _Server(("127.0.0.1", 0), _H)
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def routes(self, method: str | None = None) -> list[str]:
        """Paths (with query) requested so far, optionally only for ``method``."""
        with self._lock:
            return [s.path for s in self.seen if method is None or s.method == method]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def json_answer(body: bytes, content_type: str, **headers: str) -> Answer:
    """A 200 with ``body`` and its Content-Type (plus any extra headers)."""
    return Answer(200, {"Content-Type": content_type, **headers}, body)


def error_answer(status: int, code: str, message: str, **headers: str) -> Answer:
    """A distribution-style JSON error body."""
    import json

    body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
    return Answer(status, {"Content-Type": "application/json", **headers}, body)
