"""Audit one image: tag → top manifest (``GET``, or ``HEAD`` then by digest) → :func:`discover`.

Attestations are found by :mod:`ocitrace.discover` (the same code ``ocitrace
attestations`` runs), so the audit's facts and consistency warnings agree with it.  By
default only BuildKit's index entries are looked at: that costs nothing beyond the
index already fetched, then per platform the attestation manifest and its layers (all by
digest, so a :class:`~.cache.CachingSource` answers them on a second run).  Referrers
and cosign-tag lookups add one to four requests per digest and are switched on by the
caller (``--referrers``, ``--cosign``).  The image config is read only when a platform
has no provenance, to date the image by its ``created`` field.  With a
:class:`~ocitrace.verify.engine.Verifier`, what was found is verified too (no second
lookup: the verifier reads the items discovery already holds).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..discover.model import Attestation, Discovery, Finding, Store
from ..errors import FormatError, OcitraceError
from ..oci import mediatypes as mt
from ..oci.config import parse_config
from ..oci.config import parse_created as parse_time
from ..oci.limits import DEFAULT_LIMITS
from ..oci.model import Descriptor, Index, Manifest, Platform
from ..oci.platform import normalized_key
from ..source import Fetched, Source, SourceWrapper
from ..verify.model import Verification, VerifyReport
from .walk import ImageTask

if TYPE_CHECKING:  # pragma: no cover
    from ..verify.engine import Verifier

__all__ = [
    "DEFAULT_LOOKUPS",
    "IMAGE_FAN_OUT",
    "MAX_ATTESTATION_SIZE",
    "ImageResult",
    "PlatformImage",
    "audit_image",
    "parse_time",
]

MAX_ATTESTATION_SIZE = DEFAULT_LIMITS.blob  # SBOMs of large images reach tens of MiB
MAX_CONFIG_SIZE = DEFAULT_LIMITS.config
#: BuildKit index entries only: no request beyond the attestation manifests themselves.
DEFAULT_LOOKUPS: frozenset[str] = frozenset({"buildkit"})
#: threads one image's discovery uses (the audit runner: only while its pool has idle workers)
IMAGE_FAN_OUT = 4


@dataclass(frozen=True, slots=True)
class PlatformImage:
    """One platform image: its attestations (own and index-level) and config date."""

    platform: str  # normalised key, e.g. "linux/arm/v7"; "unknown" when not known
    digest: str
    attestations: tuple[Attestation, ...] = ()
    config_created: datetime | None = None
    error: str | None = None  # an attestation could not be read; the image itself is fine
    labels: Mapping[str, str] | None = None  # config labels; None when the config was not read
    #: the exception behind ``error`` (exit code, hint): not compared, not serialised
    exception: BaseException | None = field(default=None, compare=False, repr=False)
    #: the verification of each signed item of ``attestations``; None: nothing verified
    #: (no signer policy for this repository)
    verifications: tuple[Verification, ...] | None = None

    @property
    def attestation_manifests(self) -> tuple[str, ...]:
        """Digests of the attestation manifests found for this platform (first-seen order)."""
        return tuple(dict.fromkeys(a.manifest_digest for a in self.attestations))


@dataclass(frozen=True, slots=True)
class ImageResult:
    """What was found for one tag: the top-level digest, each platform, the warnings."""

    task: ImageTask
    digest: str
    media_type: str
    platforms: tuple[PlatformImage, ...]
    findings: tuple[Finding, ...] = ()
    lookups: frozenset[str] = DEFAULT_LOOKUPS  # the attestation stores that were asked

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity.value == "warning")


def audit_image(
    source: Source,
    task: ImageTask,
    *,
    platforms: tuple[Platform, ...] = (),
    lookups: Collection[str] = DEFAULT_LOOKUPS,
    max_blob_size: int = MAX_ATTESTATION_SIZE,
    workers: int = IMAGE_FAN_OUT,
    head_first: bool = True,
    read_config: bool = False,
    verifier: Verifier | None = None,
) -> ImageResult:
    """Resolve and walk one image; registry errors on the top level propagate.

    ``head_first``: resolve a tag with ``HEAD`` and fetch the manifest by digest (two
    requests, but the second is answered by a disk cache that already holds it).  Off,
    a tag is fetched with one ``GET`` and its digest is the hash of the bytes: one
    round trip and one request less when nothing is cached.  Either way the registry
    counts one pull (Docker Hub does not count ``HEAD``).  A digest is always fetched
    directly.

    ``read_config``: read every platform's image config (labels for the practice checks;
    one request per platform the disk cache does not hold).  Off, a config is read only
    to date an image without provenance.

    ``verifier``: verify every signed item found (``PlatformImage.verifications``); the
    caller adds the signature stores (cosign, referrers) to ``lookups``.
    """
    memo = _Memo(source)
    if head_first and not task.identifier.startswith("sha256:"):
        top = memo.resolve(task.identifier)
        fetched = memo.manifest(top.digest)
    else:
        fetched = memo.manifest(task.identifier)
        top = fetched.descriptor
    media_type = fetched.descriptor.media_type or top.media_type
    if not (mt.is_index(media_type) or mt.is_manifest(media_type) or not media_type):
        raise FormatError(
            f"{task.name}:{task.identifier}: unsupported media type {media_type}",
            input=f"{task.name}:{task.identifier}",
            hint="audit reads OCI/Docker images and indexes",
        )
    wanted = _present_platforms(fetched, media_type, platforms)
    if wanted is None:
        return ImageResult(task, top.digest, media_type, (), lookups=frozenset(lookups))
    from ..discover.engine import discover  # (the fetchers and decoders: on first use)

    found = discover(
        memo,
        fetched,
        platforms=wanted or None,
        lookups=lookups,
        max_blob_size=max_blob_size,
        workers=workers,
    )
    keys = {normalized_key(p) for p in platforms}
    images = [i for i in found.images if not keys or i.platform in keys]
    report = verifier.verify_discovery(found, source=memo) if verifier is not None else None
    return ImageResult(
        task,
        top.digest,
        media_type,
        tuple(
            _platform_image(memo, found, i.platform, i.digest, read_config, report) for i in images
        ),
        found.findings,
        frozenset(lookups),
    )


def _present_platforms(
    fetched: Fetched, media_type: str, platforms: tuple[Platform, ...]
) -> tuple[Platform, ...] | None:
    """Asked platforms an index has (None: it has none of them); all when none asked.

    A single manifest's platform is only known from its config, so it is filtered after
    discovery instead.
    """
    if not platforms or not mt.is_index(media_type):
        return ()
    have = {normalized_key(d.platform) for d in Index.parse(fetched.data).manifests if d.platform}
    present = tuple(p for p in platforms if normalized_key(p) in have)
    return present or None


def _platform_image(
    memo: Source,
    found: Discovery,
    platform: str,
    digest: str,
    read_config: bool = False,
    report: VerifyReport | None = None,
) -> PlatformImage:
    items = found.for_platform(platform) + found.index_level()
    bad = next((a for a in items if a.error and a.store is Store.BUILDKIT), None)
    error = f"attestation {bad.manifest_digest[:19]}: {bad.error}" if bad else None
    cause: BaseException | None = bad.exception if bad else None
    created, labels = None, None
    has_provenance = any(_is_provenance(a) for a in items)
    if read_config or not has_provenance:
        try:
            created, labels = _config_facts(memo, digest)
        except OcitraceError as exc:
            if error is None:
                error, cause = f"config: {exc}", exc
    if has_provenance:
        created = None  # the provenance dates the build
    verifications = None
    if report is not None:
        looked = (report.for_item(a.manifest_digest, a.layer.digest) for a in items)
        verifications = tuple(v for v in looked if v is not None)
    return PlatformImage(
        platform,
        digest,
        items,
        created,
        error,
        labels=labels,
        exception=cause,
        verifications=verifications,
    )


def _is_provenance(a: Attestation) -> bool:
    return a.statement is not None and a.statement.kind.is_provenance


def _config_facts(source: Source, digest: str) -> tuple[datetime | None, dict[str, str] | None]:
    """The config's ``created`` time and ``config.Labels`` (string values only), read by
    :func:`ocitrace.oci.config.parse_config` (the one config reader)."""
    manifest = Manifest.parse(source.manifest(digest).data)
    if manifest.config is None:
        return None, None
    raw = source.blob(manifest.config, max_size=MAX_CONFIG_SIZE)
    summary = parse_config(raw, manifest.config.digest)
    return summary.created, dict(summary.labels)


class _Memo(SourceWrapper):
    """Per-image memo of reads by digest, so discovery and the config date share fetches."""

    def __init__(self, inner: Source) -> None:
        super().__init__(inner)
        self._lock = threading.Lock()
        self._manifests: dict[str, Fetched] = {}
        self._blobs: dict[str, bytes] = {}

    def manifest(self, ref: str) -> Fetched:
        with self._lock:
            hit = self._manifests.get(ref)
        if hit is not None:
            return hit
        fetched = self._inner.manifest(ref)
        with self._lock:  # by tag: kept under its digest (the tag may move)
            self._manifests[fetched.descriptor.digest] = fetched
        return fetched

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        with self._lock:
            hit = self._blobs.get(desc.digest)
        if hit is not None:
            return hit
        data = self._inner.blob(desc, max_size=max_size)
        with self._lock:
            self._blobs[desc.digest] = data
        return data


def _config_created(source: Source, digest: str) -> datetime | None:
    """The config's ``created`` time (see :func:`_config_facts`)."""
    return _config_facts(source, digest)[0]
