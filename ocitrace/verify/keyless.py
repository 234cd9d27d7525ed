"""Keyless verification with sigstore-python: Sigstore bundles and cosign's legacy annotations.

All X.509, SCT, Rekor (inclusion proof, checkpoint, inclusion promise) and RFC 3161 checks
are sigstore-python's :class:`sigstore.verify.Verifier`.  Two things are added around it:

* **Reason categories.**  sigstore raises one ``VerificationError`` for every failed step;
  :class:`_StagedVerifier` records which step was running (time/log, certificate chain,
  policy, log entry) so the report names a category without matching messages, the
  identity/issuer policy raises its own typed error, and the signature is checked against
  the leaf key first (so a bad signature is reported as such, not as a log mismatch).
* **cosign's legacy annotations** (``dev.sigstore.cosign/certificate``, ``chain``,
  ``bundle`` = Rekor SET) are converted into a v0.1 bundle with an inclusion promise.
  sigstore-python 4.x requires an inclusion proof with checkpoint even in v0.1 bundles,
  which these annotations never carry; for such promise-only entries the log entry is
  verified by sigstore-python's own SET check (``TransparencyLogEntry._verify_set``, the
  Rekor key from the trusted root) and everything else goes through the normal path.
* **intoto/0.0.2 log entries** (sigstore-js before v2.1): sigstore-python verifies
  chain, SCT, policy, inclusion proof/promise and the DSSE signature; only the entry-body
  comparison (payload hash, payload type, signatures, certificate) is done here.

This module imports sigstore at import time: import it lazily (``ocitrace.verify`` does).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from sigstore.errors import CertValidationError, Error, VerificationError
from sigstore.models import Bundle, InvalidBundle, TransparencyLogEntry, TrustedRoot
from sigstore.verify import Verifier
from sigstore_models.bundle.v1 import Bundle as _Bundle

from .certinfo import certificate_sans, issuer_of, signer_of
from .model import Method, Policy, Reason, Signer, Status, Verification

__all__ = [
    "ANN_BUNDLE",
    "ANN_CERTIFICATE",
    "ANN_CHAIN",
    "ANN_SIGNATURE",
    "Checked",
    "cosign_annotations_bundle",
    "verify_bundle_bytes",
    "verify_cosign_keyless",
]

ANN_SIGNATURE = "dev.cosignproject.cosign/signature"
ANN_CERTIFICATE = "dev.sigstore.cosign/certificate"
ANN_CHAIN = "dev.sigstore.cosign/chain"
ANN_BUNDLE = "dev.sigstore.cosign/bundle"
ANN_RFC3161 = "dev.sigstore.cosign/rfc3161timestamp"

_SUPPORTED_ENTRIES = {
    ("dsse", "0.0.1"),
    ("hashedrekord", "0.0.1"),
    ("hashedrekord", "0.0.2"),
    ("intoto", "0.0.2"),  # DSSE only: body checked here, the rest by sigstore-python
}


@dataclass(frozen=True, slots=True)
class Checked:
    """A verification outcome plus the payload it covers (for subject binding)."""

    verification: Verification
    payload: bytes | None = None  # the DSSE payload / the signed message when known
    payload_type: str = ""


class _Rejected(VerificationError):
    """The identity/issuer policy refused the certificate (typed: carries its category)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _Stage:
    """Which verification step is running (one per verification: no shared state)."""

    def __init__(self) -> None:
        self.current = Reason.FORMAT


class _Policy:
    """sigstore ``VerificationPolicy``: cosign's identity/issuer flags, exact or regexp."""

    def __init__(self, policy: Policy, stage: _Stage) -> None:
        self._policy = policy
        self._stage = stage

    def verify(self, cert: x509.Certificate) -> None:
        issuer = issuer_of(cert)
        if not self._policy.issuer_matches(issuer):
            want = self._policy.issuer or self._policy.issuer_regexp
            raise _Rejected(Reason.ISSUER, f"issuer {issuer or '(none)'!r} does not match {want!r}")
        sans = certificate_sans(cert)
        if not self._policy.identity_matches(sans):
            want = self._policy.identity or self._policy.identity_regexp
            got = ", ".join(sans) or "(none)"
            raise _Rejected(Reason.IDENTITY, f"identity {got!r} does not match {want!r}")
        # what sigstore checks next is the log entry
        self._stage.current = Reason.TLOG


