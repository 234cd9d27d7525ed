"""audit.cache records: a warm audit takes an image digest's rows from the cache (MAC-checked),
makes no manifest or blob reads at all, and a tampered record is ignored and re-derived."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ocitrace.audit.cache import CachingSource, DiskCache
from ocitrace.audit.policy import Policy, parse_policy
from ocitrace.audit.runner import AuditOptions, AuditReport, run_audit
from ocitrace.audit.targets import parse_target
from ocitrace.registry import RegistryClient
from ocitrace.source import Source
from ocitrace.transport import Transport
from tests.audit.test_registry import Counting
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

from .cachedb import delete_kinds, entries, set_body

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

IMAGES = {
    "rc/app-max": [("multi-prov-max", "v1"), ("multi-prov-max", "v2")],
    "rc/app-sbom": [("sbom-prov-multi", "v1")],
    "rc/plain": [("single-plain", "arm")],
}
NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    reg = start_registry(tmp_path_factory.mktemp("records-registry"))
    try:
        for repo, items in IMAGES.items():
            for fixture, tag in items:
                push_layout(reg, fixture_dir(fixture), repo, tag)
        yield reg
    finally:
        reg.stop()


def audit(
    reg: RunningRegistry, cache: DiskCache | None, policy: Policy, now: datetime = NOW
) -> tuple[list[str], AuditReport]:
    log: list[str] = []
    with Transport() as transport:
        client = RegistryClient(transport)

        def opener(registry: str, repository: str) -> Source:
            counted = Counting(client.repository(registry, repository), log)
            return counted if cache is None else CachingSource(counted, cache)

        report = run_audit(
            [parse_target(f"{reg.host}/{r}") for r in IMAGES],
            client,
            AuditOptions(policy=policy, now=now),
            open_source=opener,
        )
    return log, report


def rows(report: AuditReport) -> list[dict[str, object]]:
    return [r.to_json() for r in report.rows]


def drop_content(root: Path) -> None:
    """Remove the cached manifests and blobs: only the records (and the hints) are left."""
    delete_kinds(root, "manifests", "blobs")


def test_warm_audit_reads_records_only(registry: RunningRegistry, tmp_path: Path) -> None:
    policy = parse_policy(require=["provenance"])
    cold_log, cold = audit(registry, DiskCache(tmp_path), policy)
    assert [e for e in cold_log if e.startswith("GET blob")]  # cold: layers were fetched
    assert (
        len(entries(tmp_path, "records")) == 3
    )  # one per distinct image digest (v1 and v2 are one image)
    drop_content(tmp_path)
    cache = DiskCache(tmp_path)
    warm_log, warm = audit(registry, cache, policy)
    assert [e for e in warm_log if e.startswith("GET")] == []  # nothing fetched, nothing read
    assert sorted(e for e in warm_log if e.startswith("HEAD")) == [
        "HEAD arm",
        "HEAD v1",
        "HEAD v1",
        "HEAD v2",
    ]
    assert entries(tmp_path, "manifests") == {} and entries(tmp_path, "blobs") == {}
    assert cache.stats().hits == 4 and cache.stats().corrupt == 0  # v2 hits v1's record
    assert rows(warm) == rows(cold)
    # the same rows as an audit without any cache
    _, uncached = audit(registry, None, policy)
    assert rows(warm) == rows(uncached)


def test_tampered_record_is_ignored_and_rederived(
    registry: RunningRegistry, tmp_path: Path
) -> None:
    policy = parse_policy(require=["sbom"])
    _, cold = audit(registry, DiskCache(tmp_path), policy)
    # the forged field itself, not "999" alone: the MAC line is random hex and holds "999"
    # for about one record in seventy (which made this test flaky)
    honest, forged = b'"sbom_packages":null', b'"sbom_packages":999'
    for key, raw in entries(tmp_path, "records").items():  # keep the MAC, forge what it covers
        set_body(tmp_path, "records", key, raw.replace(honest, forged))
    changed = [k for k, raw in entries(tmp_path, "records").items() if forged in raw]
    assert changed  # at least one record said "no SBOM" and now lies
    drop_content(tmp_path)
    cache = DiskCache(tmp_path)
    warm_log, warm = audit(registry, cache, policy)
    assert cache.stats().corrupt == len(changed)  # each forged record dropped ...
    assert [e for e in warm_log if e.startswith("GET blob")]  # ... and its image re-read
    assert rows(warm) == rows(cold)
    stored = entries(tmp_path, "records")
    for key in changed:  # re-derived and stored again, with a valid MAC
        assert key in stored and forged not in stored[key] and honest in stored[key]


def test_age_is_judged_at_load_time(registry: RunningRegistry, tmp_path: Path) -> None:
    """A record keeps the digest's facts, not the verdict of the clock it was made with."""
    policy = parse_policy(max_age="3650d")
    _, young = audit(registry, DiskCache(tmp_path), policy)
    later = NOW + timedelta(days=365 * 30)
    drop_content(tmp_path)
    warm_log, old = audit(registry, DiskCache(tmp_path), policy, now=later)
    assert [e for e in warm_log if e.startswith("GET")] == []
    _, reference = audit(registry, None, policy, now=later)
    assert rows(old) == rows(reference)
    assert sum(len(r.failures) for r in old.rows) > sum(len(r.failures) for r in young.rows)


def test_another_policy_is_another_record(registry: RunningRegistry, tmp_path: Path) -> None:
    audit(registry, DiskCache(tmp_path), parse_policy(require=["provenance"]))
    drop_content(tmp_path)
    log, report = audit(registry, DiskCache(tmp_path), parse_policy(require=["sbom"]))
    assert [e for e in log if e.startswith("GET manifest sha256:")]  # not served from records
    _, reference = audit(registry, None, parse_policy(require=["sbom"]))
    assert rows(report) == rows(reference)


def test_record_key_follows_the_policy_value_not_the_object(tmp_path: Path) -> None:
    """The policy's canonical form is memoised by value across RowRecords: equal policies
    (the runner's per-image resolved copies) share a key, a different policy never does."""
    from ocitrace.audit.cache import RowRecords

    digest = "sha256:" + "a" * 64
    one = RowRecords(DiskCache(tmp_path), ["opts"])
    other = RowRecords(DiskCache(tmp_path), ["opts"])
    strict, loose = parse_policy(require=["provenance"]), parse_policy(require=["sbom"])
    key = one.key(digest, strict)
    assert other.key(digest, parse_policy(require=["provenance"])) == key
    assert one.key(digest, loose) != key
    assert one.key(digest, strict) == key  # after another policy was memoised
    assert RowRecords(DiskCache(tmp_path), ["other opts"]).key(digest, strict) != key
