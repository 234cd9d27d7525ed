"""Digest-keyed disk cache for immutable content, and a caching :class:`Source` wrapper.

Only content addressed by digest is cached (manifests, blobs); tags and tag lists move
and always go to the registry (a manifest fetched by tag is stored under its digest).
Which repositories ever had content stored is remembered too, as a hint: for those a tag
is resolved with ``HEAD`` first, since its manifest is probably here.  Every read is re-hashed: an entry that no
longer matches its digest is deleted and treated as a miss.  The cache is bounded in
bytes; when a write takes it over the bound the least recently used entries (by mtime,
touched on every hit) are removed.  Writes go through a temporary file and ``rename``
so concurrent processes and threads never see half an entry.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import queue
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..oci.model import Descriptor
from ..source import Fetched, Source, SourceWrapper

__all__ = ["DEFAULT_MAX_BYTES", "CacheStats", "CachingSource", "DiskCache", "default_cache_dir"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_DIGEST_RE = re.compile(r"sha256:([a-f0-9]{64})")
_ALGORITHMS = {"sha256": hashlib.sha256}


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/ocitrace`` (``~/.cache/ocitrace`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ocitrace"


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters of one cache's use in this process."""

    hits: int
    misses: int
    writes: int
    corrupt: int
    evicted: int