class _StagedVerifier(Verifier):
    """sigstore's Verifier, recording the step in progress for the failure category."""

    def __init__(self, *, trusted_root: TrustedRoot, stage: _Stage) -> None:
        super().__init__(trusted_root=trusted_root)
        self._stage = stage

    def _establish_time(self, bundle: Bundle) -> Any:
        self._stage.current = Reason.TLOG  # signed time comes from the log (or a TSA)
        if not _is_intoto(bundle):
            return super()._establish_time(bundle)
        # sigstore-python takes the integrated time only from dsse/hashedrekord entries; an
        # intoto/0.0.2 entry's integrated time is bound by its inclusion promise the same way
        from sigstore._internal.timestamp import TimestampSource, TimestampVerificationResult

        results: list[Any] = []
        if bundle.verification_material.timestamp_verification_data:
            if not self._trusted_root.get_timestamp_authorities():
                raise VerificationError("bundle has signed timestamps but the root has no TSA")
            results += self._verify_timestamp_authority(bundle)
        inner = bundle.log_entry._inner
        if inner.integrated_time and inner.inclusion_promise:
            when = datetime.fromtimestamp(int(inner.integrated_time), tz=UTC)
            results.append(
                TimestampVerificationResult(source=TimestampSource.TRANSPARENCY_SERVICE, time=when)
            )
        return results

    def _verify_chain_at_time(self, certificate: x509.Certificate, timestamp_result: Any) -> Any:
        self._stage.current = Reason.CHAIN  # chain, then SCT and key usage
        return super()._verify_chain_at_time(certificate, timestamp_result)

    def verify_dsse(self, bundle: Bundle, policy: Any) -> tuple[str, bytes]:
        if not _is_intoto(bundle):
            return super().verify_dsse(bundle, policy)
        # steps (1)-(6) and (7) are sigstore-python's; (8) is the intoto/0.0.2 body check
        from sigstore import dsse

        self._verify_common_signing_cert(bundle, policy)
        envelope = bundle._dsse_envelope
        if envelope is None:
            raise VerificationError("intoto log entry without a DSSE envelope")
        self._stage.current = Reason.SIGNATURE
        key = bundle.signing_certificate.public_key()
        dsse._verify(cast(ec.EllipticCurvePublicKey, key), envelope)
        self._stage.current = Reason.TLOG
        _validate_intoto_v002_entry_body(bundle)
        return (envelope._inner.payload_type, envelope._inner.payload)


def _is_intoto(bundle: Bundle) -> bool:
    kv = bundle.log_entry._inner.kind_version
    return (kv.kind, kv.version) == ("intoto", "0.0.2") and bundle._inner.dsse_envelope is not None


