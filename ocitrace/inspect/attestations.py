"""Which attestation layers buildx reads for ``.Provenance`` / ``.SBOM``, and how it decodes them.

Selection happens on the attestation manifest alone (layer media type + the
``in-toto.io/predicate-type`` layer annotation), so only the layers that will be used
are downloaded.  Decoding keeps only the statement's ``predicate`` as generic JSON; DSSE
envelopes are unwrapped (base64 payload) without verifying anything, as buildx does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ..errors import FormatError
from ..oci import mediatypes as mt
from ..oci import predicates
from ..oci.model import Descriptor, Manifest
from .jsondoc import loads

__all__ = [
    "SLSA_PREFIX",
    "SPDX_TYPE",
    "decode_predicate",
    "provenance_layers",
    "sbom_layers",
]

SPDX_TYPE = predicates.SPDX
SLSA_PREFIX = predicates.SLSA_PROVENANCE_PREFIX
_DSSE_RE = predicates.IN_TOTO_DSSE  # searched (unanchored), as in buildx


def _is_in_toto(layer: Descriptor) -> bool:
    return layer.media_type == mt.IN_TOTO or _DSSE_RE.search(layer.media_type) is not None


def _predicate_type(layer: Descriptor) -> str:
    return layer.annotations.get(mt.PREDICATE_TYPE_ANNOTATION, "")


def sbom_layers(manifests: Sequence[Manifest]) -> list[Descriptor]:
    """Every SPDX layer of every attestation manifest, in order (first is ``.SPDX``)."""
    return [
        layer
        for m in manifests
        for layer in m.layers
        if _is_in_toto(layer) and _predicate_type(layer) == SPDX_TYPE
    ]


def provenance_layers(manifests: Sequence[Manifest]) -> list[Descriptor]:
    """The first SLSA layer of each attestation manifest; the last one is ``.SLSA``."""
    out = []
    for m in manifests:
        for layer in m.layers:
            if _is_in_toto(layer) and _predicate_type(layer).startswith(SLSA_PREFIX):
                out.append(layer)
                break
    return out


def decode_predicate(raw: bytes, layer: Descriptor) -> Any:
    """The statement's ``predicate`` as generic JSON (None when absent)."""
    data = raw
    if _DSSE_RE.search(layer.media_type):
        envelope = _loads(data, layer)
        payload = envelope.get("payload", "") if isinstance(envelope, dict) else ""
        if not isinstance(payload, str):
            raise FormatError(f"DSSE envelope of {layer.digest}: payload is not a string")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FormatError(f"DSSE envelope of {layer.digest}: {exc}") from exc
    statement = _loads(data, layer)
    if not isinstance(statement, dict):
        raise FormatError(
            f"json: cannot unmarshal {type(statement).__name__} into Go value of type struct"
        )
    return statement.get("predicate")


def _loads(data: bytes, layer: Descriptor) -> Any:
    return loads(data, f"in-toto layer {layer.digest}")
