"""``ocitrace attestations REF`` (alias ``att``): every attestation, wherever it lives.

One table per platform (plus one for items on the index itself) labelled with the store
each item was found in; consistency findings below.  When nothing is found, every place
asked is listed with its answer.  The helpers shared with ``provenance`` and ``sbom`` live
in :mod:`.discovery`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..textsafe import escape_line
from . import exitcodes
from .discovery import add_discovery_options, discover_target, indented_table

if TYPE_CHECKING:
    from ..discover import Attestation, Discovery

__all__ = ["register", "render_text", "run"]

EPILOG = """\
examples:
  ocitrace attestations 127.0.0.1:5000/app:v1
  ocitrace att --platform linux/arm64 oci-layout://./layout:v1
  ocitrace att --json ghcr.io/acme/app@sha256:...
  ocitrace att --bundle sha256:....jsonl ghcr.io/acme/app:v1   # gh attestation download
  COSIGN_REPOSITORY=127.0.0.1:5000/sigs ocitrace att 127.0.0.1:5000/app:v1
  ocitrace att --certificate-identity-regexp '^https://github.com/acme/' \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com ghcr.io/acme/app:v1

stores: buildkit (index entries), referrers (OCI 1.1 API), referrers-tag (sha256-<hex>
fallback index), cosign-tag (sha256-<hex>.att/.sig/.sbom), bundle (Sigstore bundle),
file:PATH (--bundle FILE: a bundle, DSSE envelope or gh attestation download's JSON
lines, checked against REF's digest: a "subject-mismatch" warning when it names another).
SIGNED: "unsigned" or "signed (no policy given)"; with a policy (the flags of
ocitrace verify: --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp],
--key, --notation-trust-store) every item is verified: "verified <identity>" or
"invalid: <reason>", and each --json attestation gets a "verification" object (the
ocitrace verify --json item).

--json prints one object:
  {"name", "digest", "mediaType", "size",
   "images": [{"platform", "digest"}],
   "attestations": [{"store", "alsoIn", "kind", "platform", "attachedTo", "manifestDigest",
                     "layerDigest", "mediaType", "predicateType", "subjects", "envelope",
                     "signatures", "verified", "size", "shape", "foundVia", "error",
                     "errorKind"}],
   "checked": [{"digest", "place", "answer"}],
   "findings": [{"code", "severity", "message", "digest"}]}
