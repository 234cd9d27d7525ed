"""From an audited image's attestations to :class:`Facts`, JSON records and rows.

This is the one place where the audit reads decoded attestations, all through
:mod:`ocitrace.attest`: provenance via :func:`~ocitrace.attest.parse_provenance`, SBOMs
via :func:`~ocitrace.attest.parse_sbom` (so the package count is the one ``ocitrace
sbom`` prints: the document's root element is not counted).  Everything after it
(policies, columns, output) sees only :class:`Facts` and the JSON records.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from ..attest.provenance import ProvenanceRecord, parse_provenance
from ..attest.sbom import Sbom, parse_sbom, parse_sbom_bytes
from ..discover import Attestation, Finding, Kind
from ..errors import FormatError, OcitraceError
from .facts import Facts
from .image import ImageResult, PlatformImage
from .policy import Policy
from .practices import PracticeInput, check_practices
from .rows import Row
from .signing import signature_state

__all__ = ["facts_for", "platform_rows", "sbom_documents"]


def platform_rows(result: ImageResult, policy: Policy, now: datetime) -> list[Row]:
    """One row per platform of ``result``, policies applied, the image's warnings attached."""
    warnings = result.warnings
    policy = policy.resolve(result.task.name)
    rows = []
    for p in result.platforms:
        error, cause = p.error, p.exception
        try:
            facts, records, prov = _facts_and_record(p)
        except OcitraceError as exc:
            facts, records, prov = Facts(), {}, None
            if error is None:
                error, cause = f"attestation: {exc}", exc
        sig = signature_state(p.attestations, p.verifications, result.lookups)
        if sig.known:
            facts = dataclasses.replace(
                facts,
                signature=sig.state,
                signer_cell=sig.cell,
                signer_identity=sig.identity,
                signer_issuer=sig.issuer,
            )
        if p.verifications is not None:
            records = {**records, "verifications": [v.to_json() for v in p.verifications]}
        failures: tuple[str, ...] = ()
        if error is None:
            outcome = check_practices(
                PracticeInput(
                    record=prov,
                    attestations=p.attestations,
                    has_sbom=facts.has_sbom,
                    labels=p.labels,
                    lookups=frozenset(result.lookups),
                    verifications=p.verifications,
                )
            )
            finding_failures, kept = policy.evaluate_findings(outcome.findings)
            failures = policy.evaluate(facts, now) + finding_failures
            records = {
                **records,
                "findings": [{**f.to_json(), "action": a} for f, a in kept],
                "skippedChecks": list(outcome.skipped),
            }
        rows.append(
            Row(
                repository=result.task.name,
                tag=result.task.tag,
                digest=result.digest,
                platform=p.platform,
                facts=facts,
                failures=failures,
                error=error,
                exception=cause,
                warnings=tuple(_warning(f) for f in warnings),
                records={
                    "platformDigest": p.digest,
                    "attestations": list(p.attestation_manifests),
                    **records,
                },
            )
        )
    return rows


def _warning(f: Finding) -> tuple[str, str]:
    return (f.code, f.message)


def facts_for(p: PlatformImage) -> tuple[Facts, dict[str, Any]]:
    """Facts and the decoded records (``provenanceRecord``, ``sboms``) of one platform."""
    facts, records, _ = _facts_and_record(p)
    return facts, records


def _facts_and_record(p: PlatformImage) -> tuple[Facts, dict[str, Any], ProvenanceRecord | None]:
    prov_record: ProvenanceRecord | None = None
    facts = Facts(built_at=p.config_created, built_at_from="config" if p.config_created else None)
    records: dict[str, Any] = {"provenanceRecord": None, "sboms": []}
    provenance = [a for a in p.attestations if a.statement and a.statement.kind.is_provenance]
    if provenance:
        prov_facts, prov_record = _provenance(provenance[0])
        facts = _merge(facts, prov_facts)
        records["provenanceRecord"] = {
            "digest": provenance[0].layer.digest,
            "store": provenance[0].store.value,
            **prov_record.to_json(),
        }
    docs = sbom_documents(p.attestations)
    if docs:
        records["sboms"] = [
            {"digest": a.layer.digest, "store": a.store.value, **s.summary.to_json()}
            for a, s in docs
        ]
        facts = dataclasses.replace(facts, sbom_packages=_image_sbom(docs).summary.package_count)
    if p.labels is not None:
        records["labels"] = dict(p.labels)
    return facts, records, prov_record


def sbom_documents(items: tuple[Attestation, ...]) -> list[tuple[Attestation, Sbom]]:
    """Every parseable SBOM among ``items`` (in-toto SPDX/CycloneDX statements, raw documents).

    Same selection as ``ocitrace sbom``: unparseable documents are skipped (the
    ``attestations`` command shows them).
    """
    out: list[tuple[Attestation, Sbom]] = []
    for a in items:
        try:
            if a.statement is not None and a.statement.kind.is_sbom:
                out.append((a, parse_sbom(a.statement.predicate)))
            elif a.kind is Kind.SBOM and a.data is not None:
                out.append((a, parse_sbom_bytes(a.data, what=f"SBOM {a.layer.digest}")))
        except FormatError:
            continue
    return out


def _image_sbom(docs: list[tuple[Attestation, Sbom]]) -> Sbom:
    """The image's own SBOM: BuildKit names it ``sbom`` (``sbom-context`` and
    ``sbom-<stage>`` describe the build context and stages); else the first document."""
    for _, s in docs:
        if s.summary.document_name == "sbom":
            return s
    return docs[0][1]


def _merge(base: Facts, prov: Facts) -> Facts:
    built_at, built_from = (
        (prov.built_at, "provenance") if prov.built_at else (base.built_at, base.built_at_from)
    )
    return dataclasses.replace(
        prov, built_at=built_at, built_at_from=built_from, sbom_packages=base.sbom_packages
    )


def _provenance(a: Attestation) -> tuple[Facts, ProvenanceRecord]:
    """SLSA provenance → facts and the normalised record (:mod:`ocitrace.attest`)."""
    stmt = a.statement
    assert stmt is not None
    record = parse_provenance(stmt.predicate, stmt.predicate_type, stmt.type)
    facts = Facts(
        has_provenance=True,
        slsa_version=record.slsa_version,
        mode=record.mode,
        builder=record.builder_id or None,
        source=record.source_repository or None,
        revision=record.source_revision or None,
        built_at=record.finished.datetime if record.finished else None,
    )
    return facts, record
