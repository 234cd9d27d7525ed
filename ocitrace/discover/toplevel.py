"""Step 1 of discovery: split the top-level manifest into platform images and BuildKit entries.

BuildKit attaches attestation manifests to the image index itself (FORMATS.md §2.1):
entries annotated ``vnd.docker.reference.type: attestation-manifest`` whose target is
``com.docker.reference.digest`` (checked first, as buildx does) or
``vnd.docker.reference.digest``.  Entries with any other reference type are neither
images nor attestations (the spec says ignore them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..errors import OcitraceError
from ..oci import mediatypes as mt
from ..oci.config import parse_config
from ..oci.limits import DEFAULT_LIMITS
from ..oci.model import Descriptor, Index, Manifest, Platform, parse_manifest_or_index
from ..oci.platform import normalized_key
from ..source import Fetched, Source
from .model import PlatformImage

__all__ = ["BuildkitEntry", "TopLevel", "split_top"]

log = logging.getLogger(__name__)

_CONFIG_CAP = DEFAULT_LIMITS.config


@dataclass(frozen=True, slots=True)
class BuildkitEntry:
    """An index entry that BuildKit marked as an attestation manifest for ``target``."""

    descriptor: Descriptor
    target: str


@dataclass(frozen=True, slots=True)
class TopLevel:
    """The parsed top level: platform images, BuildKit entries, and whether it is an index."""

    images: tuple[PlatformImage, ...]
    buildkit: tuple[BuildkitEntry, ...]
    is_index: bool
    parsed: Index | Manifest


def reference_target(desc: Descriptor) -> str | None:
    """The image digest a BuildKit attestation entry describes, or None if not one."""
    ann = desc.annotations
    if mt.REF_TYPE_ANNOTATION not in ann:
        return None
    return ann.get(mt.REF_DIGEST_ANNOTATION_COM) or ann.get(mt.REF_DIGEST_ANNOTATION) or ""


def split_top(source: Source, top: Fetched) -> TopLevel:
    """Parse ``top`` and sort its children; a single manifest is its own (only) image."""
    parsed = parse_manifest_or_index(
        top.data, top.descriptor.media_type, desc=top.descriptor, where=source.name
    )
    if isinstance(parsed, Manifest):
        platform = top.descriptor.platform or _config_platform(source, parsed)
        key = normalized_key(platform) if platform else "unknown"
        return TopLevel(
            (PlatformImage(top.descriptor.digest, key, top.descriptor),), (), False, parsed
        )
    images: list[PlatformImage] = []
    entries: list[BuildkitEntry] = []
    for child in parsed.manifests:
        target = reference_target(child)
        if target is None:
            key = normalized_key(child.platform) if child.platform else "unknown"
            images.append(PlatformImage(child.digest, key, child))
        elif child.annotations.get(mt.REF_TYPE_ANNOTATION) == mt.ATTESTATION_MANIFEST:
            entries.append(BuildkitEntry(child, target))
        else:
            log.debug("ignoring %s: reference type %r", child.digest, child.annotations)
    return TopLevel(tuple(images), tuple(entries), True, parsed)


def _config_platform(source: Source, manifest: Manifest) -> Platform | None:
    """Platform from the image config (buildx does this when a descriptor has none)."""
    if manifest.config is None or manifest.config.media_type not in (
        mt.OCI_CONFIG,
        mt.DOCKER_CONFIG,
    ):
        return None
    try:
        summary = parse_config(
            source.blob(manifest.config, max_size=_CONFIG_CAP), manifest.config.digest
        )
    except OcitraceError as exc:  # FormatError too: not JSON, nested too deep
        log.info("no platform from config %s: %s", manifest.config.digest, exc)
        return None
    return summary.platform if summary.has_platform else None
