"""Consistency checks over a discovery (shown by ``attestations``, counted by ``audit``).

Codes (stable; the audit counts warnings by code):

``subject-mismatch`` (warning)
    a statement's subject digests do not include the manifest it hangs on, or a BuildKit
    artifact manifest's ``subject`` differs from its index reference annotation;
``platforms-partial`` (warning)
    some platform images have attestations and others have none;
``dangling-referrer`` (warning)
    a referrers list (API or fallback tag index) names a manifest that does not exist;
``dangling-reference`` (warning)
    a BuildKit attestation entry describes a digest that is not an image of the index;
``mixed-shapes`` (warning)
    BuildKit attestation manifests of both classic and artifact shape in one index;
``classic-shape`` (info)
    classic BuildKit attestation manifests: no ``subject``, so referrers-only tools
    (oras, cosign) do not see them;
``single-platform-index`` (info)
    one platform image wrapped in an index (because of its attestation manifests);
``artifact-type-mismatch`` (info)
    a listing's ``artifactType`` differs from the manifest's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..oci.model import Manifest
from .collect import FetchedCandidate, manifest_artifact_type
from .model import INDEX_LEVEL, Attestation, Finding, Kind, PlatformImage, Severity, Store
from .toplevel import BuildkitEntry

__all__ = ["check_all"]

W, INFO = Severity.WARNING, Severity.INFO


def check_all(
    *,
    is_index: bool,
    images: Sequence[PlatformImage],
    all_images: Sequence[PlatformImage],
    buildkit: Sequence[BuildkitEntry],
    fetched: Sequence[FetchedCandidate],
    items: Sequence[Attestation],
) -> tuple[Finding, ...]:
    """Every finding, in a stable order."""
    out: list[Finding] = []
    out += _subject_mismatches(items, fetched)
    out += _partial_platforms(images, items)
    out += _dangling_referrers(fetched)
    out += _dangling_references(all_images, buildkit)
    out += _shapes(items)
    if is_index and len(all_images) == 1 and buildkit:
        out.append(
            Finding(
                "single-platform-index",
                INFO,
                f"single-platform image {all_images[0].platform} is wrapped in an index "
                "(with its attestation manifests): the index digest is not the image digest",
                all_images[0].digest,
            )
        )
    out += _artifact_type_mismatches(fetched)
    return tuple(out)


def _subject_mismatches(
    items: Iterable[Attestation], fetched: Iterable[FetchedCandidate]
) -> list[Finding]:
    out: list[Finding] = []
    for fc in fetched:
        c = fc.candidate
        subject = fc.parsed.subject if isinstance(fc.parsed, Manifest) else None
        if c.store is Store.BUILDKIT and subject and subject.digest != c.attached_to:
            out.append(
                Finding(
                    "subject-mismatch",
                    W,
                    f"attestation manifest {c.listed.digest} has subject "
                    f"{subject.digest} but the index says it describes {c.attached_to}",
                    c.listed.digest,
                )
            )
    for a in items:
        if a.kind is Kind.ATTESTATION and a.subjects and a.attached_to not in a.subjects:
            alg = a.attached_to.split(":", 1)[0] + ":"
            comparable = any(s.startswith(alg) for s in a.subjects)
            why = "" if comparable else f" (no {alg[:-1]} subject: none can name the image)"
            out.append(
                Finding(
                    "subject-mismatch",
                    W,
                    f"{a.predicate_type or 'statement'} in {a.manifest_digest} ({a.store}) names "
                    f"subject {', '.join(a.subjects)} but hangs on {a.attached_to}{why}",
                    a.manifest_digest,
                )
            )
    return out


def _partial_platforms(
    images: Sequence[PlatformImage], items: Iterable[Attestation]
) -> list[Finding]:
    if len(images) < 2:
        return []
    attested = {
        a.platform for a in items if a.kind is Kind.ATTESTATION and a.platform != INDEX_LEVEL
    }
    have = [i.platform for i in images if i.platform in attested]
    missing = [i.platform for i in images if i.platform not in attested]
    if not have or not missing:
        return []
    return [
        Finding(
            "platforms-partial",
            W,
            f"attestations on {', '.join(have)} only; none on {', '.join(missing)}",
        )
    ]


def _dangling_referrers(fetched: Iterable[FetchedCandidate]) -> list[Finding]:
    return [
        Finding(
            "dangling-referrer",
            W,
            f"{fc.candidate.found_via} lists {fc.candidate.listed.digest}, which does not exist",
            fc.candidate.listed.digest,
        )
        for fc in fetched
        if fc.missing and fc.candidate.store is not Store.COSIGN_TAG
    ]


def _dangling_references(
    images: Sequence[PlatformImage], buildkit: Iterable[BuildkitEntry]
) -> list[Finding]:
    known = {i.digest for i in images}
    return [
        Finding(
            "dangling-reference",
            W,
            f"BuildKit attestation manifest {e.descriptor.digest} describes {e.target or '(no digest)'}, "
            "which is not an image of this index",
            e.descriptor.digest,
        )
        for e in buildkit
        if e.target not in known
    ]


def _shapes(items: Iterable[Attestation]) -> list[Finding]:
    shapes: dict[str, set[str]] = {}
    for a in items:
        if a.shape:
            shapes.setdefault(a.shape, set()).add(a.manifest_digest)
    if "classic" in shapes and "artifact" in shapes:
        return [
            Finding(
                "mixed-shapes",
                W,
                f"BuildKit attestation manifests in both shapes: {len(shapes['classic'])} classic, "
                f"{len(shapes['artifact'])} artifact",
            )
        ]
    if "classic" in shapes:
        return [
            Finding(
                "classic-shape",
                INFO,
                f"{len(shapes['classic'])} BuildKit attestation manifest(s) in the classic shape "
                "(no subject): tools that only query referrers (oras, cosign) will not find them",
            )
        ]
    return []


def _artifact_type_mismatches(fetched: Iterable[FetchedCandidate]) -> list[Finding]:
    out: list[Finding] = []
    for fc in fetched:
        listed = fc.candidate.listed.artifact_type
        if fc.parsed is None or not listed or fc.candidate.store is Store.BUILDKIT:
            continue
        actual = manifest_artifact_type(fc.parsed)
        if actual and listed != actual:
            out.append(
                Finding(
                    "artifact-type-mismatch",
                    INFO,
                    f"{fc.candidate.found_via} lists {fc.candidate.listed.digest} as {listed}; "
                    f"the manifest says {actual}",
                    fc.candidate.listed.digest,
                )
            )
    return out
