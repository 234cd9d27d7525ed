"""Builders for the verify tests: real artefacts, tampered copies, registry shapes.

Everything starts from the real files in ``fixtures/realworld`` (SOURCES.md); tampering
changes one thing at a time so each variant's failure category is unambiguous.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tests.support.registry import RunningRegistry, push_blob, push_layout, push_manifest

REALWORLD = Path(__file__).resolve().parents[2] / "fixtures" / "realworld"
LAYOUT = REALWORLD / "cosign-save-layout-slsa-generic-container-v1.10.0"
IMAGE_DIGEST = (
    (REALWORLD / "cosign-save-layout-slsa-generic-container-v1.10.0.digest").read_text().strip()
)
ATT_MANIFEST = "sha256:31cc4fb663c8d34e2e6a0bd5f183d576c2811ee286e0998b4c2965e3b35a0d86"
SLSA_IDENTITY_RE = "^https://github.com/slsa-framework/slsa-github-generator/"
GHA_ISSUER = "https://token.actions.githubusercontent.com"
ANN_CERT = "dev.sigstore.cosign/certificate"
ANN_CHAIN = "dev.sigstore.cosign/chain"
ANN_BUNDLE = "dev.sigstore.cosign/bundle"
ANN_SIG = "dev.cosignproject.cosign/signature"
DSSE_MT = "application/vnd.dsse.envelope.v1+json"
SIMPLESIGNING_MT = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE_V03_MT = "application/vnd.dev.sigstore.bundle.v0.3+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY_CONFIG = {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
}


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_path(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.split(":", 1)[1]


def read_json(layout: Path, digest: str) -> Any:
    return json.loads(blob_path(layout, digest).read_bytes())


def write_blob(layout: Path, data: bytes) -> str:
    d = sha256(data)
    blob_path(layout, d).write_bytes(data)
    return d


# --- the cosign .att layer and its tampered variants ----------------------------------------

Mutation = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]


def att_layer() -> tuple[bytes, dict[str, str]]:
    """The real .att layer blob (DSSE envelope) and its annotations."""
    man = read_json(LAYOUT, ATT_MANIFEST)
    layer = man["layers"][0]
    return blob_path(LAYOUT, layer["digest"]).read_bytes(), dict(layer["annotations"])


def tampered_layout(tmp: Path, mutate: Mutation) -> Path:
    """A copy of the real cosign-save layout whose .att layer went through ``mutate``."""
    dest = tmp / "layout"
    shutil.copytree(LAYOUT, dest)
    man = read_json(dest, ATT_MANIFEST)
    layer = man["layers"][0]
    blob, ann = mutate(blob_path(dest, layer["digest"]).read_bytes(), dict(layer["annotations"]))
    layer["digest"] = write_blob(dest, blob)
    layer["size"] = len(blob)
    layer["annotations"] = ann
    man_bytes = json.dumps(man, separators=(",", ":")).encode()
    new_digest = write_blob(dest, man_bytes)
    index = json.loads((dest / "index.json").read_text())
    for entry in index["manifests"]:
        if entry["digest"] == ATT_MANIFEST:
            entry["digest"] = new_digest
            entry["size"] = len(man_bytes)
    (dest / "index.json").write_text(json.dumps(index))
    return dest


def tamper_payload(blob: bytes, ann: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    env = json.loads(blob)
    stmt = json.loads(base64.b64decode(env["payload"]))
    stmt["predicate"]["builder"]["id"] = "https://evil.example/builder"
    env["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
    return json.dumps(env).encode(), ann


def flip_b64(text: str, at: int = 10) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def tamper_signature(blob: bytes, ann: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    env = json.loads(blob)
    env["signatures"][0]["sig"] = flip_b64(env["signatures"][0]["sig"], at=12)
    return json.dumps(env).encode(), ann


def forge_certificate(leaf: x509.Certificate) -> tuple[x509.Certificate, x509.Certificate]:
    """A look-alike of a Fulcio leaf (same key, same claims) issued by a CA of our own."""
    ca_key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sigstore-intermediate"),
        ]
    )
    now = leaf.not_valid_before_utc
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA384())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(leaf.subject)
        .issuer_name(name)
        .public_key(leaf.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(leaf.not_valid_before_utc)
        .not_valid_after(leaf.not_valid_after_utc)
    )
    skip = {x509.AuthorityKeyIdentifier, x509.PrecertificateSignedCertificateTimestamps}
    for ext in leaf.extensions:
        if type(ext.value) in skip:
            continue
        builder = builder.add_extension(ext.value, critical=ext.critical)
    return builder.sign(ca_key, hashes.SHA384()), ca


def tamper_certificate(blob: bytes, ann: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    leaf = x509.load_pem_x509_certificate(ann[ANN_CERT].encode())
    forged, ca = forge_certificate(leaf)
    ann = dict(ann)
    ann[ANN_CERT] = forged.public_bytes(Encoding.PEM).decode()
    ann[ANN_CHAIN] = ca.public_bytes(Encoding.PEM).decode()
    return blob, ann


def tamper_log_entry(blob: bytes, ann: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    rekor = json.loads(ann[ANN_BUNDLE])
    rekor["Payload"]["logIndex"] = int(rekor["Payload"]["logIndex"]) + 1
    ann = dict(ann)
    ann[ANN_BUNDLE] = json.dumps(rekor)
    return blob, ann


# --- Sigstore bundles -----------------------------------------------------------------------


def bundle_doc(name: str) -> dict[str, Any]:
    text = (REALWORLD / name).read_text().strip()
    if name.endswith(".jsonl"):
        text = text.splitlines()[0]
    doc: dict[str, Any] = json.loads(text)
    return doc


def tampered_bundle(name: str, what: str) -> bytes:
    """A real bundle with one thing changed: payload, signature, certificate or log entry."""
    doc = copy.deepcopy(bundle_doc(name))
    vm = doc["verificationMaterial"]
    if what == "payload":
        env = doc["dsseEnvelope"]
        stmt = json.loads(base64.b64decode(env["payload"]))
        stmt["predicate"]["Data"] = "tampered"
        env["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
    elif what == "signature":
        if "dsseEnvelope" in doc:
            doc["dsseEnvelope"]["signatures"][0]["sig"] = flip_b64(
                doc["dsseEnvelope"]["signatures"][0]["sig"], 12
            )
        else:
            doc["messageSignature"]["signature"] = flip_b64(
                doc["messageSignature"]["signature"], 12
            )
    elif what == "certificate":
        raw = (
            vm["certificate"]["rawBytes"]
            if "certificate" in vm
            else vm["x509CertificateChain"]["certificates"][0]["rawBytes"]
        )
        forged, _ = forge_certificate(x509.load_der_x509_certificate(base64.b64decode(raw)))
        der = base64.b64encode(forged.public_bytes(Encoding.DER)).decode()
        if "certificate" in vm:
            vm["certificate"]["rawBytes"] = der
        else:
            vm["x509CertificateChain"]["certificates"] = [{"rawBytes": der}]
    elif what == "log entry":
        entry = vm["tlogEntries"][0]
        entry["inclusionProof"]["hashes"][0] = flip_b64(entry["inclusionProof"]["hashes"][0], 3)
    else:  # pragma: no cover - test typo
        raise ValueError(what)
    return json.dumps(doc).encode()


# --- registry shapes ------------------------------------------------------------------------


def push_cosign_image(
    reg: RunningRegistry, repo: str, *, att_for: str | None = None, layout: Path = LAYOUT
) -> str:
    """Push the saved image (tag v1) and its .att manifest under ``sha256-<hex>.att`` of
    ``att_for`` (default: the image itself), as ``cosign attest`` leaves them."""
    index = json.loads((layout / "index.json").read_text())
    image = next(e for e in index["manifests"] if e["annotations"]["kind"].endswith("/imageIndex"))
    att = next(e for e in index["manifests"] if e["annotations"]["kind"].endswith("/atts"))
    # push_layout pushes index.json entry 0: the imageIndex here
    assert index["manifests"][0] is image or index["manifests"][0] == image
    digest = push_layout(reg, layout, repo, "v1", auth=None)
    push_attached(reg, repo, layout, att["digest"], att_for or digest, ".att")
    return digest


def push_attached(
    reg: RunningRegistry, repo: str, layout: Path, manifest_digest: str, target: str, suffix: str
) -> None:
    data = blob_path(layout, manifest_digest).read_bytes()
    man = json.loads(data)
    for blob in [man["config"], *man["layers"]]:
        push_blob(reg, repo, blob_path(layout, blob["digest"]).read_bytes(), auth=None)
    push_manifest(reg, repo, target.replace(":", "-") + suffix, data, OCI_MANIFEST, auth=None)


def push_image(reg: RunningRegistry, repo: str, tag: str, marker: str) -> str:
    """A minimal single-platform image (config + one layer); returns its digest."""
    layer = f"layer {marker}\n".encode()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]},
        }
    ).encode()
    cd = push_blob(reg, repo, config, auth=None)
    ld = push_blob(reg, repo, layer, auth=None)
    man = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": cd,
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": ld,
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    return push_manifest(reg, repo, tag, man, OCI_MANIFEST, auth=None)


def push_bundle_referrer(
    reg: RunningRegistry,
    repo: str,
    subject: str,
    subject_size: int,
    bundle: bytes,
    predicate_type: str = "",
) -> str:
    """A Sigstore bundle referrer as cosign v3 / @sigstore/oci push it, plus the
    ``sha256-<hex>`` fallback index (distribution 2.8 has no referrers API)."""
    push_blob(reg, repo, b"{}", auth=None)
    bd = push_blob(reg, repo, bundle, auth=None)
    ann = {
        "dev.sigstore.bundle.content": "dsse-envelope",
        "org.opencontainers.image.created": "2025-02-28T19:18:11Z",
    }
    if predicate_type:
        ann["dev.sigstore.bundle.predicateType"] = predicate_type
    man = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": BUNDLE_V03_MT,
            "config": EMPTY_CONFIG,
            "layers": [{"mediaType": BUNDLE_V03_MT, "digest": bd, "size": len(bundle)}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": subject_size},
            "annotations": ann,
        }
    ).encode()
    md = push_manifest(reg, repo, sha256(man), man, OCI_MANIFEST, auth=None)
    fallback = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": md,
                    "size": len(man),
                    "artifactType": BUNDLE_V03_MT,
                    "annotations": ann,
                }
            ],
        }
    ).encode()
    push_manifest(reg, repo, subject.replace(":", "-"), fallback, OCI_INDEX, auth=None)
    return md
