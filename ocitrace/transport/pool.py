"""A lean HTTP/1.1 keep-alive connection pool over ``http.client`` for direct connections.

Issue 14: urllib3's pool cost about twice the CPU per request of ``http.client`` itself
(``bench/profile_http.py``): URL re-parsing, pool keys, ``Timeout`` objects, queue locks,
``HTTPHeaderDict``, and ``http.client``'s own ``email.parser`` header parsing.  Here one
request is: take an idle connection for (scheme, host, port) (dropped ones are noticed
with a zero-timeout poll, as urllib3 does), send, read the status line and headers under
a watchdog deadline (bounded as a whole), parse the headers into a small case-insensitive
mapping; the body is read by :class:`~ocitrace.transport.response.Response`, which gives
the connection back once the body was read to its end.

Proxied requests (``*_proxy`` in the environment) still go through urllib3 (its
``ProxyManager`` / SOCKS support), imported only then: see ``core._ProxyPools``.

Failures are :class:`HTTPFailure` subclasses naming what went wrong (the cause chained),
so the transport can decide what is retried without knowing the HTTP stack.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from .deadline import Watchdog

__all__ = [
    "BadURL",
    "ConnectFailed",
    "ConnectTimedOut",
    "ConnectionPool",
    "Dropped",
    "HTTPFailure",
    "Headers",
    "ReadTimedOut",
    "TLSFailed",
    "TimedOut",
]


class HTTPFailure(Exception):
    """One attempt failed before a response arrived (the cause is chained)."""


class TimedOut(HTTPFailure):
    """Connecting, or waiting for the status line and headers, took too long."""


class ConnectFailed(HTTPFailure):
    """No connection: refused, unreachable, name not resolved."""


class ConnectTimedOut(ConnectFailed, TimedOut):
    """Connecting (TCP or the TLS handshake) timed out."""


class ReadTimedOut(TimedOut):
    """The status line and headers did not arrive in time."""


class Dropped(HTTPFailure):
    """The connection closed or broke before a (well-formed) response arrived."""


class TLSFailed(HTTPFailure):
    """The TLS handshake failed (verification, protocol mismatch)."""


class BadURL(HTTPFailure):
    """The URL cannot be requested (no host, bad port, control characters)."""


class Headers(Mapping[str, str]):
    """Response headers: case-insensitive lookup, repeated fields joined with ``", "``
    (as urllib3's ``HTTPHeaderDict.get`` gives them), original spelling kept for iteration."""

    __slots__ = ("_fields",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        fields: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            seen = fields.get(key)
            fields[key] = (name, value) if seen is None else (seen[0], f"{seen[1]}, {value}")
        self._fields = fields

    @classmethod
    def parse(cls, lines: list[bytes]) -> Headers:
        """Header lines as ``http.client._read_headers`` returns them (CRLF kept); folded
        continuation lines join their field, lines without a colon are ignored (the
        ``email`` parser's compat32 rules, which ``http.client`` applies)."""
        pairs: list[tuple[str, str]] = []
        for raw in lines:
            line = raw.decode("iso-8859-1")
            if line[:1] in (" ", "\t") and pairs:
                name, value = pairs[-1]
                pairs[-1] = (name, value + line.rstrip("\r\n"))
                continue
            name, sep, value = line.partition(":")
            if sep and name:
                pairs.append((name, value.lstrip(" \t").rstrip("\r\n")))
        return cls(pairs)

    def get(self, key: str, default: Any = None) -> Any:
        item = self._fields.get(key.lower())
        return default if item is None else item[1]

    def __getitem__(self, key: str) -> str:
        return self._fields[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._fields

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class _Reply(http.client.HTTPResponse):
    """``http.client``'s response with the headers parsed by :meth:`Headers.parse` (the
    stdlib hands them to ``email.parser``, a tenth of a request's CPU)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        headers = Headers.parse(http.client._read_headers(self.fp))  # type: ignore[attr-defined]
        self.headers = self.msg = headers  # type: ignore[assignment]
        tr_enc = headers.get("transfer-encoding")
        self.chunked = bool(tr_enc and tr_enc.lower() == "chunked")  # type: ignore[assignment]
        if self.chunked:
            self.chunk_left = None  # type: ignore[assignment]
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = None
        length = headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if (
            status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
            or 100 <= status < 200
            or self._method == "HEAD"  # type: ignore[attr-defined]
        ):
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class _Conn(http.client.HTTPConnection):
    response_class = _Reply


class _TLSConn(http.client.HTTPSConnection):
    response_class = _Reply


Key = tuple[str, str, int]


def _dropped(sock: socket.socket) -> bool:
    """An idle kept-alive connection the server closed (or that has unexpected data)."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


class ConnectionPool:
    """Idle kept-alive connections per (scheme, host, port), at most ``maxsize`` each and
    for the ``maxsize`` origins used last (urllib3's ``maxsize``/``num_pools``)."""

    def __init__(
        self,
        watchdog: Watchdog,
        tls_context: Callable[[], ssl.SSLContext],
        maxsize: int = 16,
    ) -> None:
        self._dog = watchdog
        self._tls_context = tls_context
        self._maxsize = maxsize
        self._idle: dict[Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
    ) -> tuple[_Reply, http.client.HTTPConnection, Key, socket.socket]:
        """One attempt (no retries, no redirects): the response with its headers read and
        its body not; the connection, its pool key and socket for :meth:`release`."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise BadURL(f"invalid URL: {exc}") from exc
        if not host or scheme not in ("http", "https"):
            raise BadURL("URL without a host or with an unsupported scheme")
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        key = (scheme, host, port)
        conn = self._checkout(key, timeout)
        try:
            if conn.sock is None:
                self._connect(conn)
            else:
                conn.sock.settimeout(timeout)
            sock = conn.sock
            assert sock is not None
            try:
                conn.request(method, target, body, dict(headers))
            except http.client.InvalidURL as exc:
                raise BadURL(str(exc)) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise Dropped(f"sending the request failed: {exc}") from exc
            return self._response(conn, sock, timeout), conn, key, sock
        except BaseException:
            conn.close()
            raise

    def _checkout(self, key: Key, timeout: float) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if conn.sock is not None and not _dropped(conn.sock):
                    conn.timeout = timeout
                    return conn
                conn.close()
        scheme, host, port = key
        if scheme == "https":
            return _TLSConn(host, port, timeout=timeout, context=self._tls_context())
        return _Conn(host, port, timeout=timeout)

    @staticmethod
    def _connect(conn: http.client.HTTPConnection) -> None:
        try:
            conn.connect()
        except ssl.SSLError as exc:
            raise TLSFailed(f"TLS handshake failed: {exc}") from exc
        except TimeoutError as exc:
            raise ConnectTimedOut(f"connecting timed out after {conn.timeout}s") from exc
        except OSError as exc:
            raise ConnectFailed(f"cannot connect: {exc}") from exc

    def _response(
        self, conn: http.client.HTTPConnection, sock: socket.socket, timeout: float
    ) -> _Reply:
        """The status line and headers, bounded as a whole by ``timeout`` (a server
        dripping header bytes resets a per-read timeout for ever)."""
        alarm = self._dog.guard_socket(timeout, lambda: sock)
        try:
            resp = conn.getresponse()
        except TimeoutError as exc:
            raise ReadTimedOut(f"no reply within {timeout:g}s") from exc
        except (OSError, http.client.HTTPException) as exc:
            if alarm.fired:
                raise ReadTimedOut(
                    f"status line and headers did not arrive within {timeout:g}s"
                ) from exc
            raise Dropped(f"no response: {type(exc).__name__}: {exc}") from exc
        finally:
            alarm.cancel()
        if alarm.fired:  # shut down just as the headers completed: the body is gone
            resp.close()
            raise ReadTimedOut(f"status line and headers did not arrive within {timeout:g}s")
        assert isinstance(resp, _Reply)
        return resp

    def release(self, key: Key, conn: http.client.HTTPConnection, reusable: bool) -> None:
        """Keep ``conn`` for the next request to ``key`` when its response was read to the
        end and the server keeps it open; else close it."""
        evicted: list[http.client.HTTPConnection] = []
        kept = False
        if reusable and conn.sock is not None:
            with self._lock:
                idle = self._idle.pop(key, None)
                if idle is None:
                    idle = []
                    while len(self._idle) >= self._maxsize:  # at most maxsize origins kept
                        evicted += self._idle.pop(next(iter(self._idle)))
                self._idle[key] = idle  # most recently used last
                if len(idle) < self._maxsize:
                    idle.append(conn)
                    kept = True
        for old in evicted:
            old.close()
        if not kept:
            conn.close()

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()
