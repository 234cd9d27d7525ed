"""Adapter from layer bytes to what discovery lists: predicate type, subjects, signatures.

Envelopes and statements are decoded by :func:`ocitrace.attest.envelope.decode_layer`
(plain in-toto, DSSE, Sigstore bundle, cosign simple signing); this module maps its
:class:`~ocitrace.attest.envelope.Envelope` to :class:`Decoded`.  Decoding never raises:
a bad layer becomes ``error``.  Signatures are counted, never verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..attest.envelope import Envelope as AttestEnvelope
from ..attest.envelope import Wrapping
from ..attest.envelope import decode_layer as attest_decode
from ..attest.intoto import Statement
from ..errors import FormatError
from ..oci.model import Descriptor, blob_label, naming
from .layers import LayerKind
from .model import Envelope

__all__ = ["Decoded", "decode_layer", "message_digest", "subject_digests"]

_ENVELOPE = {
    Wrapping.PLAIN: Envelope.PLAIN,
    Wrapping.DSSE: Envelope.DSSE,
    Wrapping.BUNDLE: Envelope.BUNDLE,
    Wrapping.SIMPLESIGNING: Envelope.NONE,
}


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one layer says; ``statement`` is the decoded in-toto statement when there is one."""

    envelope: Envelope = Envelope.NONE
    predicate_type: str = ""
    subjects: tuple[str, ...] = ()
    signatures: int = 0
    statement_bytes: bytes | None = field(default=None, repr=False)
    statement: Statement | None = field(default=None, repr=False)
    message_signature: bool = False
    error: str = ""
    exception: BaseException | None = field(default=None, repr=False, compare=False)


def decode_layer(
    kind: LayerKind,
    data: bytes,
    media_type: str,
    annotations: Mapping[str, str],
    *,
    desc: Descriptor | None = None,
    where: str = "",
) -> Decoded:
    """Decode one layer blob (only statement/envelope/signature kinds are decoded).

    ``desc`` (the layer's descriptor) and ``where`` (its repository or layout) name the
    layer in ``error``: ``layer sha256:… (MEDIA TYPE) of REPO: …``
    (:func:`~ocitrace.oci.model.blob_label`)."""
    if kind not in (LayerKind.STATEMENT, LayerKind.DSSE, LayerKind.BUNDLE, LayerKind.SIMPLESIGNING):
        return Decoded()
    label = blob_label(desc, where, kind="layer") if desc is not None else ""
    try:
        with naming(label):
            env = attest_decode(data, media_type, annotations)
    except FormatError as exc:
        return Decoded(envelope=_kind_envelope(kind), error=str(exc), exception=exc)
    dec = _from_envelope(env)
    if dec.error and label:
        return replace(dec, error=f"{label}: {dec.error}")
    return dec


def message_digest(algorithm: str, hex_digest: str) -> str:
    """A Sigstore message-signature digest as ``alg:hex`` (``SHA2_256`` → ``sha256``)."""
    alg = algorithm.lower()
    alg = {"sha2_256": "sha256", "sha2_384": "sha384", "sha2_512": "sha512"}.get(alg, alg)
    return f"{alg or 'unknown'}:{hex_digest.lower()}"


def subject_digests(st: Statement) -> tuple[str, ...]:
    """Every ``alg:value`` the statement's subjects name, in order, each once.

    Any algorithm counts (npm writes ``sha512``, source attestations ``gitCommit``, some
    subjects carry several): the list is empty only when no subject has a digest at all.
    Values of the ``sha*`` algorithms are lower-cased (hex), others kept as written.
    """
    out: dict[str, None] = {}
    for subject in st.subjects:
        for alg, value in subject.digest.items():
            if not value:
                continue
            out[f"{alg}:{value.lower() if alg.lower().startswith('sha') else value}"] = None
    return tuple(out)


def _kind_envelope(kind: LayerKind) -> Envelope:
    return {
        LayerKind.STATEMENT: Envelope.PLAIN,
        LayerKind.DSSE: Envelope.DSSE,
        LayerKind.BUNDLE: Envelope.BUNDLE,
    }.get(kind, Envelope.NONE)


def _from_envelope(env: AttestEnvelope) -> Decoded:
    st = env.statement
    if env.simple_signing is not None:
        digest = env.simple_signing.manifest_digest
        return Decoded(
            predicate_type=env.simple_signing.type or "cosign container image signature",
            subjects=(digest,) if digest else (),
            signatures=len(env.signatures),
            message_signature=True,
        )
    if st is None:
        msg = env.message_signature
        return Decoded(
            envelope=_ENVELOPE[env.wrapping],
            subjects=(message_digest(msg.algorithm, msg.digest),) if msg and msg.digest else (),
            signatures=len(env.signatures),
            message_signature=env.message_signature is not None,
            error=""
            if env.message_signature is not None
            else f"payload type {env.payload_type!r} is not in-toto",
        )
    return Decoded(
        envelope=_ENVELOPE[env.wrapping],
        predicate_type=st.predicate_type,
        subjects=subject_digests(st),
        signatures=len(env.signatures),
        statement_bytes=st.raw or env.payload,
        statement=st,
    )
