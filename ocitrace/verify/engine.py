"""Verify what discovery found: every signed item of a reference, one :class:`Verification` each.

Order of checks for one item: the signature form is recognised (Sigstore bundle, cosign
keyless annotations, cosign key signature, Notation, none); the signature and its trust
material are verified (sigstore-python / cryptography); then **subject binding**: the
verified payload must name the image — an in-toto statement's ``subject[].digest.sha256``,
a simple-signing ``critical.image.docker-manifest-digest`` or a message-signature bundle's
digest must be the reference's top digest or the manifest the item hangs on.  A valid
signature over something else is ``invalid: subject`` and does not count.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..discover.model import Attestation, Discovery, Kind
from ..oci import predicates
from ..source import Source
from .model import Method, Policy, Reason, Status, Verification, VerifyReport, predicate_type_uri

if TYPE_CHECKING:  # pragma: no cover
    from sigstore.models import TrustedRoot

    from .keyed import _Key

__all__ = [
    "NOTATION_ARTIFACT_TYPE",
    "Verifier",
    "verify_discovery",
    "verify_found",
    "verify_source",
]

NOTATION_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature"
_DSSE = predicates.DSSE_ENVELOPE
_SIMPLESIGNING = predicates.COSIGN_SIMPLESIGNING
_BUNDLE_PREFIX = predicates.SIGSTORE_BUNDLE_PREFIX
_ANN_CERT = "dev.sigstore.cosign/certificate"
_ANN_SIG = "dev.cosignproject.cosign/signature"


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _sha256_subjects(payload: bytes | None) -> tuple[str, ...]:
    """``sha256:…`` digests an in-toto statement names (empty if it is not one)."""
    if payload is None:
        return ()
    try:
        doc = json.loads(payload)
        subjects = doc.get("subject") if isinstance(doc, dict) else None
    except (ValueError, RecursionError):
        return ()
    out: list[str] = []
    for s in subjects if isinstance(subjects, list) else ():
        digest = s.get("digest") if isinstance(s, dict) else None
        value = digest.get("sha256") if isinstance(digest, dict) else None
        if isinstance(value, str):
            out.append("sha256:" + value.lower())
    return tuple(out)


def _predicate_type(payload: bytes | None) -> str:
    if payload is None:
        return ""
    try:
        doc = json.loads(payload)
    except (ValueError, RecursionError):
        return ""
    value = doc.get("predicateType") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else ""


def _simplesigning_digest(payload: bytes | None) -> tuple[str, ...]:
    if payload is None:
        return ()
    try:
        doc = json.loads(payload)
        value = doc["critical"]["image"]["docker-manifest-digest"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return ()
    return (value.lower(),) if isinstance(value, str) else ()


class Verifier:
    """Verifies discovered items under one :class:`Policy` (trusted roots loaded once)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._roots: list[TrustedRoot] | None = None
        self._keys: list[_Key] | None = None
        self._wanted_type = (
            predicate_type_uri(policy.predicate_type) if policy.predicate_type else None
        )
        if policy.keys:  # a bad --key is an error before anything is fetched
            from .keyed import load_public_keys

            self._keys = load_public_keys(policy.keys)

    @property
    def roots(self) -> list[TrustedRoot]:
        if self._roots is None:
            from .trust import load_trusted_roots

            self._roots = load_trusted_roots(self.policy.trusted_root, offline=self.policy.offline)
        return self._roots

    @property
    def keys(self) -> list[_Key]:
        if self._keys is None:
            from .keyed import load_public_keys

            self._keys = load_public_keys(self.policy.keys)
        return self._keys

    def wants(self, item: Attestation) -> bool:
        """False for items filtered out by ``predicate_type`` (signatures are kept unless a
        predicate type is asked for)."""
        if self._wanted_type is None:
            return True
        return item.kind is Kind.ATTESTATION and item.predicate_type == self._wanted_type

    # -- one item -------------------------------------------------------------------
    def verify_item(
        self, item: Attestation, *, top_digest: str, source: Source | None = None
    ) -> Verification:
        """The verification of one discovered item."""
        v = self._verify_item(item, source)
        v = dataclasses.replace(
            v,
            store=item.store.value,
            kind=item.kind.value,
            platform=item.platform,
            attached_to=item.attached_to,
            manifest_digest=item.manifest_digest,
            layer_digest=item.layer.digest,
            signatures=v.signatures or item.signatures,
            predicate_type=v.predicate_type or item.predicate_type,
        )
        if v.status in (Status.VERIFIED, Status.NO_POLICY):
            allowed = {top_digest.lower(), item.attached_to.lower()}
            if not set(v.subjects) & allowed:
                named = ", ".join(v.subjects) or "nothing"
                v = dataclasses.replace(
                    v,
                    status=Status.INVALID,
                    reason=Reason.SUBJECT,
                    detail=f"signed payload names {named}, not this image",
                )
        return v

    def _verify_item(self, item: Attestation, source: Source | None) -> Verification:
        media = _base(item.layer.media_type)
        ann = item.layer.annotations
        if (
            item.media_type == NOTATION_ARTIFACT_TYPE
            or _base(item.media_type) == NOTATION_ARTIFACT_TYPE
        ):
            from .notation import verify_notation

            return verify_notation(item, source, self.policy)
        data = item.data
        if media.startswith(_BUNDLE_PREFIX):
            if data is None:
                return _unreadable(item, Method.BUNDLE)
            from .keyless import verify_bundle_bytes

            checked = verify_bundle_bytes(data, self.roots, self.policy)
            return self._with_payload(checked.verification, checked.payload, bundle=True, data=data)
        if media in (_DSSE, _SIMPLESIGNING) or ann.get(_ANN_SIG) or ann.get(_ANN_CERT):
            dsse = media != _SIMPLESIGNING
            if data is None:
                return _unreadable(
                    item, Method.COSIGN_KEYLESS if ann.get(_ANN_CERT) else Method.COSIGN_KEY
                )
            if ann.get(_ANN_CERT):
                from .keyless import verify_cosign_keyless

                checked = verify_cosign_keyless(data, ann, self.roots, self.policy, dsse=dsse)
                return self._with_payload(
                    checked.verification, checked.payload, bundle=False, data=data
                )
            if not self.policy.keys and dsse and _embedded_certificate(data):
                return Verification(
                    status=Status.UNSUPPORTED,
                    method=Method.COSIGN_KEYLESS,
                    detail="keyless DSSE envelope (certificate in the signature) without a "
                    "transparency log entry, as slsa-github-generator's .intoto.jsonl: its "
                    "Rekor entry is not in the file, and verification is offline",
                    signatures=item.signatures,
                )
            if not self.policy.keys:
                return Verification(
                    status=Status.INVALID if self.policy.given else Status.NO_POLICY,
                    method=Method.COSIGN_KEY,
                    reason=Reason.KEY if self.policy.given else None,
                    detail="signed with a key: give --key to verify" if self.policy.given else "",
                    signatures=item.signatures,
                )
            from .keyed import verify_dsse_with_keys, verify_message_with_keys

            if dsse:
                v, payload, _ = verify_dsse_with_keys(data, self.keys)
                return self._with_payload(v, payload, bundle=False, data=data)
            v = verify_message_with_keys(data, ann.get(_ANN_SIG, ""), self.keys)
            return dataclasses.replace(v, subjects=_simplesigning_digest(data))
        return Verification(status=Status.UNSIGNED, method=Method.NONE)

    def _with_payload(
        self, v: Verification, payload: bytes | None, *, bundle: bool, data: bytes
    ) -> Verification:
        """Fill subjects/predicate type from the verified payload."""
        subjects = _sha256_subjects(payload)
        if not subjects:
            subjects = _simplesigning_digest(payload)
        if not subjects and bundle:
            subjects = _message_digest(data)
        return dataclasses.replace(v, subjects=subjects, predicate_type=_predicate_type(payload))

    # -- a whole discovery --------------------------------------------------------------
    def verify_discovery(
        self,
        discovery: Discovery,
        *,
        source: Source | None = None,
        extra: Iterable[Attestation] = (),
    ) -> VerifyReport:
        """Every signed (or signable) item of ``discovery`` (plus ``extra`` items)."""
        out: list[Verification] = []
        seen: set[tuple[str, str]] = set()
        for item in (*discovery.attestations, *extra):
            key = (item.manifest_digest, item.layer.digest)
            if key in seen or item.kind is Kind.SBOM or not self.wants(item):
                continue
            if item.kind is Kind.ARTIFACT and _base(item.media_type) != NOTATION_ARTIFACT_TYPE:
                continue
            seen.add(key)
            out.append(self.verify_item(item, top_digest=discovery.top.digest, source=source))
        return VerifyReport(digest=discovery.top.digest, items=tuple(out), discovery=discovery)


