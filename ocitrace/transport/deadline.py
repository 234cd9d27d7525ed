"""A deadline for reading one response body.

``requests``' timeout bounds each socket operation, not a whole body: a server that
drips a byte every few seconds keeps a read alive for as long as the size cap allows.
:class:`BodyDeadline` shuts the response's socket down when the body overruns, so the
blocked read fails and the caller turns that into a TransportError.
"""

from __future__ import annotations

import socket
import threading

import requests

MIN_BODY_RATE = 64 * 1024  # bytes/s a body must average, after a grace of 4 timeouts


class BodyDeadline:
    """Shuts the response's socket down when a body read overruns its deadline.

    Call :meth:`cancel` when the read ends (before the connection can go back to the
    pool): once it returns, the timer can no longer touch the socket.
    """

    def __init__(self, resp: requests.Response, seconds: float) -> None:
        self.fired = False
        self._done = False
        self._lock = threading.Lock()
        self._resp = resp
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            sock = _socket_of(self._resp)
            if sock is not None:
                try:  # the plain socket method: SSLSocket's own drops state under the reader
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The socket a streamed response reads from (urllib3's connection, or the one
    ``http.client`` keeps in its file object once the connection is marked to close)."""
    raw = resp.raw
    candidates = (
        getattr(getattr(raw, "_connection", None), "sock", None),
        getattr(
            getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None
        ),
    )
    return next((c for c in candidates if isinstance(c, socket.socket)), None)


def body_deadline(timeout: float, limit: int) -> float:
    """Seconds a body of up to ``limit`` bytes may take: four request timeouts, or the time
    the cap needs at :data:`MIN_BODY_RATE`, whichever is longer."""
    return max(4 * timeout, limit / MIN_BODY_RATE)