"""

UNVERIFIED_NOTE = (
    "signatures are reported as present and NOT verified: give a policy (e.g. "
    "--certificate-identity-regexp and --certificate-oidc-issuer, or --key) to verify them"
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "attestations",
        aliases=["att"],
        help="list attestations from every store (BuildKit, referrers, cosign, bundles)",
        description="List the attestations, signatures and SBOMs of an image, per platform, "
        "labelled with where each was found.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ref", metavar="REF", help="image reference or oci-layout://PATH[:TAG]")
    p.add_argument("--json", action="store_true", help="print the discovery as JSON")
    p.add_argument("--no-trunc", action="store_true", help="print full digests")
    p.add_argument(
        "--checked", action="store_true", help="also list every place asked and its answer"
    )
    add_discovery_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = discover_target(args)
    d = target.discovery
    if args.json:
        out = {"name": target.name, **d.to_json()}
        if target.report is not None:
            from .verify import verification_json

            for a, entry in zip(d.attestations, out["attestations"], strict=True):
                entry["verification"] = verification_json(a, target.report)
                entry["verified"] = bool(
                    entry["verification"] and entry["verification"]["status"] == "verified"
                )
        args.stdout.write(json.dumps(out, indent=2) + "\n")
        return exitcodes.OK
    from .output import human

    human(args.stdout).write(
        render_text(target.name, d, full=args.no_trunc, checked=args.checked, report=target.report)
    )
    return exitcodes.OK


# --- text rendering ------------------------------------------------------------------------


def render_text(
    name: str, d: Discovery, *, full: bool = False, checked: bool = False, report: Any = None
) -> str:
    """The human listing: header, one table per group, findings, notes; ``report`` (a
    :class:`~ocitrace.verify.VerifyReport`) fills the SIGNED column when a policy was given."""
    from ..discover import INDEX_LEVEL

    short = (lambda x: x) if full else _short
    lines = [
        f"Name:      {name}",
        f"MediaType: {d.top.media_type}",
        f"Digest:    {d.top.digest}",
        "",
    ]
    if not d.attestations:
        lines.append(f"No attestations found for {name}. Places checked:")
        lines += _checked_lines(d, full=True)
        lines += _findings(d)
        return "\n".join(lines) + "\n"
    groups: list[tuple[str, str, Sequence[Attestation]]] = []
    if d.is_index:
        groups.append(("index (all platforms)", d.top.digest, d.index_level()))
    groups += [(i.platform, i.digest, d.for_platform(i.platform)) for i in d.images]
    known = {INDEX_LEVEL} | {i.platform for i in d.images}
    stray = [a for a in d.attestations if a.platform not in known]
    if stray:
        groups.append(("not an image of this index", "", stray))
    for title, digest, items in groups:
        if not items and title.startswith("index"):
            continue
        lines.append(escape_line(f"{title}  {short(digest)}".rstrip()))  # one line
        if items:
            lines += _table(items, short, report).splitlines()
        else:
            lines.append(
                "  (none found: " + " · ".join(str(c) for c in d.checked_for(digest)) + ")"
            )
        lines.append("")
    if checked:
        lines.append("Places checked:")
        lines += _checked_lines(d, full=full)
        lines.append("")
    lines += _findings(d)
    if report is None and any(a.signed for a in d.attestations):
        lines.append(f"Note: {UNVERIFIED_NOTE}.")
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(items: Sequence[Attestation], short: Callable[[str], str], report: Any = None) -> str:
    from .verify import signed_cell

    rows = [
        [
            _store(a),
            _predicate(a),
            ", ".join(short(s) for s in a.subjects) or "-",
            signed_cell(a, report),
            a.size,
            short(a.manifest_digest) or "-",
        ]
        for a in items
    ]
    return indented_table(
        rows, ["STORE", "PREDICATE TYPE", "SUBJECT", "SIGNED", "SIZE", "MANIFEST"]
    )


def _store(a: Attestation) -> str:
    """The STORE cell; a local file's item is ``file:PATH`` (``PATH line N`` in JSON lines)."""
    from ..discover import Store
    from .discovery import where_text

    if a.store is Store.FILE:
        return where_text(a)
    extra = "".join(f"+{s.value}" for s in a.also_in)
    return f"{a.store.value}{extra}"


def _predicate(a: Attestation) -> str:
    from ..discover import Kind

    if a.error:
        return f"{a.predicate_type or a.media_type or '?'} (unreadable: {a.error})"
    if a.kind is Kind.ATTESTATION:
        return a.predicate_type or "(unknown predicate type)"
    if a.kind is Kind.SIGNATURE:
        return f"(signature) {a.predicate_type}".rstrip()
    return f"({a.kind.value}) {a.media_type}"


def _checked_lines(d: Discovery, *, full: bool) -> list[str]:
    short = (lambda x: x) if full else _short
    platform_of = {i.digest: i.platform for i in d.images}
    order: list[str] = []
    for c in d.checked:
        if c.digest not in order:
            order.append(c.digest)
    out = []
    for digest in order:
        label = platform_of.get(digest, "index" if d.is_index else "")
        notes = " · ".join(str(c) for c in d.checked_for(digest))
        out.append(
            escape_line(
                f"  {short(digest)} ({label}): {notes}" if label else f"  {short(digest)}: {notes}"
            )
        )
    return out


def _findings(d: Discovery) -> list[str]:
    if not d.findings:
        return []
    return (
        ["Checks:"] + [f"  {f.severity.value}: {escape_line(f.message)}" for f in d.findings] + [""]
    )


def _short(digest: str) -> str:
    alg, _, hex_ = digest.partition(":")
    return f"{alg}:{hex_[:12]}" if hex_ else digest
