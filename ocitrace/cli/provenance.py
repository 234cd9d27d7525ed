"""``ocitrace provenance REF``: the normalised provenance record, per platform.

Reads provenance from every store discovery knows (BuildKit, referrers, cosign,
bundles).  ``--dockerfile`` prints the Dockerfile embedded by a mode=max BuildKit build
byte for byte, ``--materials`` the base images and other dependencies, ``--json`` the
normalised record, ``--raw`` the predicate exactly as stored.
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
    from ..attest.provenance import ProvenanceRecord
    from ..discover.select import ProvenanceFound

__all__ = ["register", "run"]

EPILOG = """\
examples:
  ocitrace provenance 127.0.0.1:5000/app:v1
  ocitrace provenance --dockerfile --platform linux/amd64 127.0.0.1:5000/app:v1
  ocitrace provenance --materials oci-layout://./layout:v1
  ocitrace provenance --raw --platform linux/arm64 ghcr.io/acme/app:v1 | jq .
  ocitrace provenance --json 127.0.0.1:5000/app:v1 | jq -r '.[].provenance.source'
  ocitrace provenance --bundle app.intoto.jsonl ghcr.io/acme/app:v1

--json prints a list, one object per provenance attestation:
  [{"platform", "attachedTo", "store", "manifestDigest", "layerDigest", "subjects",
    "signed", "verified",
    "provenance": {"slsaVersion", "predicateType", "statementType", "buildType",
                   "builderId", "mode", "frontend", "frontendSource", "source",
                   "configSource", "invocationId", "startedOn", "finishedOn",
                   "dependencies", "hermetic", "reproducible", "completeness",
                   "builderPlatform", "dockerfileVersion", "buildArgs", "labels",
                   "secrets", "ssh", "locals", "vcs", "dockerfileEmbedded"}}]
Exit code 4 when the image has no provenance.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "provenance",
        help="show the SLSA provenance of an image (summary, Dockerfile, materials, raw)",
        description="Show the build provenance of each platform image, normalised across "
        "SLSA v0.2 and v1, from whichever store holds it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG]")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--dockerfile", action="store_true", help="print the embedded Dockerfile (mode=max builds)"
    )
    what.add_argument(
        "--materials", action="store_true", help="list base images and other dependencies"
    )
    what.add_argument("--json", action="store_true", help="print the normalised records as JSON")
    what.add_argument("--raw", action="store_true", help="print the predicate exactly as stored")
    add_discovery_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..discover.select import predicate_bytes, provenances, unreadable_provenances

    target = discover_target(args)
    found = provenances(target.discovery)
    bad = unreadable_provenances(target.discovery)
    missing = "no provenance attestation found"
    require_found(args, target.name, "provenance", bad, found_any=bool(found), missing=missing)
    warn_subject_mismatches(args, target.discovery, [f.attestation for f in found])
    if args.dockerfile:
        write_bytes(args.stdout, _one_dockerfile(found, target.name))
    elif args.raw:
        write_bytes(args.stdout, predicate_bytes(_single(found, target.name, "--raw").attestation))
    elif args.json:
        args.stdout.write(
            json.dumps([_json_entry(f, target.report) for f in found], indent=2) + "\n"
        )
    elif args.materials:
        human(args.stdout).write(_materials(found))
    else:
        human(args.stdout).write("\n".join(_summary(f, target.report) for f in found))
    args.stdout.flush()
    return exitcodes.OK


def _single(found: Sequence[ProvenanceFound], name: str, flag: str) -> ProvenanceFound:
    from ..errors import UsageError

    if len(found) == 1:
        return found[0]
    where = ", ".join(f"{f.attestation.platform} ({f.attestation.store})" for f in found)
    raise UsageError(
        f"{name}: {len(found)} provenance attestations ({where}); {flag} prints one",
        input=name,
        hint="choose one with --platform OS/ARCH[/VARIANT]",
    )


def _one_dockerfile(found: Sequence[ProvenanceFound], name: str) -> bytes:
    """The embedded Dockerfile; several platforms are fine when they embed the same bytes."""
    from ..errors import NotFound

    files = {f.record.dockerfile_bytes() for f in found} - {None}
    if not files:
        raise NotFound(
            f"{name}: the provenance embeds no Dockerfile",
            input=name,
            hint="only mode=max BuildKit provenance records the Dockerfile",
        )
    if len(files) > 1:
        _single(found, name, "--dockerfile")
    data = next(iter(files))
    assert data is not None
    return data


