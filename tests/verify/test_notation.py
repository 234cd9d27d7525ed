"""Notation signatures as referrers on the real registry (fallback tag): listed with the
signer's subject and signing time; JWS verified against a trust store of CA certificates;
COSE listed as not supported.  Certificates and keys are made here, in the shapes the Notary
Project signature specification gives (``signature-envelope-jws.md``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocitrace.api import Client
from ocitrace.verify import Policy, Reason, Status, Verification
from ocitrace.verify.engine import verify_source
from tests.support.registry import RunningRegistry, push_blob, push_manifest

from .support import EMPTY_CONFIG, OCI_INDEX, OCI_MANIFEST, push_image, sha256

NOTARY = "application/vnd.cncf.notary.signature"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocitrace tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _usage(**on: bool) -> x509.KeyUsage:
    fields = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    fields.update(on)
    return x509.KeyUsage(**fields)


def make_pki(leaf_kind: str) -> tuple[x509.Certificate, Any, x509.Certificate]:
    """(root CA cert, leaf private key, leaf cert)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test Root CA"))
        .issuer_name(name("Test Root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if leaf_kind == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("release signer"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(hours=1))
        .not_valid_after(NOW + dt.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca, leaf_key, leaf


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jws(
    leaf_key: Any, leaf: x509.Certificate, target: dict[str, Any], alg: str, *, tamper: bool = False
) -> bytes:
    protected = b64url(
        json.dumps(
            {
                "alg": alg,
                "crit": ["io.cncf.notary.signingScheme"],
                "cty": "application/vnd.cncf.notary.payload.v1+json",
                "io.cncf.notary.signingScheme": "notary.x509",
                "io.cncf.notary.signingTime": NOW.isoformat(),
            }
        ).encode()
    )
    payload = b64url(json.dumps({"targetArtifact": target}).encode())
    message = f"{protected}.{payload}".encode()
    if alg == "ES256":
        r, s = utils.decode_dss_signature(leaf_key.sign(message, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        sig = leaf_key.sign(
            message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
        )
    if tamper:
        payload = b64url(
            json.dumps({"targetArtifact": {**target, "size": target["size"] + 1}}).encode()
        )
    return json.dumps(
        {
            "payload": payload,
            "protected": protected,
            "header": {
                "x5c": [base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()],
                "io.cncf.notary.signingAgent": "ocitrace-test/1",
            },
            "signature": b64url(sig),
        }
    ).encode()


def push_notation(
    reg: RunningRegistry, repo: str, subject: dict[str, Any], envelope: bytes, media: str
) -> None:
    push_blob(reg, repo, b"{}", auth=None)
    ed = push_blob(reg, repo, envelope, auth=None)
    man = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": NOTARY,
            "config": EMPTY_CONFIG,
            "layers": [{"mediaType": media, "digest": ed, "size": len(envelope)}],
            "subject": subject,
            "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": "[]"},
        }
    ).encode()
    md = push_manifest(reg, repo, sha256(man), man, OCI_MANIFEST, auth=None)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": md, "size": len(man), "artifactType": NOTARY}
            ],
        }
    ).encode()
    push_manifest(reg, repo, subject["digest"].replace(":", "-"), index, OCI_INDEX, auth=None)


def one(reg: RunningRegistry, repo: str, digest: str, policy: Policy) -> Verification:
    with Client() as client:
        source, _ = client.open(f"{reg.host}/{repo}@{digest}")
        _, report = verify_source(source, source.manifest(digest), policy)
    [v] = report.items
    return v


def image(reg: RunningRegistry, repo: str) -> dict[str, Any]:
    digest = push_image(reg, repo, "v1", repo)
    with Client() as client:
        size = len(client.open(f"{reg.host}/{repo}@{digest}")[0].manifest(digest).data)
    return {"mediaType": OCI_MANIFEST, "digest": digest, "size": size}


def trust_store(tmp: Path, ca: x509.Certificate) -> Path:
    d = tmp / "truststore" / "x509" / "ca" / "test"
    d.mkdir(parents=True)
    (d / "root.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return tmp / "truststore"


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_notation_jws(registry: RunningRegistry, tmp_path: Path, alg: str) -> None:
    repo = f"verify/notation-{alg.lower()}"
    subject = image(registry, repo)
    ca, key, leaf = make_pki(alg)
    push_notation(registry, repo, subject, jws(key, leaf, subject, alg), "application/jose+json")
    listed = one(registry, repo, subject["digest"], Policy())
    assert listed.status is Status.NO_POLICY and listed.method.value == "notation-jws"
    assert listed.signer is not None and "CN=release signer" in listed.signer.subject
    assert listed.signing_time == NOW
    ok = one(
        registry, repo, subject["digest"], Policy(notation_trust_store=trust_store(tmp_path, ca))
    )
    assert ok.status is Status.VERIFIED, ok.detail
    other_ca, _, _ = make_pki(alg)
    untrusted = one(
        registry,
        repo,
        subject["digest"],
        Policy(notation_trust_store=trust_store(tmp_path / "other", other_ca)),
    )
    assert (untrusted.status, untrusted.reason) == (Status.INVALID, Reason.CHAIN)


def test_notation_tampered_and_wrong_subject(registry: RunningRegistry, tmp_path: Path) -> None:
    ca, key, leaf = make_pki("PS256")
    store = trust_store(tmp_path, ca)
    subject = image(registry, "verify/notation-tampered")
    push_notation(
        registry,
        "verify/notation-tampered",
        subject,
        jws(key, leaf, subject, "PS256", tamper=True),
        "application/jose+json",
    )
    bad = one(
        registry, "verify/notation-tampered", subject["digest"], Policy(notation_trust_store=store)
    )
    assert (bad.status, bad.reason) == (Status.INVALID, Reason.SIGNATURE)
    subject2 = image(registry, "verify/notation-moved")
    elsewhere = {**subject2, "digest": "sha256:" + "11" * 32}
    push_notation(
        registry,
        "verify/notation-moved",
        subject2,
        jws(key, leaf, elsewhere, "PS256"),
        "application/jose+json",
    )
    moved = one(
        registry, "verify/notation-moved", subject2["digest"], Policy(notation_trust_store=store)
    )
    assert (moved.status, moved.reason) == (Status.INVALID, Reason.SUBJECT)


def test_notation_cose_is_listed_not_verified(registry: RunningRegistry) -> None:
    subject = image(registry, "verify/notation-cose")
    push_notation(
        registry, "verify/notation-cose", subject, b"\xd2\x84\x40\xa0\x40\x40", "application/cose"
    )
    v = one(registry, "verify/notation-cose", subject["digest"], Policy())
    assert v.status is Status.UNSUPPORTED and "verification not supported" in v.summary()
