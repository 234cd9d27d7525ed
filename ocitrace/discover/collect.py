"""Turn candidate manifests into :class:`~ocitrace.discover.model.Attestation` items.

One manifest gives one item per layer worth showing (in-toto statements, DSSE
envelopes, Sigstore bundles, cosign signatures, raw SBOMs); a manifest with none of
those (e.g. an ``oras attach`` of some file) gives a single :attr:`Kind.ARTIFACT` item so
it is still listed.  The store label is decided here: a Sigstore bundle found through
referrers is labelled ``bundle``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import NotFound, OcitraceError
from ..oci import mediatypes as mt
from ..oci.limits import DEFAULT_LIMITS
from ..oci.model import Descriptor, Index, Manifest, parse_manifest_or_index
from ..source import Fetched
from .decode import Decoded, decode_layer
from .layers import LayerKind, classify_layer
from .model import Attestation, Kind, Store
from .stores import Candidate

__all__ = ["FetchedCandidate", "attestations_of", "fetch_candidate", "manifest_artifact_type"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BLOB_SIZE = DEFAULT_LIMITS.blob  # BuildKit caps attestations at 40 MiB before wrapping

_KIND_OF_LAYER = {
    LayerKind.STATEMENT: Kind.ATTESTATION,
    LayerKind.DSSE: Kind.ATTESTATION,
    LayerKind.BUNDLE: Kind.ATTESTATION,
    LayerKind.SIMPLESIGNING: Kind.SIGNATURE,
    LayerKind.SBOM: Kind.SBOM,
}


@dataclass(frozen=True, slots=True)
class FetchedCandidate:
    """A candidate with its manifest fetched (``fetched``/``parsed`` None and ``error`` set on failure)."""

    candidate: Candidate
    fetched: Fetched | None
    parsed: Index | Manifest | None
    error: str = ""
    missing: bool = False  # the store listed it, but the manifest does not exist
    exception: BaseException | None = field(default=None, repr=False, compare=False)


def fetch_candidate(cand: Candidate) -> FetchedCandidate:
    """Fetch and parse the candidate's manifest by digest (verified by the Source)."""
    try:
        fetched = cand.source.manifest(cand.listed.digest)
        parsed = parse_manifest_or_index(
            fetched.data,
            fetched.descriptor.media_type or cand.listed.media_type,
            desc=fetched.descriptor,
            where=cand.source.name,
        )
    except NotFound as exc:
        return FetchedCandidate(
            cand, None, None, f"manifest missing: {exc}", missing=True, exception=exc
        )
    except OcitraceError as exc:
        return FetchedCandidate(cand, None, None, str(exc), exception=exc)
    return FetchedCandidate(cand, fetched, parsed)


def manifest_artifact_type(parsed: Index | Manifest) -> str:
    """What a referrers index should say for this manifest: artifactType, else config type."""
    if parsed.artifact_type:
        return parsed.artifact_type
    if isinstance(parsed, Manifest) and parsed.config is not None:
        return parsed.config.media_type
    return ""


def buildkit_shape(parsed: Manifest) -> str:
    """``artifact`` (artifactType + empty config + subject) or ``classic`` (image-shaped)."""
    if parsed.artifact_type == mt.DOCKER_ATTESTATION_ARTIFACT or parsed.subject is not None:
        return "artifact"
    return "classic"


def attestations_of(
    fc: FetchedCandidate,
    platform: str,
    *,
    also_in: tuple[Store, ...] = (),
    fetch_blobs: bool = True,
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE,
    blob_fetcher: Callable[[Descriptor], bytes] | None = None,
) -> list[Attestation]:
    """Items for one fetched candidate (an error item when the manifest could not be read)."""
    cand = fc.candidate
    base = Attestation(
        store=cand.store,
        kind=Kind.ARTIFACT,
        manifest_digest=cand.listed.digest,
        attached_to=cand.attached_to,
        platform=platform,
        layer=cand.listed,
        media_type=cand.listed.artifact_type or cand.listed.media_type,
        found_via=cand.found_via,
        also_in=also_in,
    )
    if fc.parsed is None:
        return [dataclasses.replace(base, error=fc.error, exception=fc.exception)]
    if isinstance(fc.parsed, Index):
        return [dataclasses.replace(base, media_type=fc.parsed.artifact_type or mt.OCI_INDEX)]
    manifest = fc.parsed
    shape = buildkit_shape(manifest) if cand.store is Store.BUILDKIT else ""
    fetch = blob_fetcher or (lambda d: cand.source.blob(d, max_size=max_blob_size))
    items: list[Attestation] = []
    for layer in manifest.layers:
        kind = classify_layer(layer.media_type)
        if kind is LayerKind.OTHER:
            continue
        item = dataclasses.replace(
            base,
            kind=_KIND_OF_LAYER[kind],
            layer=layer,
            media_type=layer.media_type,
            shape=shape,
            store=Store.BUNDLE if kind is LayerKind.BUNDLE else cand.store,
            predicate_type=_annotated_predicate_type(layer, manifest),
        )
        items.append(_decoded(item, kind, fetch, fetch_blobs, cand.source.name))
    if not items:
        return [dataclasses.replace(base, media_type=manifest_artifact_type(manifest), shape=shape)]
    return items


def _annotated_predicate_type(layer: Descriptor, manifest: Manifest) -> str:
    """The predicate type a store advertises without downloading the layer."""
    ann = layer.annotations
    return (
        ann.get(mt.PREDICATE_TYPE_ANNOTATION)
        or ann.get("predicateType")  # cosign attest
        or manifest.annotations.get("dev.sigstore.bundle.predicateType")
        or ""
    )


def _decoded(
    item: Attestation,
    kind: LayerKind,
    fetch: Callable[[Descriptor], bytes],
    fetch_blobs: bool,
    where: str = "",
) -> Attestation:
    """Fill in what the layer blob says (predicate type, subjects, signatures)."""
    if not fetch_blobs:
        return item
    try:
        data = fetch(item.layer)
    except OcitraceError as exc:
        text = str(exc)  # the transport's message usually names the blob already
        if item.layer.digest not in text:
            text = f"layer {item.layer.digest}: {text}"
        return dataclasses.replace(item, error=text, exception=exc)
    dec: Decoded = decode_layer(
        kind, data, item.layer.media_type, item.layer.annotations, desc=item.layer, where=where
    )
    kind_out = item.kind
    if dec.message_signature or (
        kind is LayerKind.BUNDLE and dec.statement is None and not dec.error
    ):
        kind_out = Kind.SIGNATURE
    return dataclasses.replace(
        item,
        kind=kind_out,
        data=data,
        statement_bytes=dec.statement_bytes,
        statement=dec.statement,
        predicate_type=dec.predicate_type or item.predicate_type,
        subjects=dec.subjects,
        envelope=dec.envelope,
        signatures=dec.signatures,
        error=dec.error,
        exception=dec.exception,
    )
