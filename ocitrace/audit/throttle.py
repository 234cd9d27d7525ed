"""Per-host request limit: at most N registry calls in flight to one host.

The audit runs images on a pool and :func:`~ocitrace.discover.discover` fans out inside
each image, so threads outnumber the connections we want to open.  Wrapping each
registry-facing :class:`~ocitrace.source.Source` in :class:`ThrottledSource` bounds the
calls in flight per host to the transport's pool size: no connection is opened beyond
the pool (urllib3 would discard it) and a registry never sees more than ``-j`` requests
from us at once.  Cache hits sit above the throttle and never wait for a slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from ..oci.model import Descriptor
from ..source import Fetched, Referrers, Source, SourceWrapper

__all__ = ["HostLimiter", "SleepMeter", "ThrottledSource"]


class HostLimiter:
    """One bounded semaphore per registry host, created on first use."""

    def __init__(self, per_host: int) -> None:
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._slots.get(host)
            if sem is None:
                sem = self._slots[host] = threading.BoundedSemaphore(self.per_host)
            return sem

    def wrap(self, host: str, source: Source) -> ThrottledSource:
        return ThrottledSource(source, self.slot(host))


class ThrottledSource(SourceWrapper):
    """A Source whose every call holds one of its host's slots (tag lists are read whole)."""

    def __init__(self, inner: Source, slot: threading.BoundedSemaphore) -> None:
        super().__init__(inner)
        self._slot = slot

    def resolve(self, ref: str) -> Descriptor:
        with self._slot:
            return self._inner.resolve(ref)

    def manifest(self, ref: str) -> Fetched:
        with self._slot:
            return self._inner.manifest(ref)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        with self._slot:
            return self._inner.blob(desc, max_size=max_size)

    def tags(self) -> Iterator[str]:
        with self._slot:
            return iter(list(self._inner.tags()))

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        with self._slot:
            return self._inner.referrers(digest, artifact_type)


class SleepMeter:
    """A ``sleep`` for :class:`~ocitrace.transport.Transport` that records each pause.

    The transport sleeps only to back off (429 / Retry-After, 5xx, connection errors);
    counting its sleeps lets the summary say how often and how long we waited without
    reaching into the transport.
    """

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waits = 0
        self.longest = 0.0

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits += 1
            self.longest = max(self.longest, seconds)
        self._sleep(seconds)
