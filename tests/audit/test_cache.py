"""audit.cache: verified reads, LRU eviction, and the caching Source over a real layout."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.audit.cache import CachingSource, DiskCache, default_cache_dir
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor, Index, Manifest
from ocitrace.source import Fetched, Referrers

from .cachedb import entries, set_body, set_used

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "buildkit"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_blob_roundtrip_and_corruption_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    data = b'{"hello":"world"}'
    cache.put_blob(digest(data), data)
    assert cache.get_blob(digest(data)) == data
    set_body(tmp_path, "blobs", digest(data), b"tampered")
    assert cache.get_blob(digest(data)) is None
    assert digest(data) not in entries(tmp_path, "blobs")  # removed, not left to fail again
    stats = cache.stats()
    assert (stats.hits, stats.corrupt, stats.writes) == (1, 1, 1)


def test_wrong_digest_is_never_stored(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put_blob("sha256:" + "0" * 64, b"abc")
    cache.put_manifest("sha256:" + "0" * 64, "x", b"abc")
    assert cache.stats().writes == 0
    assert cache.get_blob("sha256:" + "0" * 64) is None


def test_writing_past_the_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=250)
    blobs = [bytes([i]) * 100 for i in range(3)]
    for i, b in enumerate(blobs[:2]):
        cache.put_blob(digest(b), b)
        set_used(tmp_path, "blobs", digest(b), 1000 + i)
    # reading the oldest makes it the most recently used
    assert cache.get_blob(digest(blobs[0])) == blobs[0]
    cache.put_blob(digest(blobs[2]), blobs[2])  # 300 bytes > 250: one must go
    assert cache.stats().evicted == 1
    assert cache.get_blob(digest(blobs[1])) is None
    assert cache.get_blob(digest(blobs[0])) == blobs[0]
    assert cache.get_blob(digest(blobs[2])) == blobs[2]


def test_default_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "ocitrace"


class Counting:
    """Wraps a Source and counts manifest and blob reads."""

    def __init__(self, inner: LayoutSource) -> None:
        self.inner = inner
        self.manifests: list[str] = []
        self.blobs: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    def resolve(self, ref: str) -> Descriptor:
        return self.inner.resolve(ref)

    def manifest(self, ref: str) -> Fetched:
        self.manifests.append(ref)
        return self.inner.manifest(ref)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        self.blobs.append(desc.digest)
        return self.inner.blob(desc, max_size=max_size)

    def tags(self) -> Iterator[str]:
        return self.inner.tags()

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self.inner.referrers(digest, artifact_type)


def walk_attestations(src: CachingSource) -> list[bytes]:
    top = src.resolve("v1")
    index = Index.parse(src.manifest(top.digest).data)
    out = []
    for d in index.manifests:
        m = Manifest.parse(src.manifest(d.digest).data)
        out.extend(src.blob(layer) for layer in m.layers if "in-toto" in layer.media_type)
    return out


def test_second_walk_reads_nothing_from_the_source(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    first = Counting(LayoutSource(FIXTURES / "multi-prov-max"))
    cold = walk_attestations(CachingSource(first, cache))
    assert len(first.manifests) == 7 and len(first.blobs) == 3
    second = Counting(LayoutSource(FIXTURES / "multi-prov-max"))
    warm = walk_attestations(CachingSource(second, cache))
    assert warm == cold
    assert second.manifests == [] and second.blobs == []
    fetched = CachingSource(second, cache).manifest(
        "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
    )
    assert fetched.descriptor.media_type == "application/vnd.oci.image.index.v1+json"


def test_tags_are_never_cached(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    inner = Counting(LayoutSource(FIXTURES / "multi-prov-max"))
    src = CachingSource(inner, cache)
    src.manifest("v1")
    src.manifest("v1")
    assert inner.manifests == ["v1", "v1"]


def test_write_behind_reads_pending_entries_and_close_writes_them(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, write_behind=True)
    blobs = [bytes([i]) * 3000 for i in range(50)]
    for b in blobs:
        cache.put_blob(digest(b), b)
    cache.put_manifest(digest(b"{}"), "application/vnd.oci.image.manifest.v1+json", b"{}")
    cache.put_blob("sha256:" + "0" * 64, b"abc")  # wrong digest: never stored, never served
    # readable at once, whether or not the writer thread got to them yet
    assert [cache.get_blob(digest(b)) for b in blobs] == blobs
    assert cache.get_manifest(digest(b"{}")) == (
        "application/vnd.oci.image.manifest.v1+json",
        b"{}",
    )
    assert cache.get_blob("sha256:" + "0" * 64) is None
    cache.close()
    assert sorted(entries(tmp_path, "blobs")) == sorted(digest(b) for b in blobs)
    assert cache.stats().writes == 51
    # a fresh cache over the same directory reads them from disk
    again = DiskCache(tmp_path)
    assert again.get_blob(digest(blobs[7])) == blobs[7]
    assert again.get_manifest(digest(b"{}")) is not None


def test_write_behind_is_bounded_beyond_it_workers_write_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocitrace.audit.cache as cache_mod

    monkeypatch.setattr(cache_mod, "PENDING_MAX_BYTES", 10_000)
    cache = DiskCache(tmp_path, write_behind=True)
    blobs = [bytes([i]) * 3000 for i in range(20)]
    for b in blobs:
        cache.put_blob(digest(b), b)
        assert cache._pending_bytes <= 10_000  # never more held than the bound
    assert [cache.get_blob(digest(b)) for b in blobs] == blobs
    cache.close()
    assert cache._pending_bytes == 0 and not cache._pending
    assert sorted(entries(tmp_path, "blobs")) == sorted(digest(b) for b in blobs)


def test_flight_locks_are_forgotten_when_released(tmp_path: Path) -> None:
    import threading

    cache = DiskCache(tmp_path)
    d = digest(b"x")
    order: list[str] = []

    def second() -> None:
        with cache.flight(d):
            order.append("second")

    with cache.flight(d):
        t = threading.Thread(target=second)
        t.start()
        for _ in range(500):  # until the second thread queues on the same lock
            if cache._flights[d][1] == 2:
                break
            t.join(0.01)
        assert t.is_alive() and cache._flights[d][1] == 2  # it waits: one lock, two holders
        order.append("first")
    t.join()
    assert order == ["first", "second"]  # the second miss waited for the first
    assert cache._flights == {}


def test_may_answer_asks_the_cache_once_per_source(tmp_path: Path) -> None:
    """The tags of one repository are audited at once: the answer is the cache's state
    when first asked, not after another tag stored its manifests (a cold audit would
    then send a HEAD more for later tags — seen as 57–104 per 1,000 images)."""
    entered, release = threading.Event(), threading.Event()

    class SlowCache(DiskCache):
        calls = 0

        def has_repository(self, name: str) -> bool:
            self.calls += 1
            if self.calls == 1:
                entered.set()
                release.wait(5)
                return False  # first look: nothing of this repository here yet
            return True  # a later look would see what this run stored meanwhile

    cache = SlowCache(tmp_path)
    source = CachingSource(LayoutSource(FIXTURES / "multi-prov-max"), cache)
    answers: list[bool] = []
    first = threading.Thread(target=lambda: answers.append(source.may_answer()))
    first.start()
    assert entered.wait(5)
    second = threading.Thread(target=lambda: answers.append(source.may_answer()))
    second.start()
    second.join(0.2)  # without the lock it asks the cache now, and answers True first
    release.set()
    first.join(5)
    second.join(5)
    assert answers == [False, False] and cache.calls == 1
    assert source.may_answer() is False and cache.calls == 1
