"""Picking provenance and SBOM documents out of a :class:`~ocitrace.discover.model.Discovery`.

One selection, shared by the ``provenance``/``sbom`` commands and :mod:`ocitrace.api`, so
that the CLI and the Python API always agree on which documents an image has.  Items
come platform by platform in the discovery's image order; index-level items (and items
on no image of the index) follow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..attest.provenance import ProvenanceRecord, parse_provenance
from ..attest.sbom import Sbom, parse_sbom_bytes, unknown_sbom
from ..attest.types import classify_predicate, is_provenance_type
from ..errors import FormatError
from ..oci.model import blob_label, naming
from .model import Attestation, Discovery, Kind, Store
from .rawjson import member_bytes

__all__ = [
    "ProvenanceFound",
    "SbomDocument",
    "by_platform_order",
    "predicate_bytes",
    "provenances",
    "sboms",
    "unreadable_provenances",
    "unreadable_sboms",
]


@dataclass(frozen=True, slots=True)
class ProvenanceFound:
    """One provenance attestation (where it was found) and its normalised record."""

    attestation: Attestation
    record: ProvenanceRecord


@dataclass(frozen=True, slots=True)
class SbomDocument:
    """One SBOM document: where it was found, its bytes exactly as stored, and its parse.

    ``primary`` marks the first SBOM of its platform (buildx's ``.SBOM.SPDX``); BuildKit's
    extra documents (``sbom-context``, ``sbom-<stage>``) follow it.
    """

    attestation: Attestation
    document: bytes
    sbom: Sbom
    primary: bool

    @property
    def format(self) -> str:
        """``spdx-json`` or ``cyclonedx-json``."""
        fmt = self.sbom.summary.format
        if fmt.startswith("unknown"):
            return "unknown"
        return "spdx-json" if fmt.startswith("spdx") else "cyclonedx-json"

    @property
    def name(self) -> str:
        """The SPDX document name (BuildKit: ``sbom``, ``sbom-context``, ``sbom-<stage>``)."""
        return self.sbom.summary.document_name

    @property
    def role(self) -> str:
        """What BuildKit scanned: ``image``, ``build context``, ``stage NAME``, else
        ``image`` for a primary document and ``additional`` for the others."""
        n = self.name
        if n == "sbom":
            return "image"
        if n == "sbom-context":
            return "build context"
        if n.startswith("sbom-"):
            return f"stage {n[5:]}"
        return "image" if self.primary else "additional"


def by_platform_order(d: Discovery) -> list[Attestation]:
    """``d.attestations`` sorted by image order (stable; index-level and strays last)."""
    order = {i.platform: n for n, i in enumerate(d.images)}
    return sorted(d.attestations, key=lambda a: order.get(a.platform, len(order)))


def predicate_bytes(a: Attestation) -> bytes:
    """The statement's ``predicate`` exactly as stored (no re-serialisation).

    Raises :class:`~ocitrace.errors.FormatError` when ``a`` holds no decoded statement.
    """
    if a.statement is None:
        raise FormatError(
            f"{a.layer.digest}: not a decoded in-toto statement",
            input=a.layer.digest,
            hint="ocitrace attestations REF shows each item and its error",
        )
    return member_bytes(a.statement_bytes or a.statement.raw, "predicate")


def provenances(d: Discovery) -> list[ProvenanceFound]:
    """Every SLSA provenance statement in ``d`` (buildx's rule on the predicate type).

    One whose predicate is malformed is left out; :func:`unreadable_provenances` lists it
    with its FormatError (naming the layer), so callers can say so instead of "none"."""
    out: list[ProvenanceFound] = []
    for a in by_platform_order(d):
        record = _record(a)
        if isinstance(record, ProvenanceRecord):
            out.append(ProvenanceFound(a, record))
    return out


def _record(a: Attestation) -> ProvenanceRecord | FormatError | None:
    """``a``'s provenance record; the FormatError (naming the layer) when its predicate is
    malformed; None when ``a`` is no decoded provenance statement."""
    st = a.statement
    if st is None or not is_provenance_type(st.predicate_type):
        return None
    try:
        with naming(_label(a)):
            return parse_provenance(st.predicate, st.predicate_type, st.type)
    except FormatError as exc:
        return exc


def sboms(d: Discovery) -> list[SbomDocument]:
    """Every SBOM in ``d``: in-toto predicates and raw documents (cosign ``.sbom``).

    SPDX 2.x, SPDX 3 JSON-LD and CycloneDX JSON are parsed; a document in another format
    (SPDX tag-value, CycloneDX XML, syft JSON, …) is kept, named ``unknown: <media or
    predicate type>`` with no packages, and is never the primary one.  Items whose bytes
    could not be fetched at all are in :func:`unreadable_sboms`."""
    out: list[SbomDocument] = []
    seen: set[str] = set()
    for a in by_platform_order(d):
        try:
            doc = _sbom_bytes(a)
        except FormatError:
            continue
        if doc is None:
            continue
        try:
            parsed = parse_sbom_bytes(doc)
        except FormatError:
            what = a.predicate_type if a.statement is not None else a.media_type
            out.append(SbomDocument(a, doc, unknown_sbom(what), False))
            continue
        out.append(SbomDocument(a, doc, parsed, a.platform not in seen))
        seen.add(a.platform)
    return out


def unreadable_provenances(d: Discovery) -> list[Attestation]:
    """Provenance items that exist but could not be read (over the size cap, bad JSON…, a
    malformed predicate: then with ``error``/``exception`` set to its FormatError)."""
    out = []
    for a in d.attestations:
        if a.error and a.statement is None and is_provenance_type(a.predicate_type):
            out.append(a)
            continue
        record = _record(a)
        if isinstance(record, FormatError):
            out.append(dataclasses.replace(a, error=str(record), exception=record))
    return out


def unreadable_sboms(d: Discovery) -> list[Attestation]:
    """SBOM items (in-toto or raw) that exist but could not be read."""
    return [
        a
        for a in d.attestations
        if a.error
        and a.statement is None
        and (a.kind is Kind.SBOM or classify_predicate(a.predicate_type).is_sbom)
    ]


def _label(a: Attestation) -> str:
    """How an error names ``a``'s layer (a local file's item: by the file and line)."""
    if a.store is Store.FILE:
        return a.found_via
    return blob_label(a.layer, kind="layer")


def _sbom_bytes(a: Attestation) -> bytes | None:
    """The SBOM document ``a`` carries, or None when it is no SBOM."""
    if a.statement is not None and classify_predicate(a.statement.predicate_type).is_sbom:
        return predicate_bytes(a)
    if a.kind is Kind.SBOM and a.data is not None:
        return a.data
    return None
