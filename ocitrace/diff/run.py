"""Collect both sides of a diff concurrently and compare them platform by platform.

Per side: the top-level manifest, attestation discovery (every store asked for), and for
each selected platform its image manifest and config blob.  Layers of the images are
never fetched.  Both sides go through one :class:`~ocitrace.diff.fetch.SharedFetches`,
so a digest present on both sides costs one request.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..attest.provenance import ProvenanceRecord
from ..attest.sbom import Sbom
from ..discover import ALL_LOOKUPS, Discovery, discover
from ..discover.collect import DEFAULT_MAX_BLOB_SIZE
from ..discover.model import Attestation, PlatformImage
from ..discover.select import provenances, sboms
from ..discover.toplevel import split_top
from ..errors import NotFound
from ..inspect.image import ConfigFile, decode_image
from ..oci import mediatypes as mt
from ..oci.model import Manifest, Platform
from ..oci.platform import normalized_key, parse_platform
from ..source import Fetched, Source
from .compare import (
    attestation_entries,
    diff_attestations,
    diff_config,
    diff_provenance,
    diff_sbom,
)
from .fetch import MemoSource, SharedFetches
from .model import ImageDiff, PlatformDiff, SbomDiff, Side

if TYPE_CHECKING:
    from ..verify import Policy

__all__ = ["DiffSide", "diff_sources"]

_Config = tuple[ConfigFile | None, Manifest | None]


@dataclass(frozen=True, slots=True)
class DiffSide:
    """One side's inputs: its Source, the tag or digest in it, the name to show, and
    where its cosign tags live (None: the same repository)."""

    source: Source
    identifier: str
    name: str
    cosign_source: Source | None = None


@dataclass(frozen=True, slots=True)
class _Collected:
    side: DiffSide
    top: Fetched
    images: tuple[PlatformImage, ...]  # the platforms selected
    all_images: tuple[PlatformImage, ...]
    discovery: Discovery
    configs: dict[str, _Config]
    verified: dict[tuple[str, str], bool | None]

    def verifier(self, a: Attestation) -> bool | None:
        return self.verified.get((a.manifest_digest, a.layer.digest))


def diff_sources(
    old: DiffSide,
    new: DiffSide,
    *,
    platforms: Sequence[Platform] = (),
    lookups: Collection[str] = ALL_LOOKUPS,
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
    workers: int = 8,
    policy: Policy | None = None,
    memo: SharedFetches | None = None,
) -> ImageDiff:
    """Compare two images (see :mod:`ocitrace.diff`).

    ``platforms`` narrows both sides (normalised matching); a platform asked for that
    neither side has raises :class:`~ocitrace.errors.NotFound`, one that only one side
    has is reported in ``only_old``/``only_new``.  ``memo`` lets a caller count or share
    fetches; by default each call has its own.  With ``policy`` every signature is
    verified (:func:`ocitrace.verify.verify_found`) and ``AttestationEntry.verified`` says
    how it went (None: unsigned, or no identity/key policy to check against).
    """
    shared = memo or SharedFetches()
    wanted = [normalized_key(p) for p in platforms]
    with (
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocitrace-diff-side") as sides,
        ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ocitrace-diff") as pool,
    ):

        def collect(side: DiffSide) -> _Collected:
            return _collect(side, shared, wanted, lookups, max_blob_size, workers, pool, policy)

        fa, fb = sides.submit(collect, old), sides.submit(collect, new)
        a, b = fa.result(), fb.result()
    _check_wanted(wanted, a, b)
    return _compare(a, b)


def _collect(
    side: DiffSide,
    memo: SharedFetches,
    wanted: Sequence[str],
    lookups: Collection[str],
    max_blob_size: int,
    workers: int,
    pool: Executor,
    policy: Policy | None,
) -> _Collected:
    source = MemoSource(side.source, memo)
    cosign = MemoSource(side.cosign_source, memo) if side.cosign_source is not None else None
    top = source.manifest(side.identifier)
    tl = split_top(source, top)
    images = tuple(i for i in tl.images if not wanted or i.platform in wanted)
    configs: dict[str, Future[_Config]] = {
        i.platform: pool.submit(_config, source, i.digest, max_blob_size) for i in images
    }
    if images or not wanted:
        found = discover(
            source,
            top,
            platforms=[parse_platform(i.platform) for i in images] if wanted else None,
            lookups=lookups,
            cosign_source=cosign,
            max_blob_size=max_blob_size,
            workers=workers,
            name=side.name,
        )
    else:
        found = Discovery(top.descriptor, (), (), (), (), tl.is_index)
    verified = _verify(source, found, policy) if policy is not None else {}
    return _Collected(
        side, top, images, tl.images, found, {k: f.result() for k, f in configs.items()}, verified
    )


def _verify(source: Source, found: Discovery, policy: Policy) -> dict[tuple[str, str], bool | None]:
    from ..verify import Status, verify_found

    report = verify_found(source, found, policy)
    outcome = {Status.VERIFIED: True, Status.INVALID: False}
    return {(v.manifest_digest, v.layer_digest): outcome.get(v.status) for v in report.items}


def _config(source: Source, digest: str, max_blob_size: int) -> _Config:
    """The image manifest and its decoded config (None when the config is no image config)."""
    fetched = source.manifest(digest)
    manifest = Manifest.parse(fetched.data, desc=fetched.descriptor, where=source.name)
    cfg = manifest.config
    if cfg is None or cfg.media_type not in (mt.OCI_CONFIG, mt.DOCKER_CONFIG):
        return None, manifest
    return decode_image(source.blob(cfg, max_size=max_blob_size), cfg.digest), manifest


def _check_wanted(wanted: Sequence[str], a: _Collected, b: _Collected) -> None:
    have = {i.platform for i in a.images} | {i.platform for i in b.images}
    missing = [w for w in wanted if w not in have]
    if missing:
        listed = sorted({i.platform for i in (*a.all_images, *b.all_images)})
        raise NotFound(
            f"no image for platform {', '.join(missing)} in {a.side.name} or {b.side.name}",
            input=", ".join(missing),
            hint=f"platforms available: {', '.join(listed) or 'none'}",
        )


def _compare(a: _Collected, b: _Collected) -> ImageDiff:
    keys_a = [i.platform for i in a.images]
    keys_b = [i.platform for i in b.images]
    digest_a = {i.platform: i.digest for i in a.images}
    digest_b = {i.platform: i.digest for i in b.images}
    prov_a, prov_b = _provenance(a.discovery), _provenance(b.discovery)
    sbom_a, sbom_b = _sboms(a.discovery), _sboms(b.discovery)
    paired = []
    for key in [k for k in keys_a if k in keys_b]:
        paired.append(
            PlatformDiff(
                platform=key,
                old_digest=digest_a[key],
                new_digest=digest_b[key],
                provenance=diff_provenance(prov_a.get(key), prov_b.get(key)),
                sboms=_sbom_diffs(sbom_a.get(key, {}), sbom_b.get(key, {})),
                config=diff_config(a.configs.get(key), b.configs.get(key)),
                attestations=diff_attestations(
                    attestation_entries(a.discovery.for_platform(key), a.verifier),
                    attestation_entries(b.discovery.for_platform(key), b.verifier),
                ),
            )
        )
    return ImageDiff(
        old=_side(a),
        new=_side(b),
        platforms=tuple(paired),
        only_old=tuple(k for k in keys_a if k not in keys_b),
        only_new=tuple(k for k in keys_b if k not in keys_a),
        index_attestations=diff_attestations(
            attestation_entries(a.discovery.index_level(), a.verifier),
            attestation_entries(b.discovery.index_level(), b.verifier),
        ),
    )


def _side(c: _Collected) -> Side:
    return Side(
        reference=c.side.name,
        digest=c.top.descriptor.digest,
        media_type=c.top.descriptor.media_type,
        platforms=tuple(i.platform for i in c.images),
    )


def _provenance(d: Discovery) -> dict[str, ProvenanceRecord]:
    """The first provenance record per platform (as ``ocitrace provenance`` shows it)."""
    out: dict[str, ProvenanceRecord] = {}
    for f in provenances(d):
        out.setdefault(f.attestation.platform, f.record)
    return out


def _sboms(d: Discovery) -> dict[str, dict[str, Sbom]]:
    """SBOMs per platform, keyed by role (``image``, ``build context``, ``stage NAME``);
    a repeated role gets ``#2``, ``#3``… in discovery order."""
    out: dict[str, dict[str, Sbom]] = {}
    for doc in sboms(d):
        roles = out.setdefault(doc.attestation.platform, {})
        role, n = doc.role, 2
        while role in roles:
            role, n = f"{doc.role}#{n}", n + 1
        roles[role] = doc.sbom
    return out


def _sbom_diffs(a: dict[str, Sbom], b: dict[str, Sbom]) -> tuple[SbomDiff, ...]:
    roles = list(a) + [r for r in b if r not in a]
    return tuple(diff_sbom(r, a.get(r), b.get(r)) for r in roles)
