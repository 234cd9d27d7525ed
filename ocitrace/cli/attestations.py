"""``ocitrace attestations REF`` (alias ``att``): every attestation, wherever it lives.

One table per platform (plus one for items on the index itself) labelled with the store
each item was found in; consistency findings below.  When nothing is found, every place
asked is listed with its answer.  Also holds the open/discover helper shared with the
``provenance`` and ``sbom`` commands.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import exitcodes

if TYPE_CHECKING:
    from ..discover import Attestation, Discovery
    from ..registry import RegistryClient
    from ..source import Source

__all__ = [
    "DiscoveredRef",
    "add_discovery_options",
    "discover_target",
    "indented_table",
    "register",
    "require_found",
    "run",
    "where_json",
]

EPILOG = """\
examples:
  ocitrace attestations 127.0.0.1:5000/app:v1
  ocitrace att --platform linux/arm64 oci-layout://./layout:v1
  ocitrace att --json ghcr.io/acme/app@sha256:...
  COSIGN_REPOSITORY=127.0.0.1:5000/sigs ocitrace att 127.0.0.1:5000/app:v1

stores: buildkit (index entries), referrers (OCI 1.1 API), referrers-tag (sha256-<hex>
fallback index), cosign-tag (sha256-<hex>.att/.sig/.sbom), bundle (Sigstore bundle).
Signatures are reported as present and are NOT verified.

--json prints one object:
  {"name", "digest", "mediaType", "size",
   "images": [{"platform", "digest"}],
   "attestations": [{"store", "alsoIn", "kind", "platform", "attachedTo", "manifestDigest",
                     "layerDigest", "mediaType", "predicateType", "subjects", "envelope",
                     "signatures", "verified", "size", "shape", "foundVia", "error"}],
   "checked": [{"digest", "place", "answer"}],
   "findings": [{"code", "severity", "message", "digest"}]}
"""

UNVERIFIED_NOTE = (
    "signatures are reported as present and NOT verified (verification is not implemented yet)"
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


def add_discovery_options(p: argparse.ArgumentParser) -> None:
    """``--platform``, ``--no-referrers``, ``--no-cosign``, ``--cosign-repository`` + registry options."""
    p.add_argument(
        "--platform",
        action="append",
        metavar="OS/ARCH[/VARIANT]",
        help="only this platform (repeatable); items on the index itself are always shown",
    )
    p.add_argument("--no-referrers", action="store_true", help="skip OCI referrers lookups")
    p.add_argument(
        "--no-cosign", action="store_true", help="skip cosign sha256-<hex>.att/.sig/.sbom tags"
    )
    p.add_argument(
        "--cosign-repository",
        metavar="REPO",
        default=os.environ.get("COSIGN_REPOSITORY") or None,
        help="repository holding cosign tags (default: $COSIGN_REPOSITORY, else the image's)",
    )
    from .common import add_registry_options

    add_registry_options(p)


@dataclass(frozen=True)
class DiscoveredRef:
    """A discovered reference: what the user typed, the source, and the discovery."""

    text: str
    name: str
    source: Source
    discovery: Discovery


def discover_target(args: argparse.Namespace) -> DiscoveredRef:
    """Open ``args.ref``, resolve it and run discovery with the shared options."""
    from ..discover import discover, lookups_for
    from ..discover.collect import DEFAULT_MAX_BLOB_SIZE
    from ..oci.platform import parse_platform

    platforms = [parse_platform(p) for p in (args.platform or ())]
    lookups = lookups_for(referrers=not args.no_referrers, cosign=not args.no_cosign)
    opener, close = _opener(args)
    try:
        source, identifier, name = opener(args.ref)
        cosign = _cosign_source(opener, args.cosign_repository)
        top = source.manifest(identifier)
        found = discover(
            source,
            top,
            platforms=platforms or None,
            lookups=lookups,
            cosign_source=cosign,
            max_blob_size=getattr(args, "max_blob_size", None) or DEFAULT_MAX_BLOB_SIZE,
            name=name,
        )
    finally:
        close()
    return DiscoveredRef(args.ref, name, source, found)


Opener = Callable[[str], "tuple[Source, str, str]"]


def _cosign_source(opener: Opener, text: str | None) -> Source | None:
    """The ``--cosign-repository`` source; a bad value is reported under the flag's name."""
    from ..errors import ReferenceError

    if not text:
        return None
    try:
        return opener(text)[0]
    except ReferenceError as exc:
        raise ReferenceError(
            f"--cosign-repository {text}: {exc}",
            input=text,
            hint="give a repository such as registry.example/sigs ($COSIGN_REPOSITORY too)",
        ) from exc


