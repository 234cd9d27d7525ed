"""Discovery across every store, in FORMATS.md §0 order, concurrent where independent.

1. BuildKit entries of the index (no requests);
2./3. referrers of the index digest and of every platform manifest digest (the Source
   does the API → ``sha256-<hex>`` tag fallback and remembers per repository whether
   the API exists);
4. cosign ``sha256-<hex>.att``/``.sig``/``.sbom`` tags (same repo, or ``cosign_source``
   for ``COSIGN_REPOSITORY``).

Manifests are then de-duplicated by digest (first store wins, the others are kept in
``also_in``), fetched, and their layers decoded.  ``subject`` is never required and a
listing's ``artifactType`` is never trusted alone: every manifest is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import NotFound
from ..oci.model import Platform
from ..oci.platform import format_platform, normalized_key
from ..source import Fetched, Source
from .collect import DEFAULT_MAX_BLOB_SIZE, attestations_of, fetch_candidate
from .consistency import check_all
from .local import LocalFile, with_local_files
from .model import ALL_LOOKUPS, INDEX_LEVEL, Check, Discovery, PlatformImage, Store, lookups_for
from .stores import COSIGN_SUFFIXES, Candidate, lookup_cosign, lookup_referrers
from .toplevel import TopLevel, split_top

_T = TypeVar("_T")
_R = TypeVar("_R")

__all__ = ["ALL_LOOKUPS", "discover", "lookups_for", "select_images"]

log = logging.getLogger(__name__)


def discover(
    source: Source,
    top: Fetched,
    *,
    platforms: Sequence[Platform] | None = None,
    lookups: Collection[str] = ALL_LOOKUPS,
    cosign_source: Source | None = None,
    fetch_blobs: bool = True,
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
    workers: int = 8,
    name: str | None = None,
    local_files: Sequence[LocalFile] = (),
) -> Discovery:
    """Find every attestation, signature and SBOM of ``top`` in ``source``.

    ``platforms`` restricts the platform images looked at (raises
    :class:`~ocitrace.errors.NotFound` when one matches nothing); index-level items are
    always included.  ``fetch_blobs=False`` lists without downloading layers (predicate
    types then come from annotations only).  Never raises for a store's failure: it is
    recorded in ``checked``.  ``name`` (default: the source's) is the reference errors name.
    ``local_files`` (:func:`~ocitrace.discover.local.read_local_files`) are added after the
    stores' items (store ``file``), checked against ``top``'s digest
    (:func:`~ocitrace.discover.local.with_local_files`).
    """
    tl = split_top(source, top)
    images = select_images(tl.images, platforms, name=name or source.name)
    platform_of = {i.digest: i.platform for i in tl.images}
    if tl.is_index:
        platform_of[top.descriptor.digest] = INDEX_LEVEL
    digests = [top.descriptor.digest] + ([i.digest for i in images] if tl.is_index else [])
    checks: list[Check] = []
    candidates: list[Candidate] = []
    if "buildkit" in lookups:
        found, check = _buildkit_candidates(source, tl, top, {i.digest for i in images})
        candidates += found
        checks.append(check)
    tasks = _lookup_tasks(source, cosign_source or source, digests, lookups)
    with _FanOut(workers) as pool:
        # the first referrers call runs alone: it teaches the Source whether the API
        # exists, so the fan-out does not send one doomed API request per digest
        head = [tasks[0]()] if tasks else []
        for found_l, checks_l in head + list(pool.map(lambda t: t(), tasks[1:])):
            candidates += found_l
            checks += checks_l
        unique, also = _dedupe(candidates)
        fetched = list(pool.map(fetch_candidate, unique))
        groups = list(
            pool.map(
                lambda fc: attestations_of(
                    fc,
                    platform_of.get(fc.candidate.attached_to, "unknown"),
                    also_in=also.get(fc.candidate.listed.digest, ()),
                    fetch_blobs=fetch_blobs,
                    max_blob_size=max_blob_size,
                ),
                fetched,
            )
        )
    items = tuple(a for g in groups for a in g)
    findings = check_all(
        is_index=tl.is_index,
        images=images,
        all_images=tl.images,
        buildkit=tl.buildkit,
        fetched=fetched,
        items=items,
    )
    result = Discovery(top.descriptor, images, items, tuple(checks), findings, tl.is_index)
    return with_local_files(result, local_files, tl.images) if local_files else result


class _FanOut:
    """``ThreadPoolExecutor.map`` for a handful of items: the first runs in the calling
    thread (which would only wait), the others on a pool of ``workers - 1`` threads made
    on first need — the same concurrency, and no thread at all for one item (an audit
    calls :func:`discover` once per image: threads are its cost, not the fetches')."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _FanOut:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def map(self, fn: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
        todo = list(items)
        if len(todo) <= 1 or self._workers == 1:
            return [fn(i) for i in todo]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers - 1)
        futures = [self._pool.submit(fn, i) for i in todo[1:]]
        try:
            first = fn(todo[0])
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        return [first] + [f.result() for f in futures]


def select_images(
    images: Sequence[PlatformImage], platforms: Sequence[Platform] | None, *, name: str = ""
) -> tuple[PlatformImage, ...]:
    """Images whose normalised platform equals one asked for (all when none asked)."""
    if not platforms:
        return tuple(images)
    out: list[PlatformImage] = []
    for want in platforms:
        key = normalized_key(want)
        hits = [i for i in images if i.platform == key and i not in out]
        if not hits:
            have = ", ".join(i.platform for i in images) or "none"
            raise NotFound(
                f"{name}: no image for platform {format_platform(want)}",
                input=format_platform(want),
                hint=f"platforms available: {have}",
            )
        out += hits
    return tuple(out)


def _buildkit_candidates(
    source: Source, tl: TopLevel, top: Fetched, selected: set[str]
) -> tuple[list[Candidate], Check]:
    if not tl.is_index:
        return [], Check(top.descriptor.digest, "buildkit index entries", "not an index")
    found = [
        Candidate(e.descriptor, Store.BUILDKIT, e.target, f"index entry for {e.target}", source)
        for e in tl.buildkit
        if e.target in selected or e.target not in {i.digest for i in tl.images}
    ]
    answer = f"{len(found)} attestation manifest(s)" if found else "none"
    return found, Check(top.descriptor.digest, "buildkit index entries", answer)


def _lookup_tasks(
    source: Source, cosign_source: Source, digests: Iterable[str], lookups: Collection[str]
) -> list[Callable[[], tuple[list[Candidate], list[Check]]]]:
    tasks: list[Callable[[], tuple[list[Candidate], list[Check]]]] = []
    for d in digests:
        if "referrers" in lookups:
            tasks.append(lambda d=d: lookup_referrers(source, d))  # type: ignore[misc]
        if "cosign" in lookups:
            for suffix in COSIGN_SUFFIXES:
                tasks.append(lambda d=d, s=suffix: lookup_cosign(cosign_source, d, s))  # type: ignore[misc]
    return tasks


def _dedupe(
    candidates: Iterable[Candidate],
) -> tuple[list[Candidate], dict[str, tuple[Store, ...]]]:
    """First candidate per manifest digest; the other stores that listed it."""
    first: dict[str, Candidate] = {}
    also: dict[str, tuple[Store, ...]] = {}
    for c in candidates:
        d = c.listed.digest
        if d not in first:
            first[d] = c
        elif c.store is not first[d].store and c.store not in also.get(d, ()):
            also[d] = (*also.get(d, ()), c.store)
    return list(first.values()), also
