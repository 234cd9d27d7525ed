"""``ocitrace sbom REF``: the packages in an image's SBOMs, per platform.

Reads SPDX 2.x JSON and CycloneDX JSON from in-toto attestations (any store) and
cosign ``.sbom`` attachments.  BuildKit's extra SBOMs (``BUILDKIT_SBOM_SCAN_CONTEXT`` /
``_STAGE``) are labelled by their SPDX name: ``sbom`` is the image, ``sbom-context`` the
build context, ``sbom-<stage>`` a build stage.  ``-o spdx-json`` writes the document
byte for byte as stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import exitcodes
from .attestations import add_discovery_options, check_unreadable, discover_target

if TYPE_CHECKING:
    from ..attest.sbom import Sbom
    from ..discover import Attestation, Discovery

__all__ = ["SbomDoc", "register", "run", "sboms"]

EPILOG = """\
examples:
  ocitrace sbom 127.0.0.1:5000/app:v1
  ocitrace sbom --platform linux/arm64 --json oci-layout://./layout:v1
  ocitrace sbom -o spdx-json --platform linux/amd64 127.0.0.1:5000/app:v1 > sbom.spdx.json
  ocitrace sbom -o spdx-json --document sbom-context 127.0.0.1:5000/app:v1
  ocitrace sbom --json 127.0.0.1:5000/app:v1 | jq -r '.[].packages[].purl'

--json prints a list, one object per SBOM document:
  [{"platform", "attachedTo", "store", "manifestDigest", "layerDigest", "predicateType",
    "role", "primary",
    "summary": {"format", "documentName", "packageCount", "tools", "created", "namespace"},
    "packages": [{"name", "version", "type", "purl", "license"}]}]
