"""DSSE envelopes, Sigstore bundles and cosign simple signing around real fixture statements.

Inputs are built here from the shapes in FORMATS.md §8 (DSSE envelope.md, cosign
BUNDLE_SPEC / SIGNATURE_SPEC), wrapping a real BuildKit statement so the decoded
statement can be compared byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from ocitrace.attest import Statement, Wrapping, decode_layer
from ocitrace.attest.envelope import b64decode
from ocitrace.errors import FormatError

from .layers import first_layer

STATEMENT = first_layer("run-secrets-ssh-max", "https://slsa.dev/provenance/").data
IMAGE = "sha256:157f9686db26"  # prefix of the amd64 image digest in run-secrets-ssh-max


def dsse(
    payload: bytes,
    *,
    encode: Callable[[bytes], bytes] = base64.b64encode,
    sigs: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "payloadType": "application/vnd.in-toto+json",
        "payload": encode(payload).decode(),
        "signatures": sigs if sigs is not None else [{"keyid": "k1", "sig": "MEUCIQ=="}],
    }


def check_statement(st: Statement | None) -> None:
    assert st is not None
    assert st.raw == STATEMENT
    assert st.predicate_type == "https://slsa.dev/provenance/v1"
    assert st.subjects[0].sha256.startswith(IMAGE)


@pytest.mark.parametrize(
    "media_type",
    [
        "application/vnd.dsse.envelope.v1+json",
        "application/vnd.in-toto.provenance+dsse",
        "application/vnd.in-toto.spdx+dsse",
    ],
)
def test_dsse_envelope(media_type: str) -> None:
    raw = json.dumps(dsse(STATEMENT)).encode()
    env = decode_layer(raw, media_type)
    assert env.wrapping is Wrapping.DSSE
    assert env.payload == STATEMENT
    assert env.payload_type == "application/vnd.in-toto+json"
    assert env.signed and not env.verified
    assert [(s.keyid, s.sig) for s in env.signatures] == [("k1", "MEUCIQ==")]
    assert env.raw == raw
    check_statement(env.statement)


def test_dsse_urlsafe_unpadded_base64_and_several_signatures() -> None:
    def urlsafe(b: bytes) -> bytes:
        return base64.urlsafe_b64encode(b).rstrip(b"=")

    body = dsse(STATEMENT, encode=urlsafe, sigs=[{"sig": "a-_b"}, {"keyid": "x", "sig": "cd"}])
    env = decode_layer(json.dumps(body).encode(), "application/vnd.dsse.envelope.v1+json")
    check_statement(env.statement)
    assert [s.keyid for s in env.signatures] == ["", "x"]


def test_dsse_without_signatures_is_unsigned() -> None:
    env = decode_layer(
        json.dumps(dsse(STATEMENT, sigs=[])).encode(), "application/vnd.dsse.envelope.v1+json"
    )
    assert not env.signed


def test_dsse_non_intoto_payload_has_no_statement() -> None:
    body = {
        "payloadType": "text/plain",
        "payload": base64.b64encode(b"hello").decode(),
        "signatures": [],
    }
    env = decode_layer(json.dumps(body).encode(), "application/vnd.dsse.envelope.v1+json")
    assert (env.statement, env.payload) == (None, b"hello")


def test_dsse_bad_base64() -> None:
    body = {
        "payloadType": "application/vnd.in-toto+json",
        "payload": "!!not base64!!",
        "signatures": [],
    }
    with pytest.raises(FormatError, match="DSSE payload is not valid base64"):
        decode_layer(json.dumps(body).encode(), "application/vnd.dsse.envelope.v1+json")


def test_dsse_bad_json_and_missing_payload() -> None:
    with pytest.raises(FormatError, match="DSSE envelope is not valid JSON"):
        decode_layer(b"{", "application/vnd.dsse.envelope.v1+json")
    with pytest.raises(FormatError, match="no payload"):
        decode_layer(b'{"payloadType": "x"}', "application/vnd.dsse.envelope.v1+json")


def test_dsse_payload_not_a_statement() -> None:
    body = dsse(b'{"hello": 1}')
    with pytest.raises(FormatError, match="DSSE payload statement has no _type"):
        decode_layer(json.dumps(body).encode(), "application/vnd.dsse.envelope.v1+json")


def bundle(media_type: str, content: Mapping[str, Any], material: Mapping[str, Any]) -> bytes:
    return json.dumps(
        {"mediaType": media_type, "verificationMaterial": material, **content}
    ).encode()


@pytest.mark.parametrize(
    ("layer_type", "bundle_type", "material_key"),
    [
        (
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            "certificate",
        ),
        (
            "application/vnd.dev.sigstore.bundle+json;version=0.2",
            "application/vnd.dev.sigstore.bundle+json;version=0.2",
            "x509CertificateChain",
        ),
        (
            "application/vnd.dev.sigstore.bundle+json;version=0.1",
            "application/vnd.dev.sigstore.bundle+json;version=0.1",
            "publicKey",
        ),
    ],
)
def test_sigstore_bundle_with_dsse(layer_type: str, bundle_type: str, material_key: str) -> None:
    material = {
        material_key: {"rawBytes": "MIIB"},
        "tlogEntries": [{"logIndex": "1"}, {"logIndex": "2"}],
    }
    raw = bundle(bundle_type, {"dsseEnvelope": dsse(STATEMENT)}, material)
    env = decode_layer(raw, layer_type)
    assert env.wrapping is Wrapping.BUNDLE
    assert env.bundle_media_type == bundle_type
    assert env.verification_material == material_key
    assert env.tlog_entries == 2
    assert env.signed and not env.verified
    assert env.media_type == layer_type
    check_statement(env.statement)


def test_sigstore_bundle_message_signature() -> None:
    digest = hashlib.sha256(b"artifact").digest()
    content = {
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": base64.b64encode(digest).decode()},
            "signature": "MEQCIA==",
        }
    }
    raw = bundle(
        "application/vnd.dev.sigstore.bundle.v0.3+json", content, {"publicKey": {"hint": "k"}}
    )
    env = decode_layer(raw, "application/vnd.dev.sigstore.bundle.v0.3+json")
    assert env.statement is None
    assert env.message_signature is not None
    assert (env.message_signature.algorithm, env.message_signature.digest) == (
        "SHA2_256",
        digest.hex(),
    )
    assert [s.sig for s in env.signatures] == ["MEQCIA=="]
    assert env.verification_material == "publicKey"


def test_sigstore_bundle_without_content() -> None:
    raw = bundle("application/vnd.dev.sigstore.bundle.v0.3+json", {}, {})
    with pytest.raises(FormatError, match="neither dsseEnvelope nor messageSignature"):
        decode_layer(raw, "application/vnd.dev.sigstore.bundle.v0.3+json")


def test_cosign_simple_signing() -> None:
    digest = "sha256:157f9686db26" + "0" * 52
    payload = {
        "critical": {
            "identity": {"docker-reference": "127.0.0.1:5200/ocitrace/run-secrets-ssh-max"},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": {"creator": "test"},
    }
    raw = json.dumps(payload).encode()
    ann = {
        "dev.cosignproject.cosign/signature": "MEUCIQ==",
        "dev.sigstore.cosign/certificate": "-----BEGIN CERTIFICATE-----",
        "dev.sigstore.cosign/bundle": "{}",
    }
    env = decode_layer(raw, "application/vnd.dev.cosign.simplesigning.v1+json", ann)
    assert env.wrapping is Wrapping.SIMPLESIGNING
    assert env.statement is None
    ss = env.simple_signing
    assert ss is not None
    assert (ss.docker_reference, ss.manifest_digest) == (
        "127.0.0.1:5200/ocitrace/run-secrets-ssh-max",
        digest,
    )
    assert ss.type == "cosign container image signature"
    assert ss.optional == {"creator": "test"}
    assert env.signed and not env.verified
    assert (env.verification_material, env.tlog_entries) == ("certificate", 1)
    unsigned = decode_layer(raw, "application/vnd.dev.cosign.simplesigning.v1+json")
    assert not unsigned.signed


def test_simple_signing_without_critical() -> None:
    with pytest.raises(FormatError, match="no 'critical' section"):
        decode_layer(b"{}", "application/vnd.dev.cosign.simplesigning.v1+json")


def test_unknown_media_type_is_sniffed() -> None:
    assert decode_layer(STATEMENT, "application/json").wrapping is Wrapping.PLAIN
    dsse_raw = json.dumps(dsse(STATEMENT)).encode()
    assert decode_layer(dsse_raw, "application/octet-stream").wrapping is Wrapping.DSSE
    raw = bundle(
        "application/vnd.dev.sigstore.bundle.v0.3+json", {"dsseEnvelope": dsse(STATEMENT)}, {}
    )
    assert decode_layer(raw, "").wrapping is Wrapping.BUNDLE


def test_unknown_media_type_unsupported() -> None:
    with pytest.raises(FormatError, match="unsupported attestation layer media type 'text/plain'"):
        decode_layer(b"hello", "text/plain")
    with pytest.raises(FormatError, match="unsupported"):
        decode_layer(b'{"a": 1}', "application/json")


def test_plain_layer_bad_json() -> None:
    with pytest.raises(FormatError, match="in-toto statement is not valid JSON"):
        decode_layer(STATEMENT[:-5], "application/vnd.in-toto+json")


def test_b64decode_forms() -> None:
    data = bytes(range(256))
    for text in (
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
        "\n".join(base64.encodebytes(data).decode().split()),
    ):
        assert b64decode(text, "x") == data
    with pytest.raises(FormatError, match="x is not a base64 string"):
        b64decode(5, "x")