def _validate_intoto_v002_entry_body(bundle: Bundle) -> None:
    """The intoto/0.0.2 entry must record this envelope: payload hash, payload type, and
    exactly its signatures with the signing certificate (the envelope hash it also records
    covers uncanonicalised JSON and cannot be recomputed, as for dsse/0.0.1 entries)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    envelope = bundle._inner.dsse_envelope
    if envelope is None:
        raise VerificationError("intoto log entry without a DSSE envelope")
    try:
        body = json.loads(bundle.log_entry._inner.canonicalized_body)
        content = body["spec"]["content"]
        recorded = content["envelope"]
        payload_hash = content["payloadHash"]
        ok_kind = (body["kind"], body["apiVersion"]) == ("intoto", "0.0.2")
        sigs = [
            (
                base64.b64decode(base64.b64decode(s["sig"])),
                x509.load_pem_x509_certificate(base64.b64decode(s["publicKey"])),
            )
            for s in recorded["signatures"]
        ]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise VerificationError(f"invalid intoto log entry: {exc}") from exc
    if not ok_kind or payload_hash.get("algorithm") != "sha256":
        raise VerificationError("intoto log entry is not intoto/0.0.2 with a sha256 payload hash")
    if payload_hash.get("value") != hashlib.sha256(envelope.payload).hexdigest():
        raise VerificationError("log entry payload hash does not match the envelope")
    if recorded.get("payloadType") != envelope.payload_type:
        raise VerificationError("log entry payload type does not match the envelope")
    leaf = bundle.signing_certificate.public_bytes(Encoding.DER)
    expected = [(s.sig, leaf) for s in envelope.signatures]
    if [(sig, cert.public_bytes(Encoding.DER)) for sig, cert in sigs] != expected:
        raise VerificationError("log entry signatures do not match the envelope")


class _PromiseOnlyEntry(TransparencyLogEntry):
    """A Rekor entry with an inclusion promise (SET) but no inclusion proof.

    What cosign's ``dev.sigstore.cosign/bundle`` annotation and some v0.1 bundles carry;
    the promise is verified with sigstore-python's own SET check.
    """

    def _validate(self) -> None:
        if self._inner.inclusion_promise is None or self._inner.integrated_time is None:
            raise InvalidBundle("log entry has neither an inclusion proof nor a promise")

    def _verify(self, keyring: Any) -> None:
        self._verify_set(keyring)


def _promise_only_bundle(inner: _Bundle) -> Bundle:
    """A :class:`Bundle` whose single log entry is verified by its inclusion promise."""
    vm = inner.verification_material
    if len(vm.tlog_entries) != 1:
        raise InvalidBundle("expected exactly one log entry in bundle")
    if vm.certificate is not None:
        leaf = x509.load_der_x509_certificate(vm.certificate.raw_bytes)
    elif vm.x509_certificate_chain is not None and vm.x509_certificate_chain.certificates:
        leaf = x509.load_der_x509_certificate(vm.x509_certificate_chain.certificates[0].raw_bytes)
    else:
        raise InvalidBundle("expected a signing certificate in bundle")
    bundle = Bundle.__new__(Bundle)
    bundle._inner = inner
    bundle._signing_certificate = leaf
    bundle._log_entry = _PromiseOnlyEntry(vm.tlog_entries[0])
    return bundle


def _b64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidBundle(f"{what} is not a base64 string")
    s = text.strip()
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidBundle(f"{what} is not valid base64: {exc}") from exc


def _std(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _pem_certs(text: str, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(text.encode("utf-8"))
    except ValueError as exc:
        raise InvalidBundle(f"{what} is not a PEM certificate: {exc}") from exc


def cosign_annotations_bundle(
    layer: bytes, annotations: Mapping[str, str], *, dsse: bool
) -> tuple[_Bundle, bytes | None]:
    """A v0.1 Sigstore bundle (inclusion promise) from a cosign layer and its annotations.

    Returns the bundle model and, for a ``.sig`` simple-signing layer, the signed message
    (the layer itself).  Raises :class:`InvalidBundle` on malformed annotations.
    """
    cert_pem = annotations.get(ANN_CERTIFICATE, "")
    if not cert_pem:
        raise InvalidBundle("no dev.sigstore.cosign/certificate annotation")
    certs = _pem_certs(cert_pem, "certificate annotation")
    if annotations.get(ANN_CHAIN):
        certs += _pem_certs(annotations[ANN_CHAIN], "chain annotation")
    from cryptography.hazmat.primitives.serialization import Encoding

    raw_set = annotations.get(ANN_BUNDLE, "")
    if not raw_set:
        raise InvalidBundle("no dev.sigstore.cosign/bundle annotation (Rekor SET)")
    try:
        rekor = json.loads(raw_set)
        set_b64 = rekor["SignedEntryTimestamp"]
        payload = rekor["Payload"]
        body_b64 = payload["body"]
        body = json.loads(_b64(body_b64, "log entry body"))
        entry: dict[str, Any] = {
            "logIndex": str(int(payload["logIndex"])),
            "logId": {"keyId": _std(bytes.fromhex(str(payload["logID"])))},
            "kindVersion": {"kind": str(body["kind"]), "version": str(body["apiVersion"])},
            "integratedTime": str(int(payload["integratedTime"])),
            "inclusionPromise": {"signedEntryTimestamp": _std(_b64(set_b64, "SET"))},
            "canonicalizedBody": _std(_b64(body_b64, "log entry body")),
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidBundle(f"malformed dev.sigstore.cosign/bundle annotation: {exc}") from exc
    material: dict[str, Any] = {
        "x509CertificateChain": {
            "certificates": [{"rawBytes": _std(c.public_bytes(Encoding.DER))} for c in certs]
        },
        "tlogEntries": [entry],
    }
    if annotations.get(ANN_RFC3161):
        try:
            tsa = json.loads(annotations[ANN_RFC3161])["SignedRFC3161Timestamp"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidBundle(f"malformed rfc3161timestamp annotation: {exc}") from exc
        material["timestampVerificationData"] = {
            "rfc3161Timestamps": [{"signedTimestamp": _std(_b64(tsa, "RFC 3161 timestamp"))}]
        }
    doc: dict[str, Any] = {
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
    }
    message: bytes | None = None
    if dsse:
        try:
            env = json.loads(layer)
            sigs = [
                {
                    "sig": _std(_b64(s.get("sig"), "DSSE signature")),
                    "keyid": str(s.get("keyid") or ""),
                }
                for s in env["signatures"]
            ]
            doc["dsseEnvelope"] = {
                "payload": _std(_b64(env["payload"], "DSSE payload")),
                "payloadType": str(env["payloadType"]),
                "signatures": sigs,
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidBundle(f"malformed DSSE envelope: {exc}") from exc
    else:
        sig = annotations.get(ANN_SIGNATURE, "")
        doc["messageSignature"] = {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": _std(hashlib.sha256(layer).digest()),
            },
            "signature": _std(_b64(sig, "signature annotation")),
        }
        message = layer
    try:
        return parse_bundle_doc(doc), message
    except ValueError as exc:
        raise InvalidBundle(f"cannot build a bundle from the annotations: {exc}") from exc


_PLACEHOLDER_PROOF: dict[str, Any] = {
    "logIndex": "0",
    "rootHash": "",
    "treeSize": "1",
    "hashes": [],
    "checkpoint": {"envelope": ""},
}


def parse_bundle_doc(doc: Any) -> _Bundle:
    """The sigstore bundle model of a parsed bundle JSON document.

    sigstore's model requires an inclusion proof on every log entry; a v0.1 bundle may
    carry only an inclusion promise.  Such entries are validated with a placeholder proof
    that is then removed again (``inclusion_proof=None``), so every real field is still
    validated by the model.  Raises ``ValueError`` on invalid documents.
    """
    if not isinstance(doc, dict):
        raise ValueError("bundle is not a JSON object")
    vm = doc.get("verificationMaterial")
    entries = vm.get("tlogEntries") if isinstance(vm, dict) else None
    if doc.get("mediaType") != "application/vnd.dev.sigstore.bundle+json;version=0.1" or not (
        isinstance(entries, list)
        and any(isinstance(e, dict) and "inclusionProof" not in e for e in entries)
    ):
        return _Bundle.from_json(json.dumps(doc))
    missing = [isinstance(e, dict) and "inclusionProof" not in e for e in entries]
    patched = dict(doc)
    patched["verificationMaterial"] = dict(vm)  # type: ignore[arg-type]
    patched["verificationMaterial"]["tlogEntries"] = [
        {**e, "inclusionProof": _PLACEHOLDER_PROOF} if m else e
        for e, m in zip(entries, missing, strict=True)
    ]
    inner = _Bundle.from_json(json.dumps(patched))
    fixed = [
        e.model_copy(update={"inclusion_proof": None}) if m else e
        for e, m in zip(inner.verification_material.tlog_entries, missing, strict=True)
    ]
    material = inner.verification_material.model_copy(update={"tlog_entries": fixed})
    return inner.model_copy(update={"verification_material": material})


def _load_bundle(inner: _Bundle) -> Bundle:
    """The sigstore Bundle; promise-only log entries (v0.1 without checkpoint) tolerated."""
    entries = inner.verification_material.tlog_entries
    if len(entries) == 1:
        proof = entries[0].inclusion_proof
        no_proof = proof is None or not proof.checkpoint or not proof.checkpoint.envelope
        v01 = inner.media_type == Bundle.BundleType.BUNDLE_0_1.value
        if no_proof and v01 and entries[0].inclusion_promise is not None:
            return _promise_only_bundle(inner)
    return Bundle(inner)


def _precheck_signature(bundle: Bundle, message: bytes | None) -> str:
    """Check the signature with the leaf key ("" when it holds, else why not)."""
    key = bundle.signing_certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return f"unsupported signing key type {type(key).__name__}"
    envelope = bundle._inner.dsse_envelope
    try:
        if envelope is not None:
            if len(envelope.signatures) != 1:
                return f"keyless DSSE needs exactly one signature, got {len(envelope.signatures)}"
            key.verify(
                envelope.signatures[0].sig,
                _pae(envelope.payload_type, envelope.payload),
                ec.ECDSA(hashes.SHA256()),
            )
            return ""
        ms = bundle._inner.message_signature
        if ms is None:
            return "bundle has neither a DSSE envelope nor a message signature"
        if message is not None:
            key.verify(ms.signature, message, ec.ECDSA(hashes.SHA256()))
        elif ms.message_digest is not None:
            key.verify(
                ms.signature, ms.message_digest.digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))
            )
        else:
            return "message signature without a message digest"
    except InvalidSignature:
        return "signature does not verify with the certificate's key"
    return ""


def _entry_facts(bundle: Bundle) -> tuple[int | None, datetime | None]:
    inner = bundle.log_entry._inner
    try:
        index = int(inner.log_index)
    except (TypeError, ValueError):
        index = None
    when = None
    if inner.integrated_time:
        try:
            when = datetime.fromtimestamp(int(inner.integrated_time), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            when = None
    return index, when


def _one_root(
    bundle: Bundle, root: TrustedRoot, policy: Policy, message: bytes | None
) -> tuple[Reason | None, str]:
    stage = _Stage()
    try:
        verifier = _StagedVerifier(trusted_root=root, stage=stage)
        pol = _Policy(policy, stage)
        if bundle._inner.dsse_envelope is not None:
            verifier.verify_dsse(bundle, pol)
        else:
            from sigstore.hashes import Hashed
            from sigstore_models.common.v1 import HashAlgorithm

            ms = bundle._inner.message_signature
            artifact: bytes | Hashed
            if message is not None:
                artifact = message
            elif ms is not None and ms.message_digest is not None:
                artifact = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=ms.message_digest.digest)
            else:
                return Reason.FORMAT, "message signature without a message digest"
            verifier.verify_artifact(artifact, bundle, pol)
    except _Rejected as exc:
        return exc.reason, str(exc)
    except CertValidationError as exc:
        return Reason.CHAIN, str(exc)
    except (Error, ValueError, TypeError, KeyError) as exc:
        return stage.current, str(exc) or type(exc).__name__
    return None, ""


def _verify_loaded(
    bundle: Bundle, roots: list[TrustedRoot], policy: Policy, message: bytes | None, method: Method
) -> Checked:
    cert = bundle.signing_certificate
    signer: Signer = signer_of(cert)
    index, when = _entry_facts(bundle)
    base = Verification(
        status=Status.INVALID, method=method, signer=signer, log_index=index, integrated_time=when
    )
    envelope = bundle._inner.dsse_envelope
    payload = envelope.payload if envelope is not None else message
    payload_type = envelope.payload_type if envelope is not None else ""
    kv = bundle.log_entry._inner.kind_version
    if (kv.kind, kv.version) not in _SUPPORTED_ENTRIES:
        return Checked(
            replace(
                base,
                status=Status.UNSUPPORTED,
                reason=Reason.TLOG,
                detail=f"log entry kind {kv.kind}/{kv.version} is not supported by sigstore-python",
            ),
            payload,
            payload_type,
        )
    why = _precheck_signature(bundle, message)
    if why:
        return Checked(replace(base, reason=Reason.SIGNATURE, detail=why), payload, payload_type)
    failures: list[tuple[Reason, str]] = []
    for root in roots:
        reason, detail = _one_root(bundle, root, policy, message)
        if reason is None:
            if policy.has_identity:
                return Checked(replace(base, status=Status.VERIFIED), payload, payload_type)
            if policy.given:  # only --key / a notation trust store: a keyless item does not count
                detail = "keyless signature, but only a key policy was given"
                return Checked(
                    replace(base, reason=Reason.IDENTITY, detail=detail), payload, payload_type
                )
            return Checked(replace(base, status=Status.NO_POLICY), payload, payload_type)
        failures.append((reason, detail))
    # prefer a failure past the chain: that root was the signer's instance
    failures.sort(key=lambda f: f[0] is Reason.CHAIN)
    reason, detail = failures[0]
    return Checked(replace(base, reason=reason, detail=detail), payload, payload_type)


def verify_bundle_bytes(data: bytes, roots: list[TrustedRoot], policy: Policy) -> Checked:
    """Verify a Sigstore bundle (v0.1/v0.2/v0.3, DSSE or message signature).

    A message-signature bundle is verified against the digest it records; the caller binds
    that digest (or the DSSE statement's subjects) to the image.
    """
    if _has_no_tlog(data):
        # e.g. GitHub's Sigstore instance signs with a TSA only; sigstore-python needs a log entry
        return Checked(
            Verification(
                status=Status.UNSUPPORTED,
                method=Method.BUNDLE,
                reason=Reason.TLOG,
                detail="bundle has no transparency log entry (sigstore-python 4.x requires one)",
            )
        )
    try:
        inner = parse_bundle_doc(json.loads(data))
        bundle = _load_bundle(inner)
    except (InvalidBundle, ValueError, TypeError) as exc:
        detail = str(exc).strip()
        first = detail.splitlines()[0] if detail else type(exc).__name__
        if "validation error" in first and len(detail.splitlines()) > 1:
            first += ": " + detail.splitlines()[1].strip()
        return Checked(
            Verification(
                status=Status.INVALID, method=Method.BUNDLE, reason=Reason.FORMAT, detail=first
            )
        )
    except x509.UnsupportedGeneralNameType as exc:
        return Checked(
            Verification(
                status=Status.INVALID, method=Method.BUNDLE, reason=Reason.FORMAT, detail=str(exc)
            )
        )
    return _verify_loaded(bundle, roots, policy, None, Method.BUNDLE)


def _has_no_tlog(data: bytes) -> bool:
    try:
        doc = json.loads(data)
        return isinstance(doc, dict) and not cast(dict[str, Any], doc["verificationMaterial"]).get(
            "tlogEntries"
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def verify_cosign_keyless(
    layer: bytes,
    annotations: Mapping[str, str],
    roots: list[TrustedRoot],
    policy: Policy,
    *,
    dsse: bool,
) -> Checked:
    """Verify a cosign ``.att`` (``dsse=True``) or ``.sig`` layer signed keylessly."""
    try:
        inner, message = cosign_annotations_bundle(layer, annotations, dsse=dsse)
        bundle = _load_bundle(inner)
    except (InvalidBundle, ValueError, TypeError) as exc:
        return Checked(
            Verification(
                status=Status.INVALID,
                method=Method.COSIGN_KEYLESS,
                reason=Reason.FORMAT,
                detail=str(exc),
            )
        )
    return _verify_loaded(bundle, roots, policy, message, Method.COSIGN_KEYLESS)
