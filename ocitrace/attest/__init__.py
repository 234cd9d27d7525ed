"""Pure attestation decoders: bytes in, frozen records out (no network, no printing).

Layers → :func:`decode_layer` (:class:`Envelope` with a :class:`Statement`);
provenance predicates → :func:`parse_provenance` (:class:`ProvenanceRecord`);
SBOM predicates → :func:`parse_sbom` (:class:`Sbom`).

Names are imported on first use: ``from ocitrace.attest.types import X`` (or any one
submodule) loads that submodule alone, not every decoder and their dependencies.
"""

from __future__ import annotations

from ..lazymod import lazy_attributes

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy treats the name as True)
TYPE_CHECKING = False

#: public name -> submodule it lives in (imported by ``__getattr__`` on first use)
_LAZY: dict[str, str] = {
    "Envelope": ".envelope",
    "MessageSignature": ".envelope",
    "Signature": ".envelope",
    "SimpleSigning": ".envelope",
    "Wrapping": ".envelope",
    "decode_layer": ".envelope",
    "Statement": ".intoto",
    "Subject": ".intoto",
    "parse_statement": ".intoto",
    "Completeness": ".provenance",
    "ConfigSource": ".provenance",
    "Dependency": ".provenance",
    "MountRef": ".provenance",
    "ProvenanceRecord": ".provenance",
    "SourceInfo": ".provenance",
    "parse_provenance": ".provenance",
    "PackageURL": ".purl",
    "parse_purl": ".purl",
    "Package": ".sbom",
    "Sbom": ".sbom",
    "SbomSummary": ".sbom",
    "parse_sbom": ".sbom",
    "parse_sbom_bytes": ".sbom",
    "Timestamp": ".timestamp",
    "parse_timestamp": ".timestamp",
    "PredicateKind": ".types",
    "classify_predicate": ".types",
    "is_provenance_type": ".types",
    "predicate_label": ".types",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .envelope import (
        Envelope,
        MessageSignature,
        Signature,
        SimpleSigning,
        Wrapping,
        decode_layer,
    )
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


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
