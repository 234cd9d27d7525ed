"""``--check-base-updates``: has a base image's tag moved since the build?

For every ``unpinned-base`` finding that knows the digest the build resolved
(``resolvedDigest``, from the provenance materials), the tag is resolved *now* — for the
platform the material names, so an index is followed to the same platform's manifest —
and a ``base-outdated`` finding ("rebuild needed") is added when the digests differ.
This contacts the base images' registries (often not the audited one), which is why the
CLI leaves it off by default.  Each (image, platform) is resolved once per run; a failed
lookup is recorded on the row (``baseUpdateErrors``), never guessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import OcitraceError
from ..oci.platform import parse_platform
from ..reference import parse_reference
from ..resolve import resolve_digest
from ..source import Source
from .policy import Policy
from .practices import CHECKS, PracticeFinding
from .rows import Row

__all__ = ["check_base_updates"]

SourceOpener = Callable[[str, str], Source]


def _material_platform(row: Row, digest: str) -> str:
    record = row.records.get("provenanceRecord") or {}
    for dep in record.get("dependencies") or []:
        digests = dep.get("digest") or {}
        if digest.partition(":")[2] in digests.values():
            return str(dep.get("platform") or "")
    return ""


def check_base_updates(rows: Sequence[Row], open_source: SourceOpener, policy: Policy) -> list[Row]:
    """``rows`` with ``base-outdated`` findings added (and failures, when the policy fails them)."""
    memo: dict[tuple[str, str], str | OcitraceError] = {}

    def now_digest(image: str, platform: str) -> str | OcitraceError:
        key = (image, platform)
        if key not in memo:
            try:
                ref = parse_reference(image)
                source = open_source(ref.registry, ref.repository)
                desc = resolve_digest(
                    source,
                    ref.identifier,
                    platform=parse_platform(platform) if platform else None,
                    what=image,
                )
                memo[key] = desc.digest
            except OcitraceError as exc:
                memo[key] = exc
        return memo[key]

    out = []
    for row in rows:
        added: list[PracticeFinding] = []
        errors: list[str] = []
        for f in row.records.get("findings") or []:
            ev: Mapping[str, Any] = f.get("evidence") or {}
            if f.get("id") != "unpinned-base" or not ev.get("resolvedDigest"):
                continue
            image, built_on = str(ev.get("image")), str(ev["resolvedDigest"])
            platform = _material_platform(row, built_on)
            current = now_digest(image, platform)
            if isinstance(current, OcitraceError):
                errors.append(f"{image}: {current}")
            elif current != built_on:
                added.append(
                    PracticeFinding(
                        "base-outdated",
                        CHECKS["base-outdated"].severity,
                        f"{image} now points to {current[:19]}, built on {built_on[:19]}: "
                        "rebuild needed",
                        {
                            "image": image,
                            "platform": platform or None,
                            "builtOn": built_on,
                            "now": current,
                        },
                    )
                )
        if not added and not errors:
            out.append(row)
            continue
        effective = policy.resolve(row.repository)
        fails, kept = effective.evaluate_findings(added)
        records = dict(row.records)
        records["findings"] = [
            *(row.records.get("findings") or []),
            *({**f.to_json(), "action": a} for f, a in kept),
        ]
        if errors:
            records["baseUpdateErrors"] = errors
        new_fails = tuple(m for m in fails if m not in row.failures)
        out.append(dataclasses.replace(row, failures=row.failures + new_fails, records=records))
    return out
