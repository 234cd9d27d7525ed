"""Attestation discovery across every store an image's attestations may live in.

Public API (used by the ``attestations``/``provenance``/``sbom`` commands and the audit)::

    from ocitrace.discover import discover, Discovery
    found = discover(source, source.manifest("v1"), platforms=None)
    found.attestations   # Attestation items: store, kind, predicate_type, subjects, ...
    found.checked        # every place asked and its answer
    found.findings       # consistency findings (Finding.code, .severity)
    provenances(found)   # ProvenanceFound(attestation, record), platform by platform
    sboms(found)         # SbomDocument(attestation, document, sbom, primary)

See :mod:`ocitrace.discover.engine` for the order of lookups and
:mod:`ocitrace.discover.consistency` for the finding codes.
"""

from __future__ import annotations

from .engine import ALL_LOOKUPS, discover, lookups_for, select_images
from .model import (
    INDEX_LEVEL,
    Attestation,
    Check,
    Discovery,
    Envelope,
    Finding,
    Kind,
    PlatformImage,
    Severity,
    Store,
)
from .select import ProvenanceFound, SbomDocument, provenances, sboms

__all__ = [
    "ALL_LOOKUPS",
    "INDEX_LEVEL",
    "Attestation",
    "Check",
    "Discovery",
    "Envelope",
    "Finding",
    "Kind",
    "PlatformImage",
    "ProvenanceFound",
    "SbomDocument",
    "Severity",
    "Store",
    "discover",
    "lookups_for",
    "provenances",
    "sboms",
    "select_images",
]
