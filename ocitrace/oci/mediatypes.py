"""Media types ocitrace knows, grouped by role."""

from __future__ import annotations

from . import predicates

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_ARTIFACT_MANIFEST = "application/vnd.oci.artifact.manifest.v1+json"  # withdrawn; read-only
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
IN_TOTO = predicates.IN_TOTO  # named once, in predicates.py
DOCKER_ATTESTATION_ARTIFACT = "application/vnd.docker.attestation.manifest.v1+json"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST, OCI_ARTIFACT_MANIFEST})

#: Accept header for manifest requests: the four current types plus the withdrawn artifact type.
MANIFEST_ACCEPT: tuple[str, ...] = (
    DOCKER_MANIFEST,
    DOCKER_LIST,
    OCI_MANIFEST,
    OCI_INDEX,
    OCI_ARTIFACT_MANIFEST,
)

EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

# BuildKit attestation index annotations
REF_TYPE_ANNOTATION = "vnd.docker.reference.type"
REF_DIGEST_ANNOTATION = "vnd.docker.reference.digest"
REF_DIGEST_ANNOTATION_COM = "com.docker.reference.digest"
ATTESTATION_MANIFEST = "attestation-manifest"
PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type"


def is_index(media_type: str) -> bool:
    """True for OCI indexes and Docker manifest lists."""
    return media_type in INDEX_TYPES


def is_manifest(media_type: str) -> bool:
    """True for single image/artifact manifests."""
    return media_type in MANIFEST_TYPES