def _opener(args: argparse.Namespace) -> tuple[Opener, Callable[[], None]]:
    """Opener for ``oci-layout://`` and registry references, as ``open_source_from_args``
    opens them (``--max-blob-size`` on layouts, ``--username`` credentials bound to the
    registries the command line names: REF and ``--cosign-repository``), but with one
    registry client for both: one transport, one password read, one referrers-API memo.
    The registry stack is built on first use, so a layout-only run makes none."""
    from ..opener import open_layout
    from ..reference import LayoutReference, parse_any
    from .common import client_from_args, limits_from_args, registries_of

    clients: list[RegistryClient] = []

    def opener(text: str) -> tuple[Source, str, str]:
        ref = parse_any(text)
        if isinstance(ref, LayoutReference):
            return open_layout(ref, limits_from_args(args)), ref.identifier, str(ref)
        if not clients:
            named = registries_of(r for r in (args.ref, args.cosign_repository) if r)
            clients.append(client_from_args(args, credentials_for=named))
        return clients[0].repository(ref.registry, ref.repository), ref.identifier, str(ref)

    def close() -> None:
        for client in clients:
            client.transport.close()

    return opener, close


def run(args: argparse.Namespace) -> int:
    target = discover_target(args)
    d = target.discovery
    if args.json:
        out = {"name": target.name, **d.to_json()}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return exitcodes.OK
    sys.stdout.write(render_text(target.name, d, full=args.no_trunc, checked=args.checked))
    return exitcodes.OK


def require_found(
    name: str, what: str, bad: Sequence[Attestation], *, found_any: bool, missing: str
) -> None:
    """Stop unless something of the kind asked for was read.

    ``bad`` are items of that kind that could not be read (over ``--max-blob-size``,
    missing blob, bad JSON): an error when nothing readable was found, else a warning
    each, so that "none found" is never claimed for content that exists.  With nothing
    at all, :class:`~ocitrace.errors.NotFound` ``NAME: MISSING``.
    """
    from ..errors import IntegrityError, NotFound

    if bad and not found_any:
        first = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise IntegrityError(
            f"{name}: the {what} attestation of {first.platform} could not be read: "
            f"{first.error}{more}",
            input=name,
            hint="raise --max-blob-size if the layer is over the cap; "
            "ocitrace attestations REF shows each item and its error",
        )
    if not found_any:
        raise NotFound(
            f"{name}: {missing}",
            input=name,
            hint="ocitrace attestations REF lists every place checked",
        )
    for a in bad:
        sys.stderr.write(
            f"ocitrace: warning: {name}: {what} of {a.platform} skipped, unreadable: {a.error}\n"
        )


# --- text rendering ------------------------------------------------------------------------


def render_text(name: str, d: Discovery, *, full: bool = False, checked: bool = False) -> str:
    """The human listing: header, one table per group, findings, notes."""
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
        lines.append(f"{title}  {short(digest)}".rstrip())
        if items:
            lines += _table(items, short).splitlines()
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
    if any(a.signed for a in d.attestations):
        lines.append(f"Note: {UNVERIFIED_NOTE}.")
    return "\n".join(lines).rstrip("\n") + "\n"


def indented_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain table (cells as given, no number parsing), every line indented two spaces."""
    from tabulate import tabulate

    text: str = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)
    return "\n".join("  " + line.rstrip() for line in text.splitlines())


def where_json(a: Attestation) -> dict[str, Any]:
    """The JSON keys locating ``a``, shared by the ``provenance`` and ``sbom`` entries."""
    return {
        "platform": a.platform,
        "attachedTo": a.attached_to,
        "store": a.store.value,
        "manifestDigest": a.manifest_digest,
        "layerDigest": a.layer.digest,
    }


def _table(items: Sequence[Attestation], short: Callable[[str], str]) -> str:
    rows = [
        [
            _store(a),
            _predicate(a),
            ", ".join(short(s) for s in a.subjects) or "-",
            _signed(a),
            a.size,
            short(a.manifest_digest),
        ]
        for a in items
    ]
    return indented_table(
        rows, ["STORE", "PREDICATE TYPE", "SUBJECT", "SIGNED", "SIZE", "MANIFEST"]
    )


def _store(a: Attestation) -> str:
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


def _signed(a: Attestation) -> str:
    if not a.signed:
        return "no"
    return f"yes ({a.signatures}, unverified)"


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
            f"  {short(digest)} ({label}): {notes}" if label else f"  {short(digest)}: {notes}"
        )
    return out


def _findings(d: Discovery) -> list[str]:
    if not d.findings:
        return []
    return ["Checks:"] + [f"  {f.severity.value}: {f.message}" for f in d.findings] + [""]


def _short(digest: str) -> str:
    alg, _, hex_ = digest.partition(":")
    return f"{alg}:{hex_[:12]}" if hex_ else digest
