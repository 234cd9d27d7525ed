"""Digest-keyed disk cache for immutable content, and a caching :class:`Source` wrapper.

Only content addressed by digest is cached (manifests, blobs); tags and tag lists move
and always go to the registry (a manifest fetched by tag is stored under its digest).
Which repositories ever had content stored is remembered too, as a hint: for those a tag
is resolved with ``HEAD`` first, since its manifest is probably here.  Every read is re-hashed: an entry that no
longer matches its digest is deleted and treated as a miss.  The cache is bounded in
bytes; when a write takes it over the bound the least recently used entries (by mtime,
touched on every hit) are removed.  Writes go through a temporary file and ``rename``
so concurrent processes and threads never see half an entry.

Derived results are cached too (issue 14): the rows one image digest gave under one
policy and set of options (:class:`RowRecords`).  A digest names immutable bytes, so
what was derived from those verified bytes is as safe to keep as the bytes — provided
the entry is ours: a record cannot be re-hashed against its digest like a blob, so each
carries an HMAC-SHA256 under a random key private to the cache directory
(``records.key``, 0600).  A record whose MAC does not match is removed and the image is
audited from the bytes again.  A warm audit then reads one small file per image instead
of its index, attestation manifests and layers, and decodes nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import hmac
import itertools
import json
import logging
import os
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..oci.model import Descriptor
from ..source import Fetched, Source, SourceWrapper
from .facts import Facts
from .rows import Row

if TYPE_CHECKING:
    from .policy import Policy
    from .walk import ImageTask

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CacheStats",
    "CachingSource",
    "DiskCache",
    "RowRecords",
    "default_cache_dir",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: write-behind: entries waiting for the writer thread at most (then workers write inline)
PENDING_MAX_BYTES = 16 * 1024 * 1024
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
    corrupt: int  #: entries found not to match their digest or MAC (each counted once)
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
        self._root = os.fspath(self.root)  # str paths on the hot path: pathlib joins cost
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._hits = self._misses = self._writes = self._corrupt = self._evicted = 0
        self._written_since_sweep = 0
        #: digest → [lock, holders]: dropped when its last holder leaves (no lock per
        #: digest kept for the whole run)
        self._flights: dict[str, list[Any]] = {}
        self._dirs: set[str] = set()
        self._serial = itertools.count()  # next() is atomic under the GIL
        self._write_behind = write_behind
        self._pending: dict[tuple[str, str], bytes] = {}
        self._pending_bytes = 0  # bounded by PENDING_MAX_BYTES: beyond it, writes are inline
        self._queue: queue.SimpleQueue[tuple[str, str, bytes] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._write_warned = False
        self._record_key: bytes | None = None

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
            inline = self._pending_bytes + len(payload) > PENDING_MAX_BYTES
            if not inline:
                old = self._pending.get((kind, digest))
                self._pending_bytes += len(payload) - (len(old) if old is not None else 0)
                self._pending[(kind, digest)] = payload
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._write_loop, name="ocitrace-cache-writer", daemon=True
                    )
                    self._writer.start()
        if inline:  # the writer is behind: this worker writes its own entry (memory bound)
            self._write_now(kind, digest, payload)
            return
        self._queue.put((kind, digest, payload))

    def _write_now(self, kind: str, digest: str, payload: bytes) -> None:
        if kind == "repositories":
            self._touch(self._repository_path(digest))
        else:
            self._write(kind, digest, payload)

    def _write_loop(self) -> None:
        while (item := self._queue.get()) is not None:
            kind, digest, payload = item
            self._write_now(kind, digest, payload)
            with self._lock:
                if self._pending.get((kind, digest)) is payload:
                    del self._pending[(kind, digest)]
                    self._pending_bytes -= len(payload)

    @contextlib.contextmanager
    def flight(self, digest: str) -> Iterator[None]:
        """Hold the lock of one digest: concurrent misses on it wait for the first fetch.

        Several tags (or repositories) of one image are audited at once; without this
        every worker would miss and fetch the same manifest at the same moment.  The lock
        is forgotten when nobody holds or waits for it (a later miss finds the entry).
        """
        with self._lock:
            entry = self._flights.get(digest)
            if entry is None:
                entry = self._flights[digest] = [threading.Lock(), 0]
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._flights[digest]

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, self._writes, self._corrupt, self._evicted)

    # --- repositories seen ---------------------------------------------------------------

    def _repository_path(self, name: str) -> str:
        return os.path.join(self._root, "repositories", hashlib.sha256(name.encode()).hexdigest())

    def has_repository(self, name: str) -> bool:
        """Whether content of repository ``name`` (``host/path``) was stored here before.

        Only a hint for choosing ``HEAD`` before ``GET``: nothing is served from it.
        """
        return os.path.exists(self._repository_path(name))

    def add_repository(self, name: str) -> None:
        if self._write_behind:
            self._store("repositories", name, b"")
        else:
            self._touch(self._repository_path(name))

    def _touch(self, path: str) -> None:
        try:
            self._ensure_dir(os.path.dirname(path))
            try:
                os.utime(path)  # as Path.touch: a new mtime, else create it
            except FileNotFoundError:
                with open(path, "ab"):
                    pass
        except OSError as exc:
            self._write_failed(path, exc)

    def _write_failed(self, path: str | Path, exc: OSError) -> None:
        """One warning per cache (an unwritable ``--cache-dir`` is worth knowing about
        once, not per entry); the rest at info level."""
        with self._lock:
            first, self._write_warned = not self._write_warned, True
        if first:
            log.warning("cache %s is not writable (%s); continuing without it", self.root, exc)
        else:
            log.info("cache write %s failed: %s", path, exc)

    # --- raw entries -------------------------------------------------------------------

    def _path(self, kind: str, digest: str) -> str | None:
        m = _DIGEST_RE.fullmatch(digest)
        return f"{self._root}/{kind}/sha256/{m.group(1)}" if m else None

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

    # --- derived records (MAC-protected) -------------------------------------------------

    def _secret(self) -> bytes | None:
        """The cache's record key, created on first use (None: the cache is not writable,
        so no record can be trusted or written)."""
        with self._lock:
            cached = self._record_key
        if cached is not None:
            return cached
        path = os.path.join(self._root, "records.key")
        try:
            self._ensure_dir(self._root)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                with open(path, "rb") as f:
                    key = f.read()
            else:
                key = os.urandom(32)
                try:
                    _write_all(fd, key)
                finally:
                    os.close(fd)
        except OSError as exc:
            self._write_failed(path, exc)
            return None
        if len(key) != 32:
            return None  # another process is writing it, or it is damaged: no records now
        with self._lock:
            self._record_key = key
        return key

    def _mac(self, key: str, body: bytes) -> bytes | None:
        secret = self._secret()
        if secret is None:
            return None
        return hmac.new(secret, key.encode() + b"\n" + body, hashlib.sha256).hexdigest().encode()

    def get_record(self, key: str) -> bytes | None:
        """The record stored under ``key`` (``sha256:<hex>``) if its MAC is ours."""
        raw = self._read("records", key)
        if raw is None:
            return None
        mac, sep, body = raw.partition(b"\n")
        expected = self._mac(key, body)
        if expected is None:
            return None
        if not sep or not hmac.compare_digest(mac, expected):
            self._drop("records", key)
            return None
        self._count("_hits")
        return body

    def put_record(self, key: str, body: bytes) -> None:
        mac = self._mac(key, body)
        if mac is not None:
            self._store("records", key, mac + b"\n" + body)

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
            actual = os.stat(path).st_size
            if actual > self.max_bytes or (size is not None and actual != size):
                self._count("_misses")
                return None
            with open(path, "rb") as f:
                raw = f.read()
            os.utime(path)  # LRU: a hit makes the entry young again
        except OSError:
            self._count("_misses")
            return None
        return raw

    def _drop(self, kind: str, digest: str) -> None:
        path = self._path(kind, digest)
        log.warning(
            "cache entry %s/%s does not match its %s; removed",
            kind,
            digest,
            "MAC" if kind == "records" else "digest",
        )
        self._count("_misses")
        if path is None:
            return
        try:
            os.unlink(path)
        except FileNotFoundError:  # already removed by a worker that read the same entry
            return
        except OSError:
            pass
        # counted once per entry removed: two tags of one digest may both read it first
        self._count("_corrupt")

    def _write(self, kind: str, digest: str, payload: bytes) -> None:
        path = self._path(kind, digest)
        if path is None or len(payload) > self.max_bytes:
            return
        directory = os.path.dirname(path)
        tmp = f"{directory}/.tmp-{os.getpid()}-{threading.get_ident()}-{next(self._serial)}"
        try:
            self._ensure_dir(directory)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, payload)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot write only costs speed
            self._write_failed(path, exc)
            try:
                os.unlink(tmp)
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

    def _ensure_dir(self, directory: str) -> None:
        """``mkdir -p`` once per directory and process; the cache's own directories are
        private (0700): their listing would reveal which private images were audited."""
        if directory in self._dirs:
            return
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        current = self.root
        for part in Path(directory).relative_to(self.root).parts:
            current = current / part
            current.mkdir(mode=0o700, exist_ok=True)
        with self._lock:
            self._dirs.add(directory)

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits ``max_bytes``; count them."""
        entries: list[tuple[float, int, Path]] = []
        for kind in ("manifests", "blobs", "records"):
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
        self._fresh: dict[str, Descriptor] = {}
        self._fresh_lock = threading.Lock()

    @property
    def cache(self) -> DiskCache:
        return self._cache

    def resolve_once(self, ref: str) -> Descriptor:
        """Resolve ``ref`` now and let the next :meth:`resolve` of it take this answer
        instead of asking again (one image job looks a tag up, then walks it)."""
        desc = self._inner.resolve(ref)
        with self._fresh_lock:
            self._fresh[ref] = desc
        return desc

    def resolve(self, ref: str) -> Descriptor:
        with self._fresh_lock:
            desc = self._fresh.pop(ref, None)
        return desc if desc is not None else self._inner.resolve(ref)

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


