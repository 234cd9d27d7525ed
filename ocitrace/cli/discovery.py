"""What ``attestations``, ``provenance`` and ``sbom`` share: their discovery flags, the one
``Client.attestations`` call behind all three, and the small printing helpers.

Importing it stays light (argparse only); the library is imported when a command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..discover import Attestation, Discovery

__all__ = [
    "DiscoveredRef",
    "add_bundle_option",
    "add_discovery_options",
    "discover_target",
    "indented_table",
    "require_found",
    "warn_subject_mismatches",
    "where_json",
    "where_text",
]


def add_discovery_options(p: argparse.ArgumentParser) -> None:
    """``--platform``, ``--no-referrers``, ``--no-cosign``, ``--cosign-repository``,
    ``--bundle`` + registry options."""
    from .common import add_platform_option, add_registry_options

    add_platform_option(
        p,
        help="only this platform (repeatable, or comma-separated); items on the index "
        "itself are always shown",
    )
    p.add_argument("--no-referrers", action="store_true", help="skip OCI referrers lookups")
    p.add_argument(
        "--no-cosign", action="store_true", help="skip cosign sha256-<hex>.att/.sig/.sbom tags"
    )
    p.add_argument(
        "--cosign-repository",
        metavar="REPO",
        default=None,
        help="repository holding cosign tags (default: $COSIGN_REPOSITORY, else the image's)",
    )
    add_bundle_option(p)
    add_registry_options(p)
    from .verify import add_policy_options

    add_policy_options(p)  # given: items are verified (SIGNED column, "Signed by")


def add_bundle_option(p: argparse.ArgumentParser) -> None:
    """``--bundle FILE`` (repeatable): local attestation files read with the stores."""
    p.add_argument(
        "--bundle",
        action="append",
        default=[],
        metavar="FILE",
        help="also read attestations from FILE: a Sigstore bundle, a DSSE envelope, or the "
        "JSON lines gh attestation download writes; checked against REF's digest (repeatable)",
    )


@dataclass(frozen=True)
class DiscoveredRef:
    """A discovered reference: what the user typed, its display name, and the discovery;
    ``report`` is its :class:`~ocitrace.verify.VerifyReport` when a policy flag was given."""

    text: str
    name: str
    discovery: Discovery
    report: Any = None


def discover_target(args: argparse.Namespace) -> DiscoveredRef:
    """``Client.attestations`` over ``args.ref`` with the shared flags (one client for REF and
    the cosign repository: one transport, one password read, one referrers-API memo)."""
    from ..reference import parse_any
    from .common import client_from_args
    from .verify import policy_from_args

    parsed = parse_any(args.ref)
    cosign = _cosign_repository(args)
    refs = [parsed] if cosign is None else [parsed, cosign]
    policy = policy_from_args(args)
    with client_from_args(args, refs=refs) as oc:
        if policy is not None:  # verify: the same discovery, plus one verification per item
            report = oc.verify(
                parsed,
                policy,
                args.platform or (),
                referrers=not args.no_referrers,
                cosign=not args.no_cosign,
                cosign_repository=cosign,
                bundles=args.bundle,
            )
            return DiscoveredRef(args.ref, str(parsed), report.discovery, report)
        found = oc.attestations(
            parsed,
            args.platform or (),
            referrers=not args.no_referrers,
            cosign=not args.no_cosign,
            cosign_repository=cosign,
            bundles=args.bundle,
        )
    return DiscoveredRef(args.ref, str(parsed), found)


def _cosign_repository(args: argparse.Namespace) -> Any:
    """``--cosign-repository`` (else ``$COSIGN_REPOSITORY``) parsed; a bad value is reported
    under the flag's name."""
    from ..errors import ReferenceError
    from ..reference import parse_any

    environ = getattr(args, "environ", None) or {}
    text = args.cosign_repository or environ.get("COSIGN_REPOSITORY") or None
    if not text:
        return None
    try:
        return parse_any(text)
    except ReferenceError as exc:
        raise ReferenceError(
            f"--cosign-repository {text}: {exc}",
            input=text,
            hint="give a repository such as registry.example/sigs ($COSIGN_REPOSITORY too)",
        ) from exc


def require_found(
    args: argparse.Namespace,
    name: str,
    what: str,
    bad: Sequence[Attestation],
    *,
    found_any: bool,
    missing: str,
) -> None:
    """Stop unless something of the kind asked for was read.

    ``bad`` are items of that kind that could not be read (over ``--max-blob-size``,
    missing blob, bad JSON): an error when nothing readable was found, else a warning
    each on ``args.stderr``, so that "none found" is never claimed for content that
    exists.  With nothing at all, :class:`~ocitrace.errors.NotFound` ``NAME: MISSING``.
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
        args.stderr.write(
            f"ocitrace: warning: {name}: {what} of {a.platform} skipped, unreadable: {a.error}\n"
        )


def indented_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain table (no number parsing), every line indented two spaces; each cell is one
    line, its control characters (newline and tab too) escaped, so no registry text can
    break a row or drive the terminal."""
    from tabulate import tabulate

    from ..textsafe import escape_line

    cells = [[escape_line(str(c)) for c in row] for row in rows]
    text: str = tabulate(cells, headers=headers, tablefmt="plain", disable_numparse=True)
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


def where_text(a: Attestation) -> str:
    """Where ``a`` was found, for headings: ``file:PATH`` for a local file's item, else
    ``STORE, manifest DIGEST``."""
    from ..discover import Store

    if a.store is Store.FILE:
        return f"file:{a.found_via}"
    return f"{a.store}, manifest {a.manifest_digest}"


def warn_subject_mismatches(args: argparse.Namespace, d: Discovery, shown: Sequence[Any]) -> None:
    """One stderr warning per ``subject-mismatch`` finding about an item in ``shown``
    (``provenance``/``sbom`` print no findings: a file made for another image must not
    pass silently)."""
    from ..textsafe import escape_line

    layers = {a.layer.digest for a in shown}
    for f in d.findings:
        if f.code == "subject-mismatch" and f.digest in layers:  # subjects: the file's text
            args.stderr.write(f"ocitrace: warning: {escape_line(f.message)}\n")
