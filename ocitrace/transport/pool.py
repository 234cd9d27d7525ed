"""A lean HTTP/1.1 keep-alive connection pool over :mod:`.wire` for direct connections.

Issue 14: urllib3's pool cost about twice the CPU per request of ``http.client`` itself
(``bench/profile_http.py``): URL re-parsing, pool keys, ``Timeout`` objects, queue locks,
``HTTPHeaderDict``, and ``http.client``'s own ``email.parser`` header parsing; then
``http.client`` itself went (:mod:`.wire`: no ``email``/``ssl`` imports on plain HTTP, a
request head built in one string).  Here one request is: take an idle connection for (scheme, host, port) (dropped ones are noticed
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

import select
import socket
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .deadline import Watchdog
from .wire import Connection, Headers, InvalidRequest, ProtocolError, Reply, TLSHandshakeFailed

if TYPE_CHECKING:
    import ssl

__all__ = [
    "BadURL",
    "ConnectFailed",
    "ConnectTimedOut",
    "ConnectionPool",
    "Dropped",
    "HTTPFailure",
    "Headers",  # (defined in .wire)
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
        self._idle: dict[Key, list[Connection]] = {}
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
    ) -> tuple[Reply, Connection, Key, socket.socket]:
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
                self._connect(conn)  # (connect and TLS handshake: bounded by ``timeout``)
            sock = conn.sock
            assert sock is not None
            # A request without a body is written into an empty send buffer and cannot
            # block; its reply's status line, headers and body are each bounded as a whole
            # by the watchdog (``_response``, ``BodyDeadline``), which shuts the socket
            # down.  So its socket is left blocking: a socket timeout would add a poll()
            # before every send and recv (each a GIL release and re-acquire, ~6% of a
            # 1,000-image audit's CPU).  A request with a body keeps the per-operation
            # timeout, for a server that stops reading it.
            wanted = timeout if body else None
            if sock.gettimeout() != wanted:
                sock.settimeout(wanted)
            try:
                conn.request(method, target, body, headers)
            except InvalidRequest as exc:
                raise BadURL(str(exc)) from exc
            except OSError as exc:
                raise Dropped(f"sending the request failed: {exc}") from exc
            return self._response(conn, method, sock, timeout), conn, key, sock
        except BaseException:
            conn.close()
            raise

    def _checkout(self, key: Key, timeout: float) -> Connection:
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if conn.sock is not None and not _dropped(conn.sock):
                    conn.timeout = timeout
                    return conn
                conn.close()
        scheme, host, port = key
        context = self._tls_context() if scheme == "https" else None
        return Connection(host, port, timeout, context)

    @staticmethod
    def _connect(conn: Connection) -> None:
        try:
            conn.connect()
        except TLSHandshakeFailed as exc:
            raise TLSFailed(f"TLS handshake failed: {exc}") from exc
        except TimeoutError as exc:
            raise ConnectTimedOut(f"connecting timed out after {conn.timeout}s") from exc
        except OSError as exc:
            raise ConnectFailed(f"cannot connect: {exc}") from exc

    def _response(
        self, conn: Connection, method: str, sock: socket.socket, timeout: float
    ) -> Reply:
        """The status line and headers, bounded as a whole by ``timeout`` (a server
        dripping header bytes resets a per-read timeout for ever)."""
        alarm = self._dog.guard_socket(timeout, lambda: sock)
        try:
            resp = conn.getresponse(method)
        except TimeoutError as exc:
            raise ReadTimedOut(f"no reply within {timeout:g}s") from exc
        except (OSError, ProtocolError) as exc:
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
        return resp

    def release(self, key: Key, conn: Connection, reusable: bool) -> None:
        """Keep ``conn`` for the next request to ``key`` when its response was read to the
        end and the server keeps it open; else close it."""
        evicted: list[Connection] = []
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
