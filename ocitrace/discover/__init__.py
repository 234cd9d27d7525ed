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

Names are imported on first use: the data model (:mod:`.model`) does not load the
engine, its fetchers and the decoders behind them.
"""

from __future__ import annotations

from ..lazymod import lazy_attributes

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy treats the name as True)
TYPE_CHECKING = False

#: public name -> submodule it lives in (imported by ``__getattr__`` on first use)
_LAZY: dict[str, str] = {
    "ALL_LOOKUPS": ".model",
    "discover": ".engine",
    "lookups_for": ".model",
    "select_images": ".engine",
    "INDEX_LEVEL": ".model",
    "Attestation": ".model",
    "Check": ".model",
    "Discovery": ".model",
    "Envelope": ".model",
    "Finding": ".model",
    "Kind": ".model",
    "PlatformImage": ".model",
    "Severity": ".model",
    "Store": ".model",
    "ProvenanceFound": ".select",
    "SbomDocument": ".select",
    "provenances": ".select",
    "sboms": ".select",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .engine import discover, select_images
    from .model import (
        ALL_LOOKUPS,
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
        lookups_for,
    )
    from .select import ProvenanceFound, SbomDocument, provenances, sboms


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
