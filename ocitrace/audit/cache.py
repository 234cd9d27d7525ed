"""Digest-keyed disk cache for immutable content, and a caching :class:`Source` wrapper.

Only content addressed by digest is cached (manifests, blobs); tags and tag lists move
and always go to the registry (a manifest fetched by tag is stored under its digest).
Which repositories ever had content stored is remembered too, as a hint: for those a tag
is resolved with ``HEAD`` first, since its manifest is probably here.  Every read is
re-hashed: an entry that no longer matches its digest is deleted and treated as a miss.
The cache is bounded in bytes; when writes take it over the bound the least recently
used entries (by their use time, renewed on every hit) are removed.  Entries live in one
SQLite database (WAL mode, one transaction per batch of writes), so concurrent processes
and threads never see half an entry.

Derived results are cached too (issue 14): the rows one image digest gave under one
policy and set of options (:class:`RowRecords`).  A digest names immutable bytes, so
what was derived from those verified bytes is as safe to keep as the bytes — provided
the entry is ours: a record cannot be re-hashed against its digest like a blob, so each
carries an HMAC-SHA256 under a random key private to the cache directory
(``records.key``, 0600).  A record whose MAC does not match is removed and the image is
audited from the bytes again.  A warm audit then reads one small record per image
instead of its index, attestation manifests and layers, and decodes nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import hmac
import json
import os
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..lazylog import getLogger
from ..oci.model import Descriptor
from ..source import Fetched, Source, SourceWrapper
from .facts import Facts
from .rows import PackedRecords, Row, records_json, records_warn

if TYPE_CHECKING:
    import sqlite3

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

log = getLogger(__name__)  # logging itself: imported when a record is emitted

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: write-behind: entries waiting for the writer thread at most (then workers write inline)
PENDING_MAX_BYTES = 16 * 1024 * 1024
_DIGEST_RE = re.compile(r"sha256:([a-f0-9]{64})")
_ALGORITHMS = {"sha256": hashlib.sha256}
_DB_NAME = "entries.db"
_REPOSITORIES = "repositories"  # a repository seen (key: sha256 of its name), no body
_BUSY_SECONDS = 5.0  # wait this long for another process's write transaction
_BATCH_ENTRIES = 256  # at most this many entries per write transaction
#: kind: blobs, manifests, records, repositories; key: the digest (a record's key);
#: used: when last written or read (seconds since the epoch), for LRU eviction
_SCHEMA = """CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body BLOB NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (kind, key)
)"""


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
    """One SQLite database ``<root>/entries.db``: a row per entry (kind, digest, body).

    One file instead of one per entry: creating a file is the expensive part of a cold
    audit's cache writes (an inode and a directory entry each, ~6 per image, and slower
    still right after a cache was emptied), and a batch of rows is one transaction.
    WAL mode lets other processes read while one writes; losing the last transactions on
    a power cut only costs speed (every read is verified).  A manifest's body starts with
    its media type line.  The record key stays in its own file (``records.key``, 0600).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        write_behind: bool = False,
    ) -> None:
        """``write_behind``: entries are written by one background thread in batches, so a
        worker never waits for the disk (reads see pending entries); :meth:`close` writes
        what is left.  Off, every ``put_*`` has written its entry on return."""
        self.root = Path(root)
        self._root = os.fspath(self.root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db_lock = threading.Lock()  # one connection, used by one thread at a time
        self._db: sqlite3.Connection | None = None
        self._db_failed = False
        self._hits = self._misses = self._writes = self._corrupt = self._evicted = 0
        self._written_since_sweep = 0
        #: digest → [lock, holders]: dropped when its last holder leaves (no lock per
        #: digest kept for the whole run)
        self._flights: dict[str, list[Any]] = {}
        self._write_behind = write_behind
        self._pending: dict[tuple[str, str], bytes] = {}
        self._pending_bytes = 0  # bounded by PENDING_MAX_BYTES: beyond it, writes are inline
        self._touched: set[tuple[str, str]] = set()  # hits whose use time is not yet written
        self._queue: queue.SimpleQueue[tuple[str, str, bytes] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._write_warned = False
        self._record_key: bytes | None = None

    def close(self) -> None:
        """Write every pending entry (write-behind mode) and the hits' use times, stop the
        writer thread and close the database."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()
        self._write_batch([])  # use times of hits since the last batch
        with self._db_lock:
            db, self._db = self._db, None
            if db is not None:
                db.close()

    # --- the database --------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The database file."""
        return self.root / _DB_NAME

    def _connection(self) -> sqlite3.Connection | None:
        """The open database (created on first use; called with ``_db_lock`` held).
        None when it cannot be opened: the cache then only costs nothing."""
        if self._db is not None or self._db_failed:
            return self._db
        import sqlite3

        path = os.fspath(self.path)
        try:
            self._ensure_dir()
            # created 0600 before SQLite opens it: its -wal/-shm files take the same mode
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            db = sqlite3.connect(
                path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA)
            except BaseException:
                db.close()
                raise
        except (OSError, sqlite3.Error) as exc:
            self._db_failed = True
            self._write_failed(path, exc)
            return None
        self._db = db
        return db

    def _query(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of a read; None when absent or the database cannot answer."""
        import sqlite3

        with self._db_lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row: tuple[Any, ...] | None = db.execute(sql, args).fetchone()
            except sqlite3.Error as exc:
                log.info("cache read %s failed: %s", self.path, exc)
                return None
        return row

    def _store(self, kind: str, key: str, payload: bytes) -> None:
        if not self._write_behind:
            self._write_batch([(kind, key, payload)])
            return
        with self._lock:
            inline = self._pending_bytes + len(payload) > PENDING_MAX_BYTES
            if not inline:
                old = self._pending.get((kind, key))
                self._pending_bytes += len(payload) - (len(old) if old is not None else 0)
                self._pending[(kind, key)] = payload
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._write_loop, name="ocitrace-cache-writer", daemon=True
                    )
                    self._writer.start()
        if inline:  # the writer is behind: this worker writes its own entry (memory bound)
            self._write_batch([(kind, key, payload)])
            return
        self._queue.put((kind, key, payload))

    def _write_loop(self) -> None:
        """Take what is queued (waiting for the first item only) and write it as one
        transaction; until ``None`` arrives."""
        stop = False
        while not stop:
            batch: list[tuple[str, str, bytes]] = []
            item = self._queue.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= _BATCH_ENTRIES:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            else:
                stop = True
            self._write_batch(batch)
            with self._lock:
                for kind, key, payload in batch:
                    if self._pending.get((kind, key)) is payload:
                        del self._pending[(kind, key)]
                        self._pending_bytes -= len(payload)

    def _write_batch(self, batch: Sequence[tuple[str, str, bytes]]) -> None:
        """Insert ``batch`` (and the use times of recent hits) in one transaction; evict
        when the bytes written since the last sweep make it worth a look."""
        import sqlite3

        with self._lock:
            touched, self._touched = self._touched, set()
        if not batch and not touched:
            return
        now = time.time()
        kept = [entry for entry in batch if len(entry[2]) <= self.max_bytes]  # (never read)
        with self._db_lock:
            db = self._connection()
            if db is None:
                return
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    if touched:
                        db.executemany(
                            "UPDATE entries SET used = ? WHERE kind = ? AND key = ?",
                            [(now, kind, key) for kind, key in touched],
                        )
                    db.executemany(
                        "INSERT OR REPLACE INTO entries (kind, key, body, used) "
                        "VALUES (?, ?, ?, ?)",
                        [(kind, key, payload, now) for kind, key, payload in kept],
                    )
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:  # a cache that cannot write only costs speed
                self._write_failed(self.path, exc)
                return
        with self._lock:
            self._writes += sum(1 for kind, _, _ in kept if kind != _REPOSITORIES)
            self._written_since_sweep += sum(len(payload) for _, _, payload in kept)
            sweep = self._written_since_sweep > max(self.max_bytes // 16, 1)
            if sweep:
                self._written_since_sweep = 0
        if sweep:
            self.evict()

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

    @staticmethod
    def _repository_key(name: str) -> str:
        return hashlib.sha256(name.encode()).hexdigest()

    def has_repository(self, name: str) -> bool:
        """Whether content of repository ``name`` (``host/path``) was stored here before.

        Only a hint for choosing ``HEAD`` before ``GET``: nothing is served from it.
        """
        key = self._repository_key(name)
        if self._pending:
            with self._lock:
                if (_REPOSITORIES, key) in self._pending:
                    return True
        return (
            self._query("SELECT 1 FROM entries WHERE kind = ? AND key = ?", (_REPOSITORIES, key))
            is not None
        )

    def add_repository(self, name: str) -> None:
        self._store(_REPOSITORIES, self._repository_key(name), b"")

    def _write_failed(self, path: str | Path, exc: Exception) -> None:
        """One warning per cache (an unwritable ``--cache-dir`` is worth knowing about
        once, not per entry); the rest at info level."""
        with self._lock:
            first, self._write_warned = not self._write_warned, True
        if first:
            log.warning("cache %s is not writable (%s); continuing without it", self.root, exc)
        else:
            log.info("cache write %s failed: %s", path, exc)

    # --- raw entries -------------------------------------------------------------------

    def _count(self, attr: str) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + 1)

    def get_blob(self, digest: str, size: int | None = None) -> bytes | None:
        """The bytes stored under ``digest`` if present and still hashing to it; with
        ``size``, an entry of another size is a miss without being read."""
        raw = self._read("blobs", digest, size)
        if raw is None:
            return None
        if not _verify(digest, raw):
            self._drop("blobs", digest)
            return None
        self._hit("blobs", digest)
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
        self._hit("manifests", digest)
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
            self._ensure_dir()
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
        self._hit("records", key)
        return body

    def put_record(self, key: str, body: bytes) -> None:
        mac = self._mac(key, body)
        if mac is not None:
            self._store("records", key, mac + b"\n" + body)

    def _read(self, kind: str, digest: str, size: int | None = None) -> bytes | None:
        """The entry's bytes; one of the wrong size (or larger than the cache bound, which
        no write makes) is not read: a planted huge entry costs no memory."""
        if not _DIGEST_RE.fullmatch(digest):
            return None
        if self._pending:
            with self._lock:
                pending = self._pending.get((kind, digest))
            if pending is not None:
                return pending  # verified by the caller like any other read
        # length() of a BLOB comes from the record header: the body is read only if it fits
        row = self._query(
            "SELECT CASE WHEN length(body) <= ? AND (? IS NULL OR length(body) = ?) "
            "THEN body END FROM entries WHERE kind = ? AND key = ?",
            (self.max_bytes, size, size, kind, digest),
        )
        if row is None or not isinstance(row[0], bytes):
            self._count("_misses")
            return None
        return row[0]

    def _hit(self, kind: str, digest: str) -> None:
        """Count a hit; its entry becomes the most recently used at the next write."""
        with self._lock:
            self._hits += 1
            self._touched.add((kind, digest))

    def _drop(self, kind: str, digest: str) -> None:
        import sqlite3

        log.warning(
            "cache entry %s/%s does not match its %s; removed",
            kind,
            digest,
            "MAC" if kind == "records" else "digest",
        )
        self._count("_misses")
        with self._db_lock:
            db = self._connection()
            if db is None:
                return
            try:
                gone = db.execute(
                    "DELETE FROM entries WHERE kind = ? AND key = ?", (kind, digest)
                ).rowcount
            except sqlite3.Error:
                return
        # counted once per entry removed: two tags of one digest may both read it first
        if gone:
            self._count("_corrupt")

    def _ensure_dir(self) -> None:
        """``mkdir -p`` of the root, private (0700): its content would reveal which
        private images were audited."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits ``max_bytes``; count them."""
        import sqlite3

        with self._db_lock:
            db = self._connection()
            if db is None:
                return 0
            try:
                (total,) = db.execute("SELECT total(length(body)) FROM entries").fetchone()
                doomed: list[tuple[str, str]] = []
                if total > self.max_bytes:
                    for kind, key, size in db.execute(
                        "SELECT kind, key, length(body) FROM entries ORDER BY used, rowid"
                    ):
                        if total <= self.max_bytes:
                            break
                        doomed.append((kind, key))
                        total -= size
                if doomed:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", doomed)
                    db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                log.info("cache eviction in %s failed: %s", self.path, exc)
                return 0
        with self._lock:
            self._evicted += len(doomed)
        return len(doomed)


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
        self._seen_lock = threading.Lock()
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
        """Whether this cache held content of this repository when first asked: then a
        tag is worth a ``HEAD`` first (its manifest is likely here); else ``GET`` it
        straight away.

        Asked once per source, under a lock: the tags of one repository are audited at
        once, and an answer looked up after another tag's manifests were stored would be
        "yes" — in a cold audit, a ``HEAD`` more per image that finds no record."""
        seen = self._seen
        if seen is None:
            with self._seen_lock:
                seen = self._seen
                if seen is None:
                    seen = self._seen = self._cache.has_repository(self.name)
        return seen

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
RECORD_SCHEMA = 2  # 2: records as their packed JSON text (recordsJson, warns)
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
            recs = r.records
            text: str | None
            if isinstance(recs, PackedRecords):  # packed already: its text as it is
                text, warns = recs.json_text(), recs.warns
            elif recs:
                text, warns = records_json(recs), records_warn(recs)
            else:
                text, warns = "", False
            if text is None:
                return  # a record that is not plain JSON is not cached
            encoded.append(
                {
                    "digest": r.digest,
                    "platform": r.platform,
                    "facts": _encode_facts(r.facts),
                    "findingFailures": list(r.failures[len(own) :]),
                    "warnings": [list(w) for w in r.warnings],
                    # the text PackedRecords holds: a load packs it without decoding it
                    "recordsJson": text,
                    "warns": warns,
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
    text = obj["recordsJson"]
    if not isinstance(text, str):
        raise TypeError("recordsJson")
    return Row(
        repository=task.name,
        tag=task.tag,
        digest=str(obj["digest"]),
        platform=str(obj["platform"]),
        facts=facts,
        failures=policy.evaluate(facts, now) + tuple(str(f) for f in obj["findingFailures"]),
        warnings=tuple((str(c), str(m)) for c, m in obj["warnings"]),
        records=PackedRecords.from_json(text, bool(obj["warns"])) if text else {},
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
