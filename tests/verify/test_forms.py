"""Bundle forms derived from the real cosign v0.3 bundle (same signature, same log entry):
v0.2 (certificate chain field), the ``;version=0.3`` alias, v0.1 with only the inclusion
promise (the SET path); and hostile material that must fail as ``format``, never crash."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ocitrace.verify import Policy, Reason, Status
from ocitrace.verify.keyless import verify_bundle_bytes, verify_cosign_keyless
from ocitrace.verify.trust import load_trusted_roots

from .support import ANN_BUNDLE, ANN_CERT, att_layer, bundle_doc

ROOTS = load_trusted_roots(None)
POLICY = Policy(identity="cody@soyland.com", issuer="https://github.com/login/oauth")


def real() -> dict[str, Any]:
    return copy.deepcopy(bundle_doc("cosign-oci-attestation-v0.3.sigstore.json"))


def as_v02(doc: dict[str, Any]) -> dict[str, Any]:
    vm = doc["verificationMaterial"]
    vm["x509CertificateChain"] = {"certificates": [vm.pop("certificate")]}
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"
    return doc


def test_v02_form_verifies() -> None:
    v = verify_bundle_bytes(json.dumps(as_v02(real())).encode(), ROOTS, POLICY).verification
    assert v.status is Status.VERIFIED, v.detail


def test_v03_alias_media_type_verifies() -> None:
    doc = real()
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.3"
    assert verify_bundle_bytes(json.dumps(doc).encode(), ROOTS, POLICY).verification.ok


def test_v01_promise_only_verifies_by_set() -> None:
    doc = as_v02(real())
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
    del doc["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    v = verify_bundle_bytes(json.dumps(doc).encode(), ROOTS, POLICY).verification
    assert v.status is Status.VERIFIED, v.detail
    # and a broken promise is a transparency-log failure
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    entry["integratedTime"] = str(int(entry["integratedTime"]) + 1)
    bad = verify_bundle_bytes(json.dumps(doc).encode(), ROOTS, POLICY).verification
    assert (bad.status, bad.reason) == (Status.INVALID, Reason.TLOG)


def test_v02_without_proof_is_refused() -> None:
    doc = as_v02(real())
    del doc["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    v = verify_bundle_bytes(json.dumps(doc).encode(), ROOTS, POLICY).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.FORMAT)


def test_key_only_policy_does_not_accept_keyless() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    v = verify_bundle_bytes(json.dumps(real()).encode(), ROOTS, Policy(keys=(pem,))).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.IDENTITY)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"mediaType": 1}',
        json.dumps({**real(), "dsseEnvelope": {"payload": "!!"}}).encode(),
    ],
    ids=["empty", "text", "list", "bad-type", "bad-envelope"],
)
def test_hostile_bundles_are_format_errors(data: bytes) -> None:
    v = verify_bundle_bytes(data, ROOTS, POLICY).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.FORMAT)


@pytest.mark.parametrize(
    "change",
    [
        {ANN_CERT: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
        {ANN_BUNDLE: "{"},
        {ANN_BUNDLE: json.dumps({"SignedEntryTimestamp": "x", "Payload": {"body": "%%%"}})},
        {ANN_BUNDLE: ""},
    ],
    ids=["cert", "bundle-json", "bundle-fields", "no-bundle"],
)
def test_hostile_cosign_annotations_are_format_errors(change: dict[str, str]) -> None:
    blob, ann = att_layer()
    ann.update(change)
    v = verify_cosign_keyless(blob, ann, ROOTS, POLICY, dsse=True).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.FORMAT)


def test_hostile_dsse_layer_is_format_error() -> None:
    _, ann = att_layer()
    v = verify_cosign_keyless(b'{"payload": 5}', ann, ROOTS, POLICY, dsse=True).verification
    assert (v.status, v.reason) == (Status.INVALID, Reason.FORMAT)
