"""Notation (Notary Project) signatures stored as referrers.

A signature manifest has ``artifactType: application/vnd.cncf.notary.signature`` and one
layer: a JWS (``application/jose+json``, JSON serialisation) or COSE
(``application/cose``) envelope.  JWS envelopes are listed with the leaf certificate's
subject and the signing time, and verified against ``--notation-trust-store DIR`` (CA
certificates, PEM or DER, searched recursively): the ``x5c`` chain is validated by
:mod:`cryptography`'s X.509 path builder at the signing time, then the JWS signature over
``protected.payload`` with the leaf key, then the payload's ``targetArtifact`` digest is
the subject.  COSE envelopes are listed; their verification is not supported.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ..discover.model import Attestation
from ..errors import OcitraceError
from ..oci.model import Manifest
from ..source import Source
from .model import Method, Policy, Reason, Signer, Status, Verification

__all__ = ["COSE_MEDIA_TYPE", "JWS_MEDIA_TYPE", "verify_notation"]

JWS_MEDIA_TYPE = "application/jose+json"
COSE_MEDIA_TYPE = "application/cose"
_MAX_ENVELOPE = 4 * 1024 * 1024
_MAX_TRUST_FILE = 1024 * 1024


def _b64url(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a base64 string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fail(method: Method, reason: Reason, detail: str, **kw: Any) -> Verification:
    return Verification(status=Status.INVALID, method=method, reason=reason, detail=detail, **kw)


def _trust_store(path: Path) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            if file.stat().st_size > _MAX_TRUST_FILE:
                continue
            raw = file.read_bytes()
        except OSError:
            continue
        try:
            certs.extend(x509.load_pem_x509_certificates(raw))
            continue
        except ValueError:
            pass
        try:
            certs.append(x509.load_der_x509_certificate(raw))
        except ValueError:
            continue
    return certs


def _check_chain(
    leaf: x509.Certificate,
    chain: list[x509.Certificate],
    roots: list[x509.Certificate],
    when: datetime,
) -> str:
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
        VerificationError,
    )

    if not roots:
        return "the notation trust store holds no certificates"
    ee = (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None)
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
    )
    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store(roots))
        .time(when)
        .extension_policies(ca_policy=ca, ee_policy=ee)
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, chain)
    except (VerificationError, x509.UnsupportedGeneralNameType, ValueError) as exc:
        return str(exc)
    return ""


def _jws_signature_ok(alg: str, key: Any, signature: bytes, message: bytes) -> bool:
    sizes = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
    h = sizes.get(alg[2:])
    if h is None:
        return False
    try:
        if alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(
                signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h
            )
            return True
        if alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(signature) // 2
            der = utils.encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
            key.verify(der, message, ec.ECDSA(h))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def verify_notation(item: Attestation, source: Source | None, policy: Policy) -> Verification:
    """List (and, with a trust store, verify) one Notation signature manifest."""
    if source is None:
        return _fail(Method.NOTATION_JWS, Reason.FORMAT, "no source to read the signature from")
    try:
        fetched = source.manifest(item.manifest_digest)
        manifest = Manifest.parse(fetched.data, desc=fetched.descriptor, where=source.name)
        layer = manifest.layers[0]
    except (OcitraceError, ValueError, IndexError, RecursionError) as exc:
        return _fail(Method.NOTATION_JWS, Reason.FORMAT, f"signature manifest unreadable: {exc}")
    media = layer.media_type.split(";", 1)[0].strip()
    if media == COSE_MEDIA_TYPE:
        return Verification(
            status=Status.UNSUPPORTED,
            method=Method.NOTATION_COSE,
            detail="COSE envelope: verification not supported",
            signatures=1,
        )
    if media != JWS_MEDIA_TYPE:
        return _fail(Method.NOTATION_JWS, Reason.FORMAT, f"unknown notation envelope {media!r}")
    try:
        raw = source.blob(layer, max_size=_MAX_ENVELOPE)
        env = json.loads(raw)
        protected_b64 = env["protected"]
        payload_b64 = env["payload"]
        header = json.loads(_b64url(protected_b64))
        payload = json.loads(_b64url(payload_b64))
        signature = _b64url(env["signature"])
        x5c = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in env["header"]["x5c"]]
        target = payload["targetArtifact"]["digest"]
        alg = str(header["alg"])
        when_text = header.get("io.cncf.notary.signingTime", "")
    except (
        OcitraceError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        binascii.Error,
        RecursionError,
    ) as exc:
        return _fail(Method.NOTATION_JWS, Reason.FORMAT, f"JWS envelope malformed: {exc}")
    if not x5c:
        return _fail(Method.NOTATION_JWS, Reason.FORMAT, "JWS envelope has no certificate chain")
    leaf = x5c[0]
    signer = Signer(identity=leaf.subject.rfc4514_string(), subject=leaf.subject.rfc4514_string())
    try:
        signing_time = datetime.fromisoformat(str(when_text).replace("Z", "+00:00"))
        if signing_time.tzinfo is None:
            signing_time = signing_time.replace(tzinfo=UTC)
    except ValueError:
        signing_time = None
    base = Verification(
        status=Status.NO_POLICY,
        method=Method.NOTATION_JWS,
        signer=signer,
        signing_time=signing_time,
        subjects=(str(target).lower(),),
        signatures=1,
    )
    if policy.notation_trust_store is None:
        if policy.given:
            return replace(
                base,
                status=Status.INVALID,
                reason=Reason.KEY,
                detail="notation signature: give --notation-trust-store to verify",
            )
        return base
    message = f"{protected_b64}.{payload_b64}".encode("ascii")
    if not _jws_signature_ok(alg, leaf.public_key(), signature, message):
        return replace(
            base,
            status=Status.INVALID,
            reason=Reason.SIGNATURE,
            detail=f"JWS signature ({alg}) does not verify with the leaf key",
        )
    when = signing_time or datetime.now(UTC)
    why = _check_chain(leaf, x5c[1:], _trust_store(policy.notation_trust_store), when)
    if why:
        return replace(base, status=Status.INVALID, reason=Reason.CHAIN, detail=why)
    return replace(base, status=Status.VERIFIED)
