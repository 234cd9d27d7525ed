"""Audit one image: tag → top manifest (``GET``, or ``HEAD`` then by digest) → :func:`discover`.

Attestations are found by :mod:`ocitrace.discover` (the same code ``ocitrace
attestations`` runs), so the audit's facts and consistency warnings agree with it.  By
default only BuildKit's index entries are looked at: that costs nothing beyond the
index already fetched, then per platform the attestation manifest and its layers (all by
digest, so a :class:`~.cache.CachingSource` answers them on a second run).  Referrers
and cosign-tag lookups add one to four requests per digest and are switched on by the
caller (``--referrers``, ``--cosign``).  The image config is read only when a platform
has no provenance, to date the image by its ``created`` field.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..discover import Attestation, Discovery, Finding, Store, discover
from ..errors import FormatError, OcitraceError
from ..oci import mediatypes as mt
from ..oci.limits import DEFAULT_LIMITS
from ..oci.model import Descriptor, Index, Manifest, Platform
from ..oci.platform import normalized_key
from ..source import Fetched, Referrers, Source
from .walk import ImageTask

__all__ = [
    "DEFAULT_LOOKUPS",
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
    workers: int = 4,
    head_first: bool = True,
    read_config: bool = False,
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
    return ImageResult(
        task,
        top.digest,
        media_type,
        tuple(_platform_image(memo, found, i.platform, i.digest, read_config) for i in images),
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
    memo: Source, found: Discovery, platform: str, digest: str, read_config: bool = False
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
    return PlatformImage(platform, digest, items, created, error, labels=labels, exception=cause)


def _is_provenance(a: Attestation) -> bool:
    return a.statement is not None and a.statement.kind.is_provenance


def _config_facts(source: Source, digest: str) -> tuple[datetime | None, dict[str, str] | None]:
    """The config's ``created`` time and ``config.Labels`` (string values only)."""
    manifest = Manifest.parse(source.manifest(digest).data)
    if manifest.config is None:
        return None, None
    raw = source.blob(manifest.config, max_size=MAX_CONFIG_SIZE)
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FormatError(
            f"image config {manifest.config.digest} is not JSON: {exc}",
            input=manifest.config.digest,
        ) from exc
    if not isinstance(obj, dict):
        return None, None
    config = obj.get("config")
    raw_labels = config.get("Labels") if isinstance(config, dict) else None
    labels = (
        {k: v for k, v in raw_labels.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(raw_labels, dict)
        else {}
    )
    return parse_time(obj.get("created")), labels


def parse_time(value: object) -> datetime | None:
    """RFC 3339 with optional nanoseconds (Go writes up to 9 fractional digits)."""
    if not isinstance(value, str) or not value:
        return None
    from dateutil import parser as dateparser

    try:
        return dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return None


class _Memo:
    """Per-image memo of reads by digest, so discovery and the config date share fetches."""

    def __init__(self, inner: Source) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._manifests: dict[str, Fetched] = {}
        self._blobs: dict[str, bytes] = {}

    @property
    def name(self) -> str:
        return self._inner.name

    def resolve(self, ref: str) -> Descriptor:
        return self._inner.resolve(ref)

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

    def tags(self) -> Iterator[str]:
        return self._inner.tags()

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self._inner.referrers(digest, artifact_type)


def _config_created(source: Source, digest: str) -> datetime | None:
    """The config's ``created`` time (see :func:`_config_facts`)."""
    return _config_facts(source, digest)[0]
