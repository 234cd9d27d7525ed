"""``ocitrace sbom REF``: the packages in an image's SBOMs, per platform.

Reads SPDX 2.x JSON and CycloneDX JSON from in-toto attestations (any store) and
cosign ``.sbom`` attachments.  BuildKit's extra SBOMs (``BUILDKIT_SBOM_SCAN_CONTEXT`` /
``_STAGE``) are labelled by their SPDX name: ``sbom`` is the image, ``sbom-context`` the
build context, ``sbom-<stage>`` a build stage.  ``--write-document spdx-json`` writes
the document byte for byte as stored.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..textsafe import escape_line
from . import exitcodes
from .common import write_bytes
from .discovery import (
    add_discovery_options,
    discover_target,
    indented_table,
    require_found,
    warn_subject_mismatches,
    where_json,
    where_text,
)
from .output import human

if TYPE_CHECKING:
    from ..discover.select import SbomDocument

__all__ = ["register", "run"]

EPILOG = """\
examples:
  ocitrace sbom 127.0.0.1:5000/app:v1
  ocitrace sbom --platform linux/arm64 --json oci-layout://./layout:v1
  ocitrace sbom --write-document spdx-json --platform linux/amd64 127.0.0.1:5000/app:v1 > sbom.spdx.json
  ocitrace sbom --write-document spdx-json --document sbom-context 127.0.0.1:5000/app:v1
  ocitrace sbom --json 127.0.0.1:5000/app:v1 | jq -r '.[].packages[].purl'

--json prints a list, one object per SBOM document:
  [{"platform", "attachedTo", "store", "manifestDigest", "layerDigest", "predicateType",
    "role", "primary",
    "summary": {"format", "documentName", "packageCount", "tools", "created", "namespace"},
    "packages": [{"name", "version", "type", "purl", "license"}]}]
Exit code 4 when the image has no SBOM.
"""

FORMATS = ("spdx-json", "cyclonedx-json")
OUTPUTS = ("table", "json")


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
        type=_output_format,
        metavar="FORMAT",
        help="output format: table (default) or json (same as --json)",
    )
    out.add_argument(
        "--write-document",
        choices=FORMATS,
        metavar="FORMAT",
        help="write one SBOM document byte for byte as stored: spdx-json or cyclonedx-json",
    )
    p.add_argument(
        "--document",
        metavar="NAME",
        help="with --write-document: the document with this SPDX name (e.g. sbom-context); "
        "default the image's",
    )
    add_discovery_options(p)
    p.set_defaults(func=run)


def _output_format(text: str) -> str:
    """``-o`` names an output format as in every command; the stored document has its own
    flag (``-o spdx-json`` used to write it)."""
    if text in OUTPUTS:
        return text
    if text in FORMATS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is a document format: write the stored document with "
            f"--write-document {text} (-o names the output format: {', '.join(OUTPUTS)})"
        )
    raise argparse.ArgumentTypeError(
        f"invalid output format {text!r} (choose from {', '.join(OUTPUTS)})"
    )


def __getattr__(name: str) -> Any:
    """``sboms`` moved to :func:`ocitrace.discover.select.sboms`; still importable from here,
    lazily, so that ``ocitrace --help`` does not load the decoders."""
    if name == "sboms":
        from ..discover.select import sboms

        return sboms
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(args: argparse.Namespace) -> int:
    from ..discover.select import sboms, unreadable_sboms

    target = discover_target(args)
    docs = sboms(target.discovery)
    bad = unreadable_sboms(target.discovery)
    require_found(args, target.name, "SBOM", bad, found_any=bool(docs), missing="no SBOM found")
    warn_subject_mismatches(args, target.discovery, [doc.attestation for doc in docs])
    if args.write_document:
        doc = _pick(docs, args.write_document, args.document, target.name)
        write_bytes(args.stdout, doc.document)
    elif args.json or args.output == "json":
        args.stdout.write(json.dumps([_json(doc, target.report) for doc in docs], indent=2) + "\n")
    else:
        human(args.stdout).write("\n".join(_table(doc, target.report) for doc in docs))
    args.stdout.flush()
    return exitcodes.OK


def _pick(docs: Sequence[SbomDocument], fmt: str, name: str | None, ref: str) -> SbomDocument:
    """The one document ``--write-document`` writes (identical documents across platforms
    count as one)."""
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
            f"{ref}: {len(cands)} different {fmt} documents ({where}); --write-document writes one",
            input=ref,
            hint="choose with --platform and --document",
        )
    return cands[0]


def _json(doc: SbomDocument, report: Any = None) -> dict[str, Any]:
    a = doc.attestation
    entry = {
        **where_json(a),
        "predicateType": a.predicate_type,
        "role": doc.role,
        "primary": doc.primary,
        "summary": doc.sbom.summary.to_json(),
        "packages": [p.to_json() for p in doc.sbom.packages],
    }
    if report is not None:  # a policy was given: which signer vouches for the SBOM
        from .verify import verification_json

        entry["verification"] = verification_json(a, report)
    return entry


def _table(doc: SbomDocument, report: Any = None) -> str:
    from .verify import signer_line

    a, s = doc.attestation, doc.sbom.summary
    which = "SBOM" if doc.primary else "additional SBOM"
    tools = ", ".join(s.tools) or "unknown tool"
    head = (  # two lines, each one line whatever the fields hold
        escape_line(f"{a.platform}  {a.attached_to}")
        + "\n  "
        + escape_line(
            f"{which}: {s.document_name or '(unnamed)'} [{doc.role}] {s.format}, "
            f"{s.package_count} package(s), {tools} ({where_text(a)})"
        )
    )
    if report is not None:
        head += f"\n  {signer_line(a, report)}"
    if not doc.sbom.packages:
        return head + "\n  (no packages)\n"
    rows = [
        [p.name, p.version or "-", p.type or "-", p.purl or "-", p.license or "-"]
        for p in doc.sbom.packages
    ]
    table = indented_table(rows, ["NAME", "VERSION", "TYPE", "PURL", "LICENSE"])
    return f"{head}\n{table}\n"
