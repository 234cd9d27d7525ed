"""Deadlines for the parts of a response a per-socket-operation timeout cannot bound.

A socket timeout bounds each socket operation, not a whole read: a server that drips
a byte every few seconds keeps a status line, its headers or a body alive for ever.  One
:class:`Watchdog` thread per transport (not a timer thread per body) holds every armed
deadline in a heap; past one it shuts the socket down, so the blocked read fails and the
caller turns that into a TransportError.

Bounds: the status line and headers get the request's timeout in total; a body gets
the timeout plus its size at :data:`MIN_BODY_RATE` — its declared ``Content-Length``
(within the cap), or, without one, the bytes received so far (the deadline moves as data
arrives, so a body slower than the minimum rate fails after about one timeout).
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

MIN_BODY_RATE = 64 * 1024  # bytes/s a body must average, after a grace of one timeout
_COMPACT_AT = 4096


class Streamed(Protocol):
    """What the deadlines need of a response: its headers and the raw response (the
    socket is found from it, or from a ``sock`` attribute)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def raw(self) -> Any: ...


class Alarm:
    """One armed deadline; :meth:`cancel` before the socket can be reused (after it returns
    the watchdog can no longer touch the socket)."""

    __slots__ = ("_dog", "_fire", "deadline", "done", "fired")

    def __init__(self, dog: Watchdog, deadline: float, fire: Callable[[], None]) -> None:
        self._dog = dog
        self.deadline = deadline
        self.done = False
        self.fired = False
        self._fire = fire

    def extend(self, seconds: float) -> None:
        """Move the deadline later (data arrived)."""
        with self._dog._cond:
            self.deadline += seconds

    def cancel(self) -> None:
        with self._dog._cond:
            self.done = True


class Watchdog:
    """A single daemon thread firing :class:`Alarm` callbacks at their deadlines."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Alarm]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def arm(self, seconds: float, fire: Callable[[], None]) -> Alarm:
        """Call ``fire`` (under the watchdog's lock) ``seconds`` from now unless cancelled."""
        with self._cond:
            if len(self._heap) > _COMPACT_AT:  # cancelled alarms wait for their time: drop them
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            alarm = Alarm(self, self._clock() + seconds, fire)
            first = not self._heap or alarm.deadline < self._heap[0][0]
            heapq.heappush(self._heap, (alarm.deadline, next(self._seq), alarm))
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="ocitrace-watchdog", daemon=True
                )
                self._thread.start()
            elif first:
                self._cond.notify()
        return alarm

    def guard_socket(self, seconds: float, sock: Callable[[], socket.socket | None]) -> Alarm:
        """Shut down the socket ``sock()`` returns when ``seconds`` pass."""
        return self.arm(seconds, lambda: _shutdown(sock()))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._heap:
                    self._cond.wait()
                    continue
                when, _, alarm = self._heap[0]
                if alarm.done:
                    heapq.heappop(self._heap)
                    continue
                if alarm.deadline > when:  # extended: re-queue at the new time
                    heapq.heapreplace(self._heap, (alarm.deadline, next(self._seq), alarm))
                    continue
                now = self._clock()
                if now < when:
                    self._cond.wait(when - now)
                    continue
                heapq.heappop(self._heap)
                alarm.fired = True
                alarm.done = True
                try:
                    alarm._fire()
                except Exception:
                    pass


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:  # the plain socket method: SSLSocket's own drops state under the reader
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class BodyDeadline:
    """The deadline of one streamed body: armed on creation, :meth:`received` per chunk when
    the size was not declared, :meth:`cancel` when the read ends."""

    def __init__(self, dog: Watchdog, resp: Streamed, timeout: float, limit: int) -> None:
        declared = declared_length(resp)
        self._rolling = declared is None
        size = 0 if declared is None else min(declared, limit)
        self.seconds = body_deadline(timeout, size)
        self._alarm = dog.guard_socket(self.seconds, lambda: socket_of(resp))

    @property
    def fired(self) -> bool:
        return self._alarm.fired

    def received(self, nbytes: int) -> None:
        if self._rolling:
            self._alarm.extend(nbytes / MIN_BODY_RATE)

    def cancel(self) -> None:
        self._alarm.cancel()


def declared_length(resp: Streamed) -> int | None:
    value = resp.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def socket_of(resp: Streamed) -> socket.socket | None:
    """The socket a streamed response reads from: the pool connection's (``resp.sock``),
    or for urllib3's responses its connection's, or the one urllib3's ``http.client`` keeps in its
    file object once the connection is marked to close."""
    sock = getattr(resp, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    raw = resp.raw
    candidates = (
        getattr(getattr(raw, "_connection", None), "sock", None),
        getattr(
            getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None
        ),
    )
    return next((c for c in candidates if isinstance(c, socket.socket)), None)


def body_deadline(timeout: float, size: int) -> float:
    """Seconds a body of ``size`` bytes may take: one request timeout plus the time the
    size needs at :data:`MIN_BODY_RATE`."""
    return timeout + size / MIN_BODY_RATE
