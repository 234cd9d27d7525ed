"""Key-based verification (``--key``): DSSE envelopes and cosign simple-signing layers.

Signatures are checked with :mod:`cryptography` against PEM public keys (ECDSA P-256 /
P-384 / P-521, RSA, Ed25519).  A DSSE envelope with several signatures verifies when one
of them verifies under one of the keys.  Hashes: ECDSA uses the curve's hash (SHA-256 for
P-256, SHA-384 for P-384, SHA-512 for P-521) and also accepts SHA-256 (what cosign's
default verifier uses for every curve); RSA accepts PKCS#1 v1.5 and PSS with SHA-256.
No transparency log is consulted for key-signed items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from ..errors import ConfigError
from .model import Method, Reason, Signer, Status, Verification

__all__ = [
    "PublicKey",
    "load_public_keys",
    "pae",
    "verify_dsse_with_keys",
    "verify_message_with_keys",
]

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class _Key:
    key: PublicKey
    fingerprint: str  # sha256 of the SubjectPublicKeyInfo DER, hex


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def load_public_keys(pems: Sequence[bytes]) -> list[_Key]:
    """Parse PEM public keys (``ConfigError`` for anything else or an unsupported type)."""
    out: list[_Key] = []
    for n, pem in enumerate(pems, 1):
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ConfigError(f"key {n}: not a PEM public key: {exc}") from exc
        if not isinstance(
            key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
        ):
            raise ConfigError(
                f"key {n}: unsupported key type {type(key).__name__}",
                hint="use an ECDSA (P-256/P-384), RSA or Ed25519 public key",
            )
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        out.append(_Key(key, hashlib.sha256(der).hexdigest()))
    return out


def _b64(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    s = text.strip()
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _ec_hashes(key: ec.EllipticCurvePublicKey) -> list[hashes.HashAlgorithm]:
    size = key.curve.key_size
    first: hashes.HashAlgorithm = (
        hashes.SHA384() if size == 384 else hashes.SHA512() if size == 521 else hashes.SHA256()
    )
    return [first] if isinstance(first, hashes.SHA256) else [first, hashes.SHA256()]


def _verifies(key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            for h in _ec_hashes(key):
                try:
                    key.verify(signature, message, ec.ECDSA(h))
                    return True
                except InvalidSignature:
                    continue
            return False
        for pad in (
            padding.PKCS1v15(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
        ):
            try:
                key.verify(signature, message, pad, hashes.SHA256())
                return True
            except InvalidSignature:
                continue
        return False
    except (InvalidSignature, ValueError):
        return False


def _signer(key: _Key) -> Signer:
    return Signer(identity=f"key sha256:{key.fingerprint[:16]}", key_fingerprint=key.fingerprint)


def verify_dsse_with_keys(
    envelope: bytes, keys: Sequence[_Key]
) -> tuple[Verification, bytes | None, str]:
    """Verify a DSSE envelope (JSON bytes): (outcome, payload, payloadType)."""
    try:
        env = json.loads(envelope)
        payload = _b64(env["payload"])
        payload_type = env["payloadType"]
        sigs = env["signatures"]
        if payload is None or not isinstance(payload_type, str) or not isinstance(sigs, list):
            raise ValueError("payload, payloadType or signatures malformed")
    except (ValueError, KeyError, TypeError) as exc:
        return (
            Verification(
                status=Status.INVALID,
                method=Method.COSIGN_KEY,
                reason=Reason.FORMAT,
                detail=f"DSSE envelope: {exc}",
            ),
            None,
            "",
        )
    message = pae(payload_type, payload)
    for entry in sigs:
        raw = _b64(entry.get("sig")) if isinstance(entry, dict) else None
        if raw is None:
            continue
        for key in keys:
            if _verifies(key.key, raw, message):
                return (
                    Verification(
                        status=Status.VERIFIED,
                        method=Method.COSIGN_KEY,
                        signer=_signer(key),
                        signatures=len(sigs),
                    ),
                    payload,
                    payload_type,
                )
    return (
        Verification(
            status=Status.INVALID,
            method=Method.COSIGN_KEY,
            reason=Reason.SIGNATURE,
            detail=f"none of {len(sigs)} signature(s) verifies with the {len(keys)} key(s) given",
            signatures=len(sigs),
        ),
        payload,
        payload_type,
    )


def verify_message_with_keys(
    message: bytes, signature_b64: str, keys: Sequence[_Key]
) -> Verification:
    """Verify a cosign ``.sig`` layer (simple-signing payload) with its signature annotation."""
    raw = _b64(signature_b64)
    if raw is None:
        return Verification(
            status=Status.INVALID,
            method=Method.COSIGN_KEY,
            reason=Reason.FORMAT,
            detail="signature annotation is not base64",
        )
    for key in keys:
        if _verifies(key.key, raw, message):
            return Verification(
                status=Status.VERIFIED, method=Method.COSIGN_KEY, signer=_signer(key), signatures=1
            )
    return Verification(
        status=Status.INVALID,
        method=Method.COSIGN_KEY,
        reason=Reason.SIGNATURE,
        detail=f"signature does not verify with the {len(keys)} key(s) given",
        signatures=1,
    )
