"""Decode one attestation/signature layer: plain statement, DSSE, Sigstore bundle, simple signing.

FORMATS.md §2.3, §8.  Signatures are *reported* (count, key ids, verification material),
never verified: :attr:`Envelope.verified` is always False.  Base64 may be standard or
URL-safe, padded or not (DSSE spec).
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import FormatError
from ..oci import predicates as names
from .intoto import Statement, load_json, statement_from_json

__all__ = [
    "COSIGN_SIGNATURE_ANNOTATION",
    "DSSE_MEDIA_TYPE",
    "INTOTO_MEDIA_TYPE",
    "INTOTO_PAYLOAD_TYPE",
    "SIGSTORE_BUNDLE_PREFIX",
    "SIMPLESIGNING_MEDIA_TYPE",
    "Envelope",
    "MessageSignature",
    "Signature",
    "SimpleSigning",
    "Wrapping",
    "b64decode",
    "base_media_type",
    "decode_layer",
]

INTOTO_MEDIA_TYPE = names.IN_TOTO
INTOTO_PAYLOAD_TYPE = names.IN_TOTO
DSSE_MEDIA_TYPE = names.DSSE_ENVELOPE
SIGSTORE_BUNDLE_PREFIX = names.SIGSTORE_BUNDLE_PREFIX
SIMPLESIGNING_MEDIA_TYPE = names.COSIGN_SIMPLESIGNING
COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
_COSIGN_CERT_ANNOTATION = "dev.sigstore.cosign/certificate"
_COSIGN_BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
_INTOTO_DSSE = names.IN_TOTO_DSSE
_MATERIALS = ("certificate", "x509CertificateChain", "publicKey")


class Wrapping(enum.Enum):
    """How the layer carried its content."""

    PLAIN = "plain"  # application/vnd.in-toto+json: the statement itself
    DSSE = "dsse"  # DSSE envelope, statement = base64(payload)
    BUNDLE = "sigstore-bundle"  # Sigstore bundle: dsseEnvelope or messageSignature
    SIMPLESIGNING = "simplesigning"  # cosign .sig payload, signature in layer annotations


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature as written (base64 text kept; nothing is verified)."""

    sig: str
    keyid: str = ""


@dataclass(frozen=True, slots=True)
class SimpleSigning:
    """cosign's simple-signing payload: what image digest the signature claims."""

    docker_reference: str
    manifest_digest: str
    type: str
    optional: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageSignature:
    """A Sigstore bundle ``messageSignature``: a signed digest, no statement."""

    algorithm: str  # as written, e.g. SHA2_256
    digest: str  # hex


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded layer.  ``statement`` is None for simple signing, message signatures and
    DSSE payloads that are not in-toto; ``payload`` is the signed bytes (the layer itself
    for plain statements)."""

    wrapping: Wrapping
    media_type: str
    statement: Statement | None
    payload_type: str = ""
    payload: bytes = field(default=b"", repr=False)
    signatures: tuple[Signature, ...] = ()
    bundle_media_type: str = ""
    verification_material: str = ""  # certificate | x509CertificateChain | publicKey | ""
    tlog_entries: int = 0
    simple_signing: SimpleSigning | None = None
    message_signature: MessageSignature | None = None
    raw: bytes = field(default=b"", repr=False)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def verified(self) -> bool:
        """Always False: ocitrace reports signatures, it does not verify them."""
        return False


def base_media_type(media_type: str) -> str:
    """``type/subtype`` without parameters, lower-cased."""
    return media_type.split(";", 1)[0].strip().lower()


def b64decode(text: Any, what: str) -> bytes:
    """Standard or URL-safe base64, padding optional; FormatError naming ``what``."""
    if not isinstance(text, str):
        raise FormatError(f"{what} is not a base64 string", input=what)
    s = "".join(text.split()).replace("-", "+").replace("_", "/")
    s += "=" * (-len(s) % 4)
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"{what} is not valid base64: {exc}", input=what) from exc


def decode_layer(
    data: bytes, media_type: str, annotations: Mapping[str, str] | None = None
) -> Envelope:
    """Decode a layer blob by its media type (parameters ignored).

    Unknown media types are sniffed from the JSON shape; FormatError when nothing fits.
    ``annotations`` (the layer descriptor's) supply cosign's simple-signing signature.
    """
    base = base_media_type(media_type)
    ann = annotations or {}
    if base == INTOTO_MEDIA_TYPE:
        return _plain(data, media_type)
    if base == DSSE_MEDIA_TYPE or _INTOTO_DSSE.fullmatch(base):
        return _dsse(data, media_type)
    if base.startswith(SIGSTORE_BUNDLE_PREFIX):
        return _bundle(data, media_type)
    if base == SIMPLESIGNING_MEDIA_TYPE:
        return _simplesigning(data, media_type, ann)
    return _sniff(data, media_type, ann)


def _plain(data: bytes, media_type: str) -> Envelope:
    statement = statement_from_json(load_json(data, "in-toto statement"), raw=data)
    return Envelope(Wrapping.PLAIN, media_type, statement, INTOTO_PAYLOAD_TYPE, data, raw=data)


def _dsse(data: bytes, media_type: str) -> Envelope:
    return _dsse_from_json(load_json(data, "DSSE envelope"), data, media_type, Wrapping.DSSE)


def _dsse_from_json(obj: Any, raw: bytes, media_type: str, wrapping: Wrapping) -> Envelope:
    if not isinstance(obj, Mapping) or "payload" not in obj:
        raise FormatError("DSSE envelope has no payload", input="DSSE envelope")
    payload = b64decode(obj.get("payload"), "DSSE payload")
    payload_type = str(obj.get("payloadType") or "")
    statement = None
    if base_media_type(payload_type) == INTOTO_PAYLOAD_TYPE:
        statement = statement_from_json(
            load_json(payload, "DSSE payload"), raw=payload, what="DSSE payload statement"
        )
    return Envelope(
        wrapping,
        media_type,
        statement,
        payload_type,
        payload,
        signatures=_signatures(obj.get("signatures")),
        raw=raw,
    )


def _signatures(items: Any) -> tuple[Signature, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        Signature(sig=str(s.get("sig") or ""), keyid=str(s.get("keyid") or ""))
        for s in items
        if isinstance(s, Mapping)
    )


def _as_list(value: Any, what: str) -> list[Any]:
    """A JSON list (null: empty); any other type is a FormatError naming ``what``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"{what} is not a list", input=what)
    return value


