"""Audit one image: tag → digest (HEAD) → index → per platform, its BuildKit attestations.

Requests per image: one ``HEAD`` for a tag, one ``GET`` of the index by digest, and per
platform the attestation manifest and its provenance/SBOM layers (all by digest, so a
:class:`~.cache.CachingSource` answers them on a second run).  The image config is read
only when there is no provenance, to date the image by its ``created`` field.  Only
provenance and SBOM statements are fetched; other in-toto layers are listed, not read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ..errors import FormatError, OcitraceError
from ..oci import mediatypes as mt
from ..oci.model import Descriptor, Index, Manifest, Platform
from ..oci.platform import format_platform, normalize
from ..source import Source
from .walk import ImageTask

__all__ = [
    "MAX_ATTESTATION_SIZE",
    "ImageResult",
    "PlatformImage",
    "Statement",
    "audit_image",
    "is_provenance",
    "is_sbom",
    "parse_time",
]

MAX_ATTESTATION_SIZE = 64 * 1024 * 1024  # SBOMs of large images reach tens of MiB
MAX_CONFIG_SIZE = 8 * 1024 * 1024


def is_provenance(predicate_type: str) -> bool:
    return predicate_type.startswith("https://slsa.dev/provenance/")


def is_sbom(predicate_type: str) -> bool:
    return predicate_type.startswith(("https://spdx.dev/Document", "https://cyclonedx.org/bom"))


@dataclass(frozen=True, slots=True)
class Statement:
    """One in-toto layer as stored: its predicate type annotation and the exact bytes."""

    predicate_type: str
    digest: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PlatformImage:
    """One platform image of an audited index (or the lone image of a single manifest)."""

    platform: str
    digest: str
    attestation: str | None = None  # attestation manifest digest
    statements: tuple[Statement, ...] = ()
    config_created: datetime | None = None
    error: str | None = None  # attestation could not be read; the image itself is fine


@dataclass(frozen=True, slots=True)
class ImageResult:
    """What was found for one tag: the top-level digest and each platform."""

    task: ImageTask
    digest: str
    media_type: str
    platforms: tuple[PlatformImage, ...]


def audit_image(
    source: Source, task: ImageTask, *, platforms: tuple[Platform, ...] = ()
) -> ImageResult:
    """Resolve and walk one image; registry errors on the top level propagate."""
    top = source.resolve(task.identifier)
    fetched = source.manifest(top.digest)
    media_type = fetched.descriptor.media_type or top.media_type
    if mt.is_index(media_type):
        index = Index.parse(fetched.data)
        found = tuple(_index_platforms(source, index, platforms))
    elif mt.is_manifest(media_type) or not media_type:
        found = tuple(_single(source, top.digest, Manifest.parse(fetched.data), platforms))
    else:
        raise FormatError(
            f"{task.name}:{task.identifier}: unsupported media type {media_type}",
            input=f"{task.name}:{task.identifier}",
            hint="audit reads OCI/Docker images and indexes",
        )
    return ImageResult(task, top.digest, media_type, found)


def _wanted(p: Platform | None, platforms: tuple[Platform, ...]) -> bool:
    if not platforms:
        return True
    if p is None:
        return False
    have = normalize(p)
    return any(
        (w.os, w.architecture, w.variant) == (have.os, have.architecture, have.variant)
        for w in map(normalize, platforms)
    )


def _index_platforms(
    source: Source, index: Index, platforms: tuple[Platform, ...]
) -> list[PlatformImage]:
    attestations: dict[str, Descriptor] = {}
    images: list[Descriptor] = []
    for desc in index.manifests:
        if desc.annotations.get(mt.REF_TYPE_ANNOTATION) == mt.ATTESTATION_MANIFEST:
            ref = desc.annotations.get(mt.REF_DIGEST_ANNOTATION) or desc.annotations.get(
                mt.REF_DIGEST_ANNOTATION_COM, ""
            )
            attestations.setdefault(ref, desc)
        else:
            images.append(desc)
    return [
        _platform_image(source, desc, attestations.get(desc.digest))
        for desc in images
        if _wanted(desc.platform, platforms)
    ]


def _platform_image(source: Source, desc: Descriptor, att: Descriptor | None) -> PlatformImage:
    name = format_platform(desc.platform) if desc.platform else "unknown"
    statements: tuple[Statement, ...] = ()
    error = None
    if att is not None:
        try:
            statements = _statements(source, att)
        except OcitraceError as exc:
            error = f"attestation {att.digest[:19]}: {exc}"
    created = None
    if not any(is_provenance(s.predicate_type) for s in statements):
        try:
            created = _config_created(source, Manifest.parse(source.manifest(desc.digest).data))
        except OcitraceError as exc:
            error = error or f"config: {exc}"
    return PlatformImage(name, desc.digest, att.digest if att else None, statements, created, error)


def _statements(source: Source, att: Descriptor) -> tuple[Statement, ...]:
    manifest = Manifest.parse(source.manifest(att.digest).data)
    out = []
    for layer in manifest.layers:
        ptype = layer.annotations.get(mt.PREDICATE_TYPE_ANNOTATION, "")
        if layer.media_type != mt.IN_TOTO or not (is_provenance(ptype) or is_sbom(ptype)):
            continue
        out.append(
            Statement(ptype, layer.digest, source.blob(layer, max_size=MAX_ATTESTATION_SIZE))
        )
    return tuple(out)


def _single(
    source: Source, digest: str, manifest: Manifest, platforms: tuple[Platform, ...]
) -> list[PlatformImage]:
    platform, created = None, None
    if manifest.config is not None:
        config = _config(source, manifest.config)
        platform = Platform.from_json(config)
        created = parse_time(config.get("created"))
    if platforms and not _wanted(platform, platforms):
        return []
    name = format_platform(platform) if platform is not None else "unknown"
    return [PlatformImage(name, digest, config_created=created)]


def _config(source: Source, desc: Descriptor) -> dict[str, object]:
    raw = source.blob(desc, max_size=MAX_CONFIG_SIZE)
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"image config {desc.digest} is not JSON: {exc}", input=desc.digest
        ) from exc
    if not isinstance(obj, dict):
        raise FormatError(f"image config {desc.digest} is not a JSON object", input=desc.digest)
    return obj


def _config_created(source: Source, manifest: Manifest) -> datetime | None:
    if manifest.config is None:
        return None
    return parse_time(_config(source, manifest.config).get("created"))


def parse_time(value: object) -> datetime | None:
    """RFC 3339 with optional nanoseconds (Go writes up to 9 fractional digits)."""
    if not isinstance(value, str) or not value:
        return None
    from dateutil import parser as dateparser

    try:
        return dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return None
