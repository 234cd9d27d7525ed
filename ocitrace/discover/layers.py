"""Classify attestation-manifest layers by media type (FORMATS.md §2.3, §5, §8).

Media type parameters are stripped before matching (ECR cannot store them, so
``@sigstore/oci`` drops ``;version=0.3``).
"""

from __future__ import annotations

import enum

from ..attest.envelope import (
    DSSE_MEDIA_TYPE,
    SIGSTORE_BUNDLE_PREFIX,
    SIMPLESIGNING_MEDIA_TYPE,
    base_media_type,
)
from ..oci import mediatypes as mt
from ..oci.predicates import IN_TOTO_DSSE

__all__ = [
    "COSIGN_SIMPLESIGNING",
    "DSSE_ENVELOPE",
    "SBOM_MEDIA_TYPES",
    "SIGSTORE_BUNDLE_PREFIX",
    "LayerKind",
    "base_media_type",
    "classify_layer",
]

DSSE_ENVELOPE = DSSE_MEDIA_TYPE
COSIGN_SIMPLESIGNING = SIMPLESIGNING_MEDIA_TYPE
#: cosign's deprecated ``.sbom`` attachment layer types (specs/SBOM_SPEC.md)
SBOM_MEDIA_TYPES = frozenset(
    {
        "text/spdx",
        "text/spdx+json",
        "application/spdx+json",
        "application/vnd.cyclonedx+xml",
        "application/vnd.cyclonedx+json",
        "application/vnd.syft+json",
    }
)
_IN_TOTO_DSSE_RE = IN_TOTO_DSSE


class LayerKind(enum.Enum):
    """What a layer holds."""

    STATEMENT = "statement"  # plain in-toto statement JSON
    DSSE = "dsse"  # DSSE envelope around a statement
    BUNDLE = "bundle"  # Sigstore bundle (DSSE envelope or message signature inside)
    SIMPLESIGNING = "simplesigning"  # cosign .sig payload
    SBOM = "sbom"  # raw SBOM document
    OTHER = "other"


def classify_layer(media_type: str) -> LayerKind:
    """The :class:`LayerKind` of a layer media type."""
    base = base_media_type(media_type)
    if base == mt.IN_TOTO:
        return LayerKind.STATEMENT
    if base == DSSE_ENVELOPE or _IN_TOTO_DSSE_RE.fullmatch(base):
        return LayerKind.DSSE
    if base.startswith(SIGSTORE_BUNDLE_PREFIX):
        return LayerKind.BUNDLE
    if base == COSIGN_SIMPLESIGNING:
        return LayerKind.SIMPLESIGNING
    if base in SBOM_MEDIA_TYPES:
        return LayerKind.SBOM
    return LayerKind.OTHER