class DiskCache:
    """Files ``<root>/<kind>/sha256/<hex>``; a manifest entry starts with its media type line."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        write_behind: bool = False,
    ) -> None:
        """``write_behind``: entries are written by one background thread, so a worker
        never waits for the file system (reads see pending entries); :meth:`close`
        writes what is left.  Off, every ``put_*`` has written its file on return."""
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._hits = self._misses = self._writes = self._corrupt = self._evicted = 0
        self._written_since_sweep = 0
        self._flights: dict[str, threading.Lock] = {}
        self._dirs: set[Path] = set()
        self._serial = itertools.count()  # next() is atomic under the GIL
        self._write_behind = write_behind
        self._pending: dict[tuple[str, str], bytes] = {}
        self._queue: queue.SimpleQueue[tuple[str, str, bytes] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._write_warned = False

    def close(self) -> None:
        """Write every pending entry (write-behind mode) and stop the writer thread."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()

    def _store(self, kind: str, digest: str, payload: bytes) -> None:
        if not self._write_behind:
            self._write(kind, digest, payload)
            return
        with self._lock:
            self._pending[(kind, digest)] = payload
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_loop, name="ocitrace-cache-writer", daemon=True
                )
                self._writer.start()
        self._queue.put((kind, digest, payload))

    def _write_loop(self) -> None:
        while (item := self._queue.get()) is not None:
            kind, digest, payload = item
            if kind == "repositories":
                self._touch(self._repository_path(digest))
            else:
                self._write(kind, digest, payload)
            with self._lock:
                if self._pending.get((kind, digest)) is payload:
                    del self._pending[(kind, digest)]

    def flight(self, digest: str) -> threading.Lock:
        """The lock of one digest: concurrent misses on it wait for the first fetch.

        Several tags (or repositories) of one image are audited at once; without this
        every worker would miss and fetch the same manifest at the same moment.
        """
        with self._lock:
            return self._flights.setdefault(digest, threading.Lock())

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, self._writes, self._corrupt, self._evicted)

    # --- repositories seen ---------------------------------------------------------------

    def _repository_path(self, name: str) -> Path:
        return self.root / "repositories" / hashlib.sha256(name.encode()).hexdigest()

    def has_repository(self, name: str) -> bool:
        """Whether content of repository ``name`` (``host/path``) was stored here before.

        Only a hint for choosing ``HEAD`` before ``GET``: nothing is served from it.
        """
        return self._repository_path(name).exists()

    def add_repository(self, name: str) -> None:
        if self._write_behind:
            self._store("repositories", name, b"")
        else:
            self._touch(self._repository_path(name))

    def _touch(self, path: Path) -> None:
        try:
            self._ensure_dir(path.parent)
            path.touch()
        except OSError as exc:
            self._write_failed(path, exc)

    def _write_failed(self, path: Path, exc: OSError) -> None:
        """One warning per cache (an unwritable ``--cache-dir`` is worth knowing about
        once, not per entry); the rest at info level."""
        with self._lock:
            first, self._write_warned = not self._write_warned, True
        if first:
            log.warning("cache %s is not writable (%s); continuing without it", self.root, exc)
        else:
            log.info("cache write %s failed: %s", path, exc)

    # --- raw entries -------------------------------------------------------------------

    def _path(self, kind: str, digest: str) -> Path | None:
        m = _DIGEST_RE.fullmatch(digest)
        return self.root / kind / "sha256" / m.group(1) if m else None

    def _count(self, attr: str) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + 1)

    def get_blob(self, digest: str, size: int | None = None) -> bytes | None:
        """The bytes stored under ``digest`` if present and still hashing to it; with
        ``size``, a file of another size is a miss without being read."""
        raw = self._read("blobs", digest, size)
        if raw is None:
            return None
        if not _verify(digest, raw):
            self._drop("blobs", digest)
            return None
        self._count("_hits")
        return raw

    def put_blob(self, digest: str, data: bytes) -> None:
        if _verify(digest, data):
            self._store("blobs", digest, data)

    def get_manifest(self, digest: str) -> tuple[str, bytes] | None:
        """``(media_type, bytes)`` stored under ``digest``, verified."""
        raw = self._read("manifests", digest)
        if raw is None:
            return None
        media_type, sep, body = raw.partition(b"\n")
        if not sep or not _verify(digest, body):
            self._drop("manifests", digest)
            return None
        self._count("_hits")
        return media_type.decode("utf-8", "replace"), body

    def put_manifest(self, digest: str, media_type: str, data: bytes) -> None:
        if _verify(digest, data) and "\n" not in media_type:
            self._store("manifests", digest, media_type.encode() + b"\n" + data)

    def _read(self, kind: str, digest: str, size: int | None = None) -> bytes | None:
        """The entry's bytes; a file of the wrong size (or larger than the cache bound,
        which no write makes) is not read: a planted huge file costs no memory."""
        path = self._path(kind, digest)
        if path is None:
            return None
        if self._pending:
            with self._lock:
                pending = self._pending.get((kind, digest))
            if pending is not None:
                return pending  # verified by the caller like any other read
        try:
            actual = path.stat().st_size
            if actual > self.max_bytes or (size is not None and actual != size):
                self._count("_misses")
                return None
            raw = path.read_bytes()
            os.utime(path)  # LRU: a hit makes the entry young again
        except OSError:
            self._count("_misses")
            return None
        return raw

    def _drop(self, kind: str, digest: str) -> None:
        path = self._path(kind, digest)
        log.warning("cache entry %s/%s does not match its digest; removed", kind, digest)
        self._count("_corrupt")
        self._count("_misses")
        if path is not None:
            try:
                path.unlink()
            except OSError:
                pass

    def _write(self, kind: str, digest: str, payload: bytes) -> None:
        path = self._path(kind, digest)
        if path is None or len(payload) > self.max_bytes:
            return
        tmp = path.parent / f".tmp-{os.getpid()}-{threading.get_ident()}-{next(self._serial)}"
        try:
            self._ensure_dir(path.parent)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, payload)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot write only costs speed
            self._write_failed(path, exc)
            try:
                tmp.unlink()
            except OSError:
                pass
            return
        with self._lock:
            self._writes += 1
            self._written_since_sweep += len(payload)
            sweep = self._written_since_sweep > max(self.max_bytes // 16, 1)
            if sweep:
                self._written_since_sweep = 0
        if sweep:
            self.evict()

    def _ensure_dir(self, directory: Path) -> None:
        """``mkdir -p`` once per directory and process; the cache's own directories are
        private (0700): their listing would reveal which private images were audited."""
        if directory in self._dirs:
            return
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        current = self.root
        for part in directory.relative_to(self.root).parts:
            current = current / part
            current.mkdir(mode=0o700, exist_ok=True)
        with self._lock:
            self._dirs.add(directory)

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits ``max_bytes``; count them."""
        entries: list[tuple[float, int, Path]] = []
        for kind in ("manifests", "blobs"):
            for path in (self.root / kind / "sha256").glob("*"):
                if path.name.startswith(".tmp-"):
                    continue
                try:
                    st = path.stat()
                except OSError:
                    continue
                entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        with self._lock:
            self._evicted += removed
        return removed


def _write_all(fd: int, payload: bytes) -> None:
    """``write(2)`` until everything is written (a regular file may take it in parts)."""
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _verify(digest: str, data: bytes) -> bool:
    alg, _, hexpart = digest.partition(":")
    fn = _ALGORITHMS.get(alg)
    return fn is not None and fn(data).hexdigest() == hexpart


class CachingSource(SourceWrapper):
    """A :class:`Source` whose by-digest manifests and blobs come from a :class:`DiskCache`.

    ``resolve``/``tags``/``referrers`` and manifests by tag always reach the wrapped source.
    """

    def __init__(self, inner: Source, cache: DiskCache) -> None:
        super().__init__(inner)
        self._cache = cache
        self._seen: bool | None = None
        self._marked = False

    def may_answer(self) -> bool:
        """Whether this cache has held content of this repository: then a tag is worth a
        ``HEAD`` first (its manifest is likely here); else ``GET`` it straight away."""
        if self._seen is None:
            self._seen = self._cache.has_repository(self.name)
        return self._seen

    def _remember_repository(self) -> None:
        if not self._marked:
            self._marked = True
            self._cache.add_repository(self.name)

    def manifest(self, ref: str) -> Fetched:
        if not _DIGEST_RE.fullmatch(ref):
            # by tag: not looked up (tags move), but stored under the digest it had
            fetched = self._inner.manifest(ref)
            desc = fetched.descriptor
            self._cache.put_manifest(desc.digest, desc.media_type, fetched.data)
            self._remember_repository()
            return fetched
        with self._cache.flight(ref):
            hit = self._cache.get_manifest(ref)
            if hit is not None:
                media_type, data = hit
                return Fetched(Descriptor(media_type, ref, len(data)), data)
            fetched = self._inner.manifest(ref)
            desc = fetched.descriptor
            self._cache.put_manifest(desc.digest, desc.media_type, fetched.data)
            self._remember_repository()
            return fetched

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        with self._cache.flight(desc.digest):
            hit = self._cache.get_blob(desc.digest, desc.size)
            if (
                hit is not None
                and (max_size is None or len(hit) <= max_size)
                and len(hit) == desc.size
            ):
                return hit
            data = self._inner.blob(desc, max_size=max_size)
            self._cache.put_blob(desc.digest, data)
            return data