# --- derived records: an image's rows -------------------------------------------------

#: bump when what a record holds, or how rows are derived, changes
RECORD_SCHEMA = 1
_MISSING = object()
_POLICY_FORMS: dict[Policy, Any] = {}
_POLICY_FORMS_LOCK = threading.Lock()


class RowRecords:
    """The rows of one image digest under one (resolved) policy and audit options.

    What varies with the run and not with the digest is left out or recomputed: the
    repository and tag come from the task; the policy's own checks (``evaluate``, which
    reads the clock for ``max-age``) run again at load; only the practice-finding
    failures, which depend on the digest's content and the policy alone, are stored.
    Rows with an error are never stored (the next run tries again).
    """

    def __init__(self, cache: DiskCache, options: Sequence[object]) -> None:
        self._cache = cache
        self._options = _canonical(list(options))
        self._facts_fields = [f.name for f in dataclasses.fields(Facts)]
        self._row_fields = [f.name for f in dataclasses.fields(Row)]

    @staticmethod
    def _policy_form(policy: Policy) -> Any:
        """The policy's canonical form, walked once per distinct policy in this process
        (the runner makes a RowRecords and a resolved policy copy per image: the memo is
        module-wide and keyed by value)."""
        try:
            with _POLICY_FORMS_LOCK:
                hit = _POLICY_FORMS.get(policy, _MISSING)
        except TypeError:  # a field that does not hash: canonicalise every time
            return _canonical(policy)
        if hit is not _MISSING:
            return hit
        form = _canonical(policy)
        with _POLICY_FORMS_LOCK:
            if len(_POLICY_FORMS) >= 64:  # many per-repository rules: keep it bounded
                _POLICY_FORMS.clear()
            _POLICY_FORMS[policy] = form
        return form

    def key(self, digest: str, policy: Policy) -> str:
        context = json.dumps(
            [
                RECORD_SCHEMA,
                __version__,
                digest,
                self._options,
                self._policy_form(policy),
                self._facts_fields,
                self._row_fields,
            ],
            sort_keys=True,
            separators=(",", ":"),
        )
        return "sha256:" + hashlib.sha256(context.encode()).hexdigest()

    def load(self, key: str, task: ImageTask, policy: Policy, now: datetime) -> list[Row] | None:
        body = self._cache.get_record(key)
        if body is None:
            return None
        try:
            doc = json.loads(body)
            rows = [_decode_row(r, task, policy, now) for r in doc["rows"]]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # ours (the MAC matched) but not readable by this code: a miss
        return rows

    def store(self, key: str, rows: Sequence[Row], policy: Policy, now: datetime) -> None:
        if any(r.error is not None or r.parts for r in rows):
            return
        encoded = []
        for r in rows:
            own = policy.evaluate(r.facts, now)
            if r.failures[: len(own)] != own:
                return  # failures not built as evaluate + findings: do not guess
            encoded.append(
                {
                    "digest": r.digest,
                    "platform": r.platform,
                    "facts": _encode_facts(r.facts),
                    "findingFailures": list(r.failures[len(own) :]),
                    "warnings": [list(w) for w in r.warnings],
                    "records": r.records,
                }
            )
        try:
            body = json.dumps({"rows": encoded}, separators=(",", ":")).encode()
        except (TypeError, ValueError):
            return  # a record that is not plain JSON is not cached
        self._cache.put_record(key, body)