def _embedded_certificate(envelope: bytes) -> bool:
    """True when a DSSE envelope's signature carries its own certificate (``cert``, as
    slsa-github-generator writes) instead of relying on a key or cosign annotations."""
    try:
        doc: Any = json.loads(envelope)
        return any(
            isinstance(s, dict) and isinstance(s.get("cert"), str) and s["cert"].strip()
            for s in doc.get("signatures") or ()
        )
    except (ValueError, RecursionError, AttributeError, TypeError):
        return False


def _message_digest(bundle_data: bytes) -> tuple[str, ...]:
    """A message-signature bundle's signed digest as ``sha256:…``."""
    import base64
    import binascii

    try:
        doc: Any = json.loads(bundle_data)
        md = doc["messageSignature"]["messageDigest"]
        if md.get("algorithm") != "SHA2_256":
            return ()
        return ("sha256:" + base64.b64decode(md["digest"]).hex(),)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return ()


def _unreadable(item: Attestation, method: Method) -> Verification:
    return Verification(
        status=Status.INVALID,
        method=method,
        reason=Reason.FORMAT,
        detail=item.error or "layer not downloaded",
    )


def verify_discovery(
    discovery: Discovery,
    policy: Policy,
    *,
    source: Source | None = None,
    extra: Sequence[Attestation] = (),
) -> VerifyReport:
    """Verify every signed item of ``discovery`` under ``policy``."""
    return Verifier(policy).verify_discovery(discovery, source=source, extra=extra)


