"""From an audited image's statements to :class:`Facts`, JSON records and rows.

This is the one place where the audit reads decoded attestations; everything after it
(policies, columns, output) sees only :class:`Facts` and the JSON records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import FormatError, OcitraceError
from .facts import Facts
from .image import ImageResult, PlatformImage, Statement, is_provenance, is_sbom
from .policy import Policy
from .rows import Row

__all__ = ["facts_for", "platform_rows"]


def platform_rows(result: ImageResult, policy: Policy, now: datetime) -> list[Row]:
    """One row per platform of ``result``, policies applied."""
    rows = []
    for p in result.platforms:
        error = p.error
        try:
            facts, records = facts_for(p)
        except OcitraceError as exc:
            facts, records, error = Facts(), {}, error or f"attestation: {exc}"
        rows.append(
            Row(
                repository=result.task.name,
                tag=result.task.tag,
                digest=result.digest,
                platform=p.platform,
                facts=facts,
                failures=policy.evaluate(facts, now) if error is None else (),
                error=error,
                records={"platformDigest": p.digest, "attestation": p.attestation, **records},
            )
        )
    return rows


def facts_for(p: PlatformImage) -> tuple[Facts, dict[str, Any]]:
    """Facts and the full decoded records (``provenanceRecord``, ``sboms``) of one platform."""
    provenance = [s for s in p.statements if is_provenance(s.predicate_type)]
    sboms = [s for s in p.statements if is_sbom(s.predicate_type)]
    facts = Facts(built_at=p.config_created, built_at_from="config" if p.config_created else None)
    records: dict[str, Any] = {"provenanceRecord": None, "sboms": []}
    if provenance:
        prov_facts, record = _provenance(provenance[0])
        facts = _merge(facts, prov_facts)
        records["provenanceRecord"] = record
    if sboms:
        summaries = [_sbom(s) for s in sboms]
        records["sboms"] = summaries
        facts = _replace(facts, sbom_packages=sum(int(s["packages"]) for s in summaries))
    return facts, records


def _merge(base: Facts, prov: Facts) -> Facts:
    built_at, built_from = (
        (prov.built_at, "provenance") if prov.built_at else (base.built_at, base.built_at_from)
    )
    return _replace(
        prov, built_at=built_at, built_at_from=built_from, sbom_packages=base.sbom_packages
    )


def _replace(f: Facts, **changes: Any) -> Facts:
    import dataclasses

    return dataclasses.replace(f, **changes)


def _statement(s: Statement) -> Mapping[str, Any]:
    try:
        obj = json.loads(s.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"in-toto statement {s.digest} is not JSON: {exc}", input=s.digest
        ) from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("predicate"), dict):
        raise FormatError(f"in-toto statement {s.digest} has no predicate object", input=s.digest)
    return obj


def _provenance(s: Statement) -> tuple[Facts, dict[str, Any]]:
    """SLSA provenance → facts and the normalised record (:mod:`ocitrace.attest`)."""
    from ..attest.intoto import parse_statement
    from ..attest.provenance import parse_provenance

    stmt = parse_statement(s.data, what=f"in-toto statement {s.digest}")
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
    return facts, {"digest": s.digest, **record.to_json()}


def _sbom(s: Statement) -> dict[str, Any]:
    pred = _statement(s)["predicate"]
    if "spdxVersion" in pred:
        tools = [
            c[6:]
            for c in _obj(pred.get("creationInfo")).get("creators") or ()
            if str(c).startswith("Tool: ")
        ]
        return {
            "format": str(pred.get("spdxVersion")),
            "name": _str(pred.get("name")),
            "packages": len(pred.get("packages") or ()),
            "tool": ", ".join(tools) or None,
            "digest": s.digest,
        }
    meta = _obj(pred.get("metadata"))
    return {
        "format": f"CycloneDX-{pred.get('specVersion', '')}",
        "name": _str(_obj(meta.get("component")).get("name")),
        "packages": len(pred.get("components") or ()),
        "tool": None,
        "digest": s.digest,
    }


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: object) -> str | None:
    return str(value) if isinstance(value, str) and value else None
