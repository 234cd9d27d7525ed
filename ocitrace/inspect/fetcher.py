"""Memoised, concurrent fetches of manifests and blobs from one :class:`~ocitrace.source.Source`.

Every object is requested at most once per run: the first caller starts the fetch on the
pool and later callers share its future.  Callers submit everything they will need at one
level before waiting, so a whole level of the tree costs one round trip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Executor, Future

from ..oci.model import Descriptor
from ..source import Fetched, Source

__all__ = ["MAX_ATTESTATION_SIZE", "MAX_CONFIG_SIZE", "Fetcher"]

log = logging.getLogger(__name__)

# None: the source's own blob cap applies (a registry client's --max-blob-size, 64 MiB by
# default), so the user can lift or lower it; SBOMs of large images reach tens of MB.
MAX_CONFIG_SIZE: int | None = None
MAX_ATTESTATION_SIZE: int | None = None


class Fetcher:
    """Shared futures for manifests (by digest) and blobs (by digest) of one repository."""

    def __init__(self, source: Source, pool: Executor) -> None:
        self.source = source
        self._pool = pool
        self._lock = threading.Lock()
        self._manifests: dict[str, Future[Fetched]] = {}
        self._blobs: dict[str, Future[bytes]] = {}

    def manifest(self, desc: Descriptor) -> Future[Fetched]:
        """The manifest or index named by ``desc`` (fetched by digest, verified by the source)."""
        with self._lock:
            fut = self._manifests.get(desc.digest)
            if fut is None:
                log.debug("fetch manifest %s", desc.digest)
                fut = self._pool.submit(self.source.manifest, desc.digest)
                self._manifests[desc.digest] = fut
            return fut

    def seed(self, fetched: Fetched) -> None:
        """Record an already fetched manifest (the top level) so it is never fetched again."""
        fut: Future[Fetched] = Future()
        fut.set_result(fetched)
        with self._lock:
            self._manifests.setdefault(fetched.descriptor.digest, fut)

    def blob(self, desc: Descriptor, max_size: int | None) -> Future[bytes]:
        """A blob (config or attestation layer), verified against ``desc``."""
        with self._lock:
            fut = self._blobs.get(desc.digest)
            if fut is None:
                log.debug("fetch blob %s", desc.digest)
                fut = self._pool.submit(self.source.blob, desc, max_size=max_size)
                self._blobs[desc.digest] = fut
            return fut

    def manifests(self, descs: Iterable[Descriptor]) -> list[Fetched]:
        """Fetch all of ``descs`` concurrently; results in input order (first error raised)."""
        futures = [self.manifest(d) for d in descs]
        return [f.result() for f in futures]