def verify_source(
    source: Source,
    top: Any,
    policy: Policy,
    *,
    platforms: Sequence[Any] | None = None,
    cosign_source: Source | None = None,
    name: str | None = None,
    **discover_options: Any,
) -> tuple[Discovery, VerifyReport]:
    """Discover everything attached to ``top`` (a :class:`~ocitrace.source.Fetched`) in
    ``source`` and verify it: the one call behind ``Client.verify``.  ``discover_options``
    go to :func:`ocitrace.discover.discover` (``lookups``, ``max_blob_size``, ``workers``)."""
    from ..discover import discover

    verifier = Verifier(policy)  # bad keys are errors before any request
    if policy.trusted_root is not None:
        verifier.roots  # noqa: B018 - a bad --trusted-root too
    found = discover(
        source,
        top,
        platforms=platforms,
        cosign_source=cosign_source,
        fetch_blobs=True,
        name=name,
        **discover_options,
    )
    return found, verifier.verify_discovery(found, source=source)


def verify_found(source: Source, discovery: Discovery, policy: Policy) -> VerifyReport:
    """Verify an existing discovery (no second lookup): for callers that already hold one,
    e.g. the audit (``--require signed``, SIGNER column) or the ``attestations`` SIGNED column.

    ``source`` is where ``discovery`` came from (Notation envelopes are read from it).
    """
    return Verifier(policy).verify_discovery(discovery, source=source)
