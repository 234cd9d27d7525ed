"""Fetching for a diff: both sides share one digest-keyed memo, so a digest is fetched once.

Two builds of the same Dockerfile often share image manifests, configs or whole
attestation manifests (``FROM scratch`` builds are reproducible), and an image diffed
with itself shares everything.  :class:`SharedFetches` remembers each manifest and blob
by digest (content-addressed and digest-verified by the Source, so the bytes are the same
whichever repository served them), and tag lookups and referrers listings by repository.
A request already in flight for the other side is waited for, not repeated.  A failed
fetch by digest is not remembered: the other side then asks its own repository; a failed
lookup in one repository (a missing cosign tag, say) is the answer for both sides.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from ..digest import is_digest
from ..oci.model import Descriptor
from ..source import Fetched, Referrers, Source, SourceWrapper

__all__ = ["MemoSource", "SharedFetches"]

T = TypeVar("T")


class SharedFetches:
    """A thread-safe memo: the first caller of a key fetches, later callers wait for it.

    ``fetches`` counts the fetches actually made, ``hits`` the answers served from the memo.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], Future[object]] = {}
        self.fetches = 0
        self.hits = 0

    def get(self, key: tuple[str, ...], fetch: Callable[[], T], *, share_errors: bool = False) -> T:
        """The value for ``key``, fetching it when nobody has; ``share_errors``: a failure is
        the answer for every caller of this key too (the key names one repository)."""
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = Future()
                self.fetches += 1
            else:
                self.hits += 1
        if owner:
            try:
                value = fetch()
            except BaseException as exc:
                if not share_errors:
                    with self._lock:
                        del self._entries[key]
                entry.set_exception(exc)
                raise
            entry.set_result(value)
            return value
        if share_errors:
            return entry.result()  # type: ignore[return-value]
        try:
            return entry.result()  # type: ignore[return-value]
        except Exception:
            return fetch()  # the other side's repository failed: ask our own

    def put(self, key: tuple[str, ...], value: object) -> None:
        """Remember ``value`` under ``key`` unless something is already there."""
        with self._lock:
            if key not in self._entries:
                done: Future[object] = Future()
                done.set_result(value)
                self._entries[key] = done


class MemoSource(SourceWrapper):
    """A :class:`~ocitrace.source.Source` answering from a :class:`SharedFetches` first.

    Manifests by digest and blobs are keyed by digest alone; tags, resolves and referrers
    by this source's name too.  A manifest fetched by tag is also remembered by its digest.
    """

    def __init__(self, inner: Source, memo: SharedFetches) -> None:
        super().__init__(inner)
        self._memo = memo

    def resolve(self, ref: str) -> Descriptor:
        return self._memo.get(
            ("resolve", self.name, ref), lambda: self._inner.resolve(ref), share_errors=True
        )

    def manifest(self, ref: str) -> Fetched:
        if is_digest(ref):
            return self._memo.get(("manifest", ref), lambda: self._inner.manifest(ref))
        fetched = self._memo.get(
            ("manifest-tag", self.name, ref), lambda: self._inner.manifest(ref), share_errors=True
        )
        self._memo.put(("manifest", fetched.descriptor.digest), fetched)
        return fetched

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        return self._memo.get(
            ("blob", desc.digest, str(desc.size)),
            lambda: self._inner.blob(desc, max_size=max_size),
        )

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self._memo.get(
            ("referrers", self.name, digest, artifact_type or ""),
            lambda: self._inner.referrers(digest, artifact_type),
            share_errors=True,
        )