Exit code 4 when the image has no SBOM.
"""

FORMATS = ("spdx-json", "cyclonedx-json")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sbom",
        help="list the packages in an image's SBOMs (SPDX, CycloneDX)",
        description="List the packages of each platform's SBOM documents, from whichever "
        "store holds them; or write one document exactly as stored.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG]")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="summaries and packages as JSON")
    out.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        metavar="FORMAT",
        help="write one document byte for byte as stored: spdx-json or cyclonedx-json",
    )
    p.add_argument(
        "--document",
        metavar="NAME",
        help="with -o: the document with this SPDX name (e.g. sbom-context); default the image's",
    )
    add_discovery_options(p)
    p.set_defaults(func=run)


@dataclass(frozen=True)
class SbomDoc:
    """One SBOM document: where it was found, its bytes as stored, and its parse."""

    attestation: Attestation
    document: bytes
    sbom: Sbom
    primary: bool  # the first SBOM of its platform (buildx's .SPDX); others are additional

    @property
    def format(self) -> str:
        return "spdx-json" if self.sbom.summary.format.startswith("spdx") else "cyclonedx-json"

    @property
    def name(self) -> str:
        return self.sbom.summary.document_name

    @property
    def role(self) -> str:
        """What BuildKit scanned: the image, the build context, or a stage."""
        n = self.name
        if n == "sbom":
            return "image"
        if n == "sbom-context":
            return "build context"
        if n.startswith("sbom-"):
            return f"stage {n[5:]}"
        return "image" if self.primary else "additional"


def sboms(d: Discovery) -> list[SbomDoc]:
    """Every parseable SBOM in ``d``, platform by platform (index-level last)."""
    from ..attest.sbom import parse_sbom_bytes
    from ..attest.types import classify_predicate
    from ..discover import Kind
    from ..discover.rawjson import member_bytes
    from ..errors import FormatError

    order = {i.platform: n for n, i in enumerate(d.images)}
    out: list[SbomDoc] = []
    seen: set[str] = set()
    for a in sorted(d.attestations, key=lambda a: order.get(a.platform, len(order))):
        try:
            if a.statement is not None and classify_predicate(a.statement.predicate_type).is_sbom:
                raw = a.statement_bytes or a.statement.raw
                doc = member_bytes(raw, "predicate")
            elif a.kind is Kind.SBOM and a.data is not None:
                doc = a.data
            else:
                continue
            parsed = parse_sbom_bytes(doc)
        except FormatError:
            continue  # shown by `attestations`; not a table we can print
        out.append(SbomDoc(a, doc, parsed, a.platform not in seen))
        seen.add(a.platform)
    return out


def run(args: argparse.Namespace) -> int:
    from ..attest.types import classify_predicate
    from ..discover import Kind
    from ..errors import NotFound

    target = discover_target(args)
    docs = sboms(target.discovery)
    bad = [
        a
        for a in target.discovery.attestations
        if a.error
        and a.statement is None
        and (a.kind is Kind.SBOM or classify_predicate(a.predicate_type).is_sbom)
    ]
    check_unreadable(target.name, "SBOM", bad, found_any=bool(docs))
    if not docs:
        raise NotFound(
            f"{target.name}: no SBOM found",
            input=target.name,
            hint="ocitrace attestations REF lists every place checked",
        )
    if args.output:
        sys.stdout.buffer.write(_pick(docs, args.output, args.document, target.name).document)
    elif args.json:
        sys.stdout.write(json.dumps([_json(doc) for doc in docs], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(_table(doc) for doc in docs))
    sys.stdout.flush()
    return exitcodes.OK


def _pick(docs: Sequence[SbomDoc], fmt: str, name: str | None, ref: str) -> SbomDoc:
    """The one document ``-o`` writes; identical documents across platforms count as one."""
    from ..errors import NotFound, UsageError

    cands = [d for d in docs if d.format == fmt]
    cands = [d for d in cands if d.name == name] if name else [d for d in cands if d.primary]
    if not cands:
        have = ", ".join(sorted({f"{d.format}:{d.name or '?'}" for d in docs}))
        raise NotFound(
            f"{ref}: no {fmt} SBOM{f' named {name}' if name else ''}",
            input=ref,
            hint=f"found: {have}",
        )
    if len({d.document for d in cands}) > 1:
        where = ", ".join(f"{d.attestation.platform} {d.name}" for d in cands)
        raise UsageError(
            f"{ref}: {len(cands)} different {fmt} documents ({where}); -o writes one",
            input=ref,
            hint="choose with --platform and --document",
        )
    return cands[0]


def _json(doc: SbomDoc) -> dict[str, Any]:
    a = doc.attestation
    return {
        "platform": a.platform,
        "attachedTo": a.attached_to,
        "store": a.store.value,
        "manifestDigest": a.manifest_digest,
        "layerDigest": a.layer.digest,
        "predicateType": a.predicate_type,
        "role": doc.role,
        "primary": doc.primary,
        "summary": doc.sbom.summary.to_json(),
        "packages": [p.to_json() for p in doc.sbom.packages],
    }


def _table(doc: SbomDoc) -> str:
    from tabulate import tabulate

    a, s = doc.attestation, doc.sbom.summary
    which = "SBOM" if doc.primary else "additional SBOM"
    tools = ", ".join(s.tools) or "unknown tool"
    head = (
        f"{a.platform}  {a.attached_to}\n"
        f"  {which}: {s.document_name or '(unnamed)'} [{doc.role}] {s.format}, "
        f"{s.package_count} package(s), {tools} ({a.store}, manifest {a.manifest_digest})"
    )
    if not doc.sbom.packages:
        return head + "\n  (no packages)\n"
    rows = [
        [p.name, p.version or "-", p.type or "-", p.purl or "-", p.license or "-"]
        for p in doc.sbom.packages
    ]
    table = tabulate(
        rows,
        headers=["NAME", "VERSION", "TYPE", "PURL", "LICENSE"],
        tablefmt="plain",
        disable_numparse=True,
    )
    return head + "\n" + "\n".join("  " + ln.rstrip() for ln in table.splitlines()) + "\n"