def _encode_facts(facts: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Facts):
        value = getattr(facts, f.name)
        out[f.name] = {"datetime": value.isoformat()} if isinstance(value, datetime) else value
    return out


def _decode_facts(obj: dict[str, Any]) -> Facts:
    values = {}
    for f in dataclasses.fields(Facts):
        value = obj[f.name]
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["datetime"])
        values[f.name] = value
    return Facts(**values)


def _decode_row(obj: dict[str, Any], task: ImageTask, policy: Policy, now: datetime) -> Row:
    facts = _decode_facts(obj["facts"])
    return Row(
        repository=task.name,
        tag=task.tag,
        digest=str(obj["digest"]),
        platform=str(obj["platform"]),
        facts=facts,
        failures=policy.evaluate(facts, now) + tuple(str(f) for f in obj["findingFailures"]),
        warnings=tuple((str(c), str(m)) for c, m in obj["warnings"]),
        records=obj["records"],
    )


def _canonical(value: object) -> Any:
    """A JSON value standing for ``value`` the same way in every process (sets sorted,
    patterns by their source); anything unknown by its ``repr`` (at worst a miss)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "@": type(value).__name__,
            **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, re.Pattern):
        return {"re": value.pattern, "flags": value.flags}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if hasattr(value, "total_seconds"):
        return {"seconds": value.total_seconds()}  # type: ignore[attr-defined]
    return repr(value)
