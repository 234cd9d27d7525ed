"""Adapter from layer bytes to what discovery lists: predicate type, subjects, signatures.

Only the envelope is unwrapped here (DSSE payload, bundle ``dsseEnvelope``) to list
predicate type, subject digests and signature count; statement and predicate semantics
(SLSA, SPDX, ...) are :mod:`ocitrace.attest`'s.  Decoding never raises: a bad layer
becomes ``error``.  Signatures are counted, never verified.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .layers import LayerKind
from .model import Envelope

__all__ = ["Decoded", "decode_layer"]

COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one layer says.  ``statement`` is the :mod:`ocitrace.attest` statement value."""

    envelope: Envelope = Envelope.NONE
    predicate_type: str = ""
    subjects: tuple[str, ...] = ()
    signatures: int = 0
    statement_bytes: bytes | None = field(default=None, repr=False)
    statement: Any = field(default=None, repr=False)
    message_signature: bool = False
    error: str = ""


def decode_layer(kind: LayerKind, data: bytes, annotations: Mapping[str, str]) -> Decoded:
    """Decode one layer blob of the given kind."""
    if kind is LayerKind.SIMPLESIGNING:
        return _simple_signing(data, annotations)
    if kind in (LayerKind.STATEMENT, LayerKind.DSSE, LayerKind.BUNDLE):
        return _in_toto(kind, data)
    return Decoded()


def _in_toto(kind: LayerKind, data: bytes) -> Decoded:
    envelope = {
        LayerKind.STATEMENT: Envelope.PLAIN,
        LayerKind.DSSE: Envelope.DSSE,
        LayerKind.BUNDLE: Envelope.BUNDLE,
    }[kind]
    try:
        obj = _json_object(data, "layer")
        sigs = 0
        if kind is LayerKind.BUNDLE:
            if "messageSignature" in obj:
                return Decoded(envelope=envelope, signatures=1, message_signature=True)
            obj = _json_object(obj.get("dsseEnvelope"), "bundle dsseEnvelope")
        if kind is not LayerKind.STATEMENT:
            sigs = len(obj.get("signatures") or ())
            statement_bytes = _b64(obj.get("payload"))
            obj = _json_object(statement_bytes, "DSSE payload")
        else:
            statement_bytes = data
    except ValueError as exc:
        return Decoded(envelope=envelope, error=str(exc))
    subjects = tuple(
        f"sha256:{s['digest']['sha256']}"
        for s in obj.get("subject") or ()
        if isinstance(s, dict) and isinstance(s.get("digest"), dict) and "sha256" in s["digest"]
    )
    return Decoded(
        envelope=envelope,
        predicate_type=str(obj.get("predicateType") or ""),
        subjects=subjects,
        signatures=sigs,
        statement_bytes=statement_bytes,
        statement=obj,
    )


def _json_object(data: object, what: str) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if not isinstance(data, bytes | str):
        raise ValueError(f"{what} is missing")
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{what} is not a JSON object")
    return obj


def _b64(text: object) -> bytes:
    """DSSE payloads may be standard or URL-safe base64, padded or not."""
    if not isinstance(text, str):
        raise ValueError("DSSE payload is missing")
    padded = text + "=" * (-len(text) % 4)
    try:
        alt = b"-_" if ("-" in text or "_" in text) else None
        return base64.b64decode(padded, altchars=alt, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"DSSE payload is not base64: {exc}") from exc


def _simple_signing(data: bytes, annotations: Mapping[str, str]) -> Decoded:
    """cosign ``.sig`` layer: the signed payload names the image digest."""
    sigs = 1 if annotations.get(COSIGN_SIGNATURE_ANNOTATION) else 0
    try:
        obj = json.loads(data)
        digest = obj["critical"]["image"]["docker-manifest-digest"]
    except (ValueError, KeyError, TypeError) as exc:
        return Decoded(signatures=sigs, error=f"not a cosign simple-signing payload: {exc}")
    return Decoded(
        predicate_type="cosign container image signature",
        subjects=(str(digest),),
        signatures=sigs,
        message_signature=True,
    )