def _as_map(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FormatError(f"{what} is not a JSON object", input=what)
    return value


def _bundle(data: bytes, media_type: str) -> Envelope:
    obj = load_json(data, "Sigstore bundle")
    if not isinstance(obj, Mapping):
        raise FormatError("Sigstore bundle is not a JSON object", input="Sigstore bundle")
    material = obj.get("verificationMaterial")
    material = material if isinstance(material, Mapping) else {}
    extra: dict[str, Any] = {
        "bundle_media_type": str(obj.get("mediaType") or ""),
        "verification_material": next((k for k in _MATERIALS if k in material), ""),
        "tlog_entries": len(_as_list(material.get("tlogEntries"), "bundle tlogEntries")),
    }
    if isinstance(obj.get("dsseEnvelope"), Mapping):
        env = _dsse_from_json(obj["dsseEnvelope"], data, media_type, Wrapping.BUNDLE)
        return replace(env, **extra)
    message = obj.get("messageSignature")
    if isinstance(message, Mapping):
        digest = message.get("messageDigest")
        digest = digest if isinstance(digest, Mapping) else {}
        msg = MessageSignature(
            algorithm=str(digest.get("algorithm") or ""),
            digest=b64decode(digest.get("digest", ""), "bundle messageDigest").hex(),
        )
        sig = Signature(sig=str(message.get("signature") or ""))
        return Envelope(
            Wrapping.BUNDLE,
            media_type,
            None,
            signatures=(sig,) if sig.sig else (),
            message_signature=msg,
            raw=data,
            **extra,
        )
    raise FormatError(
        "Sigstore bundle has neither dsseEnvelope nor messageSignature",
        input="Sigstore bundle",
    )


def _simplesigning(data: bytes, media_type: str, ann: Mapping[str, str]) -> Envelope:
    obj = load_json(data, "cosign simple-signing payload")
    critical = obj.get("critical") if isinstance(obj, Mapping) else None
    if not isinstance(critical, Mapping):
        raise FormatError(
            "cosign simple-signing payload has no 'critical' section",
            input="cosign simple-signing payload",
        )
    identity = _as_map(critical.get("identity"), "simple-signing identity")
    image = _as_map(critical.get("image"), "simple-signing image")
    optional = obj.get("optional") if isinstance(obj.get("optional"), Mapping) else {}
    ss = SimpleSigning(
        docker_reference=str(identity.get("docker-reference") or ""),
        manifest_digest=str(image.get("docker-manifest-digest") or ""),
        type=str(critical.get("type") or ""),
        optional=dict(optional or {}),
    )
    sig = ann.get(COSIGN_SIGNATURE_ANNOTATION, "")
    return Envelope(
        Wrapping.SIMPLESIGNING,
        media_type,
        None,
        payload=data,
        signatures=(Signature(sig=sig),) if sig else (),
        verification_material="certificate" if ann.get(_COSIGN_CERT_ANNOTATION) else "",
        tlog_entries=1 if ann.get(_COSIGN_BUNDLE_ANNOTATION) else 0,
        simple_signing=ss,
        raw=data,
    )


def _sniff(data: bytes, media_type: str, ann: Mapping[str, str]) -> Envelope:
    unsupported = FormatError(
        f"unsupported attestation layer media type {media_type!r}",
        input=media_type,
        hint="expected an in-toto statement, DSSE envelope, Sigstore bundle or cosign signature",
    )
    try:
        obj = load_json(data, media_type or "layer")
    except FormatError:
        raise unsupported from None
    if not isinstance(obj, Mapping):
        raise unsupported
    if "_type" in obj and "predicateType" in obj:
        return _plain(data, media_type)
    if "payloadType" in obj and "payload" in obj:
        return _dsse(data, media_type)
    if str(obj.get("mediaType", "")).startswith(SIGSTORE_BUNDLE_PREFIX):
        return _bundle(data, media_type)
    if "critical" in obj:
        return _simplesigning(data, media_type, ann)
    raise unsupported