def _json_entry(f: ProvenanceFound, report: Any = None) -> dict[str, Any]:
    from .verify import verification_json

    a = f.attestation
    verification = verification_json(a, report)
    entry = {
        **where_json(a),
        "subjects": list(a.subjects),
        "signed": a.signed,
        "verified": bool(verification and verification["status"] == "verified"),
        "provenance": f.record.to_json(),
    }
    if report is not None:  # a policy was given: which signer vouches for the record
        entry["verification"] = verification
    return entry


def _materials(found: Sequence[ProvenanceFound]) -> str:
    blocks = []
    for f in found:
        rows = [
            [d.kind, d.image_ref or d.uri, d.platform or "-", d.digest or "-"]
            for d in f.record.dependencies
        ]
        head = _heading(f)
        if not rows:
            blocks.append(f"{head}\n  (no dependencies recorded)\n")
            continue
        table = indented_table(rows, ["KIND", "NAME", "PLATFORM", "DIGEST"])
        blocks.append(f"{head}\n{table}\n")
    return "\n".join(blocks)


def _heading(f: ProvenanceFound) -> str:
    a = f.attestation
    return escape_line(f"{a.platform}  {a.attached_to}  ({where_text(a)})")  # one line


def _summary(f: ProvenanceFound, report: Any = None) -> str:
    from .verify import signed_cell

    r = f.record
    a = f.attestation
    rows: list[tuple[str, str]] = [
        ("Predicate", f"{r.predicate_type} (statement {_statement_version(r.statement_type)})"),
        ("Signed by", signed_cell(a, report)),
        ("Build type", r.build_type or "-"),
        ("Builder", r.builder_id or "(not stated)"),
    ]
    if r.mode:
        rows.append(("Mode", r.mode))
    if r.frontend:
        rows.append(
            ("Frontend", r.frontend + (f" ({r.frontend_source})" if r.frontend_source else ""))
        )
    if r.source_repository or r.source_revision:
        rev = r.source_revision + (" (dirty)" if r.source_dirty else "")
        rows.append(("Source", f"{r.source_repository or '?'} @ {rev or '?'} [{r.source_from}]"))
    cs = r.config_source
    if cs.uri or cs.path:
        digest = ", ".join(f"{k}:{v}" for k, v in cs.digest.items())
        rows.append(("Config source", " ".join(x for x in (cs.uri, cs.path, digest) if x)))
    rows += [
        ("Started", str(r.started) if r.started else "-"),
        ("Finished", str(r.finished) + _duration(r) if r.finished else "-"),
    ]
    if r.invocation_id:
        rows.append(("Invocation", r.invocation_id))
    if r.builder_platform:
        rows.append(("Builder platform", r.builder_platform))
    rows += _mapping_rows("Build args", r.build_args)
    rows += _mapping_rows("Labels", r.labels)
    if r.secrets:
        rows.append(("Secrets", ", ".join(_mount(m.id, m.optional) for m in r.secrets)))
    if r.ssh:
        rows.append(("SSH", ", ".join(_mount(m.id, m.optional) for m in r.ssh)))
    base = len(r.base_images)
    rows.append(("Dependencies", f"{len(r.dependencies)} ({base} base image(s)); see --materials"))
    rows.append(("Hermetic", _tri(r.hermetic)))
    rows.append(("Reproducible", _tri(r.reproducible)))
    c = r.completeness
    rows.append(
        (
            "Complete",
            f"parameters {_tri(c.parameters)}, environment {_tri(c.environment)}, "
            f"materials {_tri(c.materials)}",
        )
    )
    rows.append(
        ("Dockerfile", "embedded (see --dockerfile)" if r.dockerfile_embedded else "not embedded")
    )
    rows.append(("Signed", f"yes, {a.signatures} signature(s), NOT verified" if a.signed else "no"))
    width = max(len(k) for k, _ in rows) + 2
    body = "\n".join(f"  {(k + ':') if k else '':<{width}}{escape_line(v)}" for k, v in rows)
    return f"{_heading(f)}\n{body}\n"


def _mapping_rows(label: str, values: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (label if n == 0 else "", f"{k}={v}") for n, (k, v) in enumerate(sorted(values.items()))
    ]


def _mount(ident: str, optional: bool) -> str:
    return f"{ident} (optional)" if optional else ident


def _tri(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _duration(r: ProvenanceRecord) -> str:
    ns = r.duration_ns
    return "" if ns is None else f" (took {ns / 1e9:.2f}s)"


def _statement_version(statement_type: str) -> str:
    return statement_type.rsplit("/", 1)[-1] if statement_type else "?"
