"""Predicate types: the URIs ocitrace knows and a classifier into :class:`PredicateKind`.

Sources: in-toto-golang constants as BuildKit uses them, cosign's ``--type`` table
(``cmd/cosign/cli/options/predicate.go``), the SLSA specs (FORMATS.md §4, §5, §8.2).
Unknown URIs are :attr:`PredicateKind.UNKNOWN` and are shown by their name.
"""

from __future__ import annotations

import enum
import re

__all__ = [
    "COSIGN_CUSTOM",
    "COSIGN_VULN",
    "CYCLONEDX",
    "INTOTO_LINK",
    "OPENVEX",
    "SLSA_PROVENANCE_PREFIX",
    "SLSA_PROVENANCE_V01",
    "SLSA_PROVENANCE_V02",
    "SLSA_PROVENANCE_V1",
    "SPDX",
    "STATEMENT_V01",
    "STATEMENT_V1",
    "VSA_V02",
    "VSA_V1",
    "PredicateKind",
    "classify_predicate",
    "is_provenance_type",
    "predicate_label",
]

# the names live in oci/predicates.py (one place for every module); re-exported here
from ..oci.predicates import (
    COSIGN_CUSTOM,
    COSIGN_VULN,
    CYCLONEDX,
    INTOTO_LINK,
    OPENVEX,
    SLSA_PROVENANCE_PREFIX,
    SLSA_PROVENANCE_V01,
    SLSA_PROVENANCE_V02,
    SLSA_PROVENANCE_V1,
    SPDX,
    STATEMENT_V01,
    STATEMENT_V1,
    VSA_V02,
    VSA_V1,
)

_SPDX_VERSIONED = re.compile(r"https://spdx\.dev/Document/v\d+(\.\d+)*")
_CYCLONEDX_VERSIONED = re.compile(r"https://cyclonedx\.org/bom/v\d+(\.\d+)*")
_OPENVEX_VERSIONED = re.compile(r"https://openvex\.dev/ns(/v\d+(\.\d+)*)?")


class PredicateKind(enum.Enum):
    """What a statement's predicate is; ``label`` is the short name shown to users."""

    SLSA_PROVENANCE_V1 = "slsa-provenance-v1"
    SLSA_PROVENANCE_V02 = "slsa-provenance-v0.2"
    SLSA_PROVENANCE_V01 = "slsa-provenance-v0.1"
    VSA = "slsa-vsa"
    SPDX = "spdx"
    CYCLONEDX = "cyclonedx"
    COSIGN_VULN = "cosign-vuln"
    COSIGN_CUSTOM = "cosign-custom"
    OPENVEX = "openvex"
    INTOTO_LINK = "in-toto-link"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Short human label, e.g. ``SLSA provenance v1``."""
        return _LABELS[self]

    @property
    def is_provenance(self) -> bool:
        return self in _PROVENANCE

    @property
    def is_sbom(self) -> bool:
        return self in (PredicateKind.SPDX, PredicateKind.CYCLONEDX)


_LABELS = {
    PredicateKind.SLSA_PROVENANCE_V1: "SLSA provenance v1",
    PredicateKind.SLSA_PROVENANCE_V02: "SLSA provenance v0.2",
    PredicateKind.SLSA_PROVENANCE_V01: "SLSA provenance v0.1",
    PredicateKind.VSA: "SLSA verification summary",
    PredicateKind.SPDX: "SPDX SBOM",
    PredicateKind.CYCLONEDX: "CycloneDX SBOM",
    PredicateKind.COSIGN_VULN: "cosign vulnerability scan",
    PredicateKind.COSIGN_CUSTOM: "cosign custom",
    PredicateKind.OPENVEX: "OpenVEX",
    PredicateKind.INTOTO_LINK: "in-toto link",
    PredicateKind.UNKNOWN: "unknown",
}
_PROVENANCE = frozenset(
    {
        PredicateKind.SLSA_PROVENANCE_V1,
        PredicateKind.SLSA_PROVENANCE_V02,
        PredicateKind.SLSA_PROVENANCE_V01,
    }
)
_EXACT = {
    SLSA_PROVENANCE_V1: PredicateKind.SLSA_PROVENANCE_V1,
    SLSA_PROVENANCE_V02: PredicateKind.SLSA_PROVENANCE_V02,
    SLSA_PROVENANCE_V01: PredicateKind.SLSA_PROVENANCE_V01,
    VSA_V1: PredicateKind.VSA,
    VSA_V02: PredicateKind.VSA,
    SPDX: PredicateKind.SPDX,
    CYCLONEDX: PredicateKind.CYCLONEDX,
    COSIGN_VULN: PredicateKind.COSIGN_VULN,
    COSIGN_CUSTOM: PredicateKind.COSIGN_CUSTOM,
    INTOTO_LINK: PredicateKind.INTOTO_LINK,
}


def classify_predicate(predicate_type: str) -> PredicateKind:
    """The kind of a predicate type URI (versioned SPDX/CycloneDX/OpenVEX URIs included)."""
    pt = predicate_type.strip()
    kind = _EXACT.get(pt)
    if kind is not None:
        return kind
    if _SPDX_VERSIONED.fullmatch(pt):
        return PredicateKind.SPDX
    if _CYCLONEDX_VERSIONED.fullmatch(pt):
        return PredicateKind.CYCLONEDX
    if _OPENVEX_VERSIONED.fullmatch(pt):
        return PredicateKind.OPENVEX
    return PredicateKind.UNKNOWN


def predicate_label(predicate_type: str) -> str:
    """Label for display: the kind's label, or the URI itself when the type is unknown."""
    kind = classify_predicate(predicate_type)
    return predicate_type if kind is PredicateKind.UNKNOWN else kind.label


def is_provenance_type(predicate_type: str) -> bool:
    """buildx's rule: any type starting with ``https://slsa.dev/provenance/``."""
    return predicate_type.startswith(SLSA_PROVENANCE_PREFIX)
