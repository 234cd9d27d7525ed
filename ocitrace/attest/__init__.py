"""Pure attestation decoders: bytes in, frozen records out (no network, no printing).

Layers → :func:`decode_layer` (:class:`Envelope` with a :class:`Statement`);
provenance predicates → :func:`parse_provenance` (:class:`ProvenanceRecord`);
SBOM predicates → :func:`parse_sbom` (:class:`Sbom`).
"""

from .envelope import Envelope, MessageSignature, Signature, SimpleSigning, Wrapping, decode_layer
from .intoto import Statement, Subject, parse_statement
from .provenance import (
    Completeness,
    ConfigSource,
    Dependency,
    MountRef,
    ProvenanceRecord,
    SourceInfo,
    parse_provenance,
)
from .purl import PackageURL, parse_purl
from .sbom import Package, Sbom, SbomSummary, parse_sbom, parse_sbom_bytes
from .timestamp import Timestamp, parse_timestamp
from .types import PredicateKind, classify_predicate, is_provenance_type, predicate_label

__all__ = [
    "Completeness",
    "ConfigSource",
    "Dependency",
    "Envelope",
    "MessageSignature",
    "MountRef",
    "Package",
    "PackageURL",
    "PredicateKind",
    "ProvenanceRecord",
    "Sbom",
    "SbomSummary",
    "Signature",
    "SimpleSigning",
    "SourceInfo",
    "Statement",
    "Subject",
    "Timestamp",
    "Wrapping",
    "classify_predicate",
    "decode_layer",
    "is_provenance_type",
    "parse_provenance",
    "parse_purl",
    "parse_sbom",
    "parse_sbom_bytes",
    "parse_statement",
    "parse_timestamp",
    "predicate_label",
]
