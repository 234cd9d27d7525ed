"""Adapter from layer bytes to what discovery lists: predicate type, subjects, signatures.

In-toto statements, DSSE envelopes and Sigstore bundles are decoded by
:mod:`ocitrace.attest`; this module only maps its results (and cosign's simple-signing
payload) to :class:`Decoded`.  Decoding never raises: a bad layer becomes ``error``.
"""

from __future__ import annotations

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
    from .. import attest  # late: keeps discover importable while attest evolves

    envelope = {
        LayerKind.STATEMENT: Envelope.PLAIN,
        LayerKind.DSSE: Envelope.DSSE,
        LayerKind.BUNDLE: Envelope.BUNDLE,
    }[kind]
    try:
        decoded = attest.decode_layer_bytes(data, envelope.value)
    except attest.DecodeError as exc:
        return Decoded(envelope=envelope, error=str(exc))
    return Decoded(
        envelope=envelope,
        predicate_type=decoded.predicate_type,
        subjects=decoded.subject_digests,
        signatures=decoded.signatures,
        statement_bytes=decoded.statement_bytes,
        statement=decoded.statement,
        message_signature=decoded.message_signature,
    )


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
