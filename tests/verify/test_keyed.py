"""Key-based verification (``--key``): keys made here, signatures checked a second time by
``openssl`` (an independent implementation), items pushed in cosign's real tag shapes.

Shapes: cosign ``attest --key`` (``sha256-<hex>.att``, DSSE layer, ``predicateType``
annotation, no certificate) and ``sign --key`` (``sha256-<hex>.sig``, simple-signing layer
with ``dev.cosignproject.cosign/signature``).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from ocitrace.api import Client
from ocitrace.verify import Policy, Reason, Status, VerifyReport
from ocitrace.verify.engine import verify_source
from ocitrace.verify.keyed import load_public_keys, pae, verify_dsse_with_keys
from tests.support.registry import RunningRegistry, push_blob, push_manifest

from .support import DSSE_MT, OCI_MANIFEST, SIMPLESIGNING_MT, push_image, sha256

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
SLSA1 = "https://slsa.dev/provenance/v1"


def make_key(kind: str) -> PrivateKey:
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def sign(key: PrivateKey, message: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        h: hashes.HashAlgorithm = hashes.SHA384() if key.curve.key_size == 384 else hashes.SHA256()
        return key.sign(message, ec.ECDSA(h))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(message)


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def openssl_verifies(tmp: Path, kind: str, pem: bytes, message: bytes, sig: bytes) -> bool:
    """The independent second check: ``openssl`` verifies the same signature."""
    (tmp / "pub.pem").write_bytes(pem)
    (tmp / "msg").write_bytes(message)
    (tmp / "sig").write_bytes(sig)
    if kind == "ed25519":
        cmd = [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-in",
            "msg",
            "-sigfile",
            "sig",
        ]
    else:
        digest = "-sha384" if kind == "p384" else "-sha256"
        cmd = ["openssl", "dgst", digest, "-verify", "pub.pem", "-signature", "sig", "msg"]
    return subprocess.run(cmd, cwd=tmp, capture_output=True, check=False).returncode == 0


def statement(subject: str) -> bytes:
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v0.1",
            "subject": [{"name": "example", "digest": {"sha256": subject.split(":", 1)[1]}}],
            "predicateType": SLSA1,
            "predicate": {"buildDefinition": {"buildType": "https://example/test"}},
        }
    ).encode()


def envelope(payload: bytes, sigs: list[bytes]) -> bytes:
    return json.dumps(
        {
            "payloadType": "application/vnd.in-toto+json",
            "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": "", "sig": base64.b64encode(s).decode()} for s in sigs],
        }
    ).encode()


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@needs_openssl
@pytest.mark.parametrize("kind", ["p256", "p384", "rsa", "ed25519"])
def test_dsse_with_key_and_openssl_agrees(tmp_path: Path, kind: str) -> None:
    key = make_key(kind)
    payload = statement("sha256:" + "ab" * 32)
    sig = sign(key, pae("application/vnd.in-toto+json", payload))
    assert openssl_verifies(
        tmp_path, kind, public_pem(key), pae("application/vnd.in-toto+json", payload), sig
    )
    v, got, ptype = verify_dsse_with_keys(
        envelope(payload, [sig]), load_public_keys([public_pem(key)])
    )
    assert (
        v.status is Status.VERIFIED and got == payload and ptype == "application/vnd.in-toto+json"
    )
    assert v.signer is not None and v.signer.key_fingerprint
    other = make_key(kind)
    bad, _, _ = verify_dsse_with_keys(
        envelope(payload, [sig]), load_public_keys([public_pem(other)])
    )
    assert (bad.status, bad.reason) == (Status.INVALID, Reason.SIGNATURE)


def test_several_signatures_one_valid_suffices() -> None:
    mine, theirs = make_key("p256"), make_key("ed25519")
    payload = statement("sha256:" + "cd" * 32)
    message = pae("application/vnd.in-toto+json", payload)
    env = envelope(payload, [sign(theirs, message), b"\x00" * 64, sign(mine, message)])
    v, _, _ = verify_dsse_with_keys(env, load_public_keys([public_pem(mine)]))
    assert v.status is Status.VERIFIED and v.signatures == 3
    none, _, _ = verify_dsse_with_keys(env, load_public_keys([public_pem(make_key("p256"))]))
    assert none.reason is Reason.SIGNATURE


# --- registry shapes ------------------------------------------------------------------------


def push_cosign(
    reg: RunningRegistry,
    repo: str,
    target: str,
    suffix: str,
    layer: bytes,
    media: str,
    ann: dict[str, str],
) -> None:
    cfg = json.dumps(
        {"architecture": "", "os": "", "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}}
    ).encode()
    cd = push_blob(reg, repo, cfg, auth=None)
    ld = push_blob(reg, repo, layer, auth=None)
    man = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": cd,
                "size": len(cfg),
            },
            "layers": [{"mediaType": media, "digest": ld, "size": len(layer), "annotations": ann}],
        }
    ).encode()
    push_manifest(reg, repo, target.replace(":", "-") + suffix, man, OCI_MANIFEST, auth=None)


def report_for(reg: RunningRegistry, repo: str, digest: str, policy: Policy) -> VerifyReport:
    with Client() as client:
        source, _ = client.open(f"{reg.host}/{repo}@{digest}")
        _, report = verify_source(source, source.manifest(digest), policy)
    return report


Pusher = Callable[[RunningRegistry, str, str, PrivateKey, str], None]


def push_att(reg: RunningRegistry, repo: str, image: str, key: PrivateKey, subject: str) -> None:
    payload = statement(subject)
    env = envelope(payload, [sign(key, pae("application/vnd.in-toto+json", payload))])
    push_cosign(
        reg,
        repo,
        image,
        ".att",
        env,
        DSSE_MT,
        {"predicateType": SLSA1, "dev.cosignproject.cosign/signature": ""},
    )


def push_sig(reg: RunningRegistry, repo: str, image: str, key: PrivateKey, subject: str) -> None:
    payload = json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": f"{reg.host}/{repo}"},
                "image": {"docker-manifest-digest": subject},
                "type": "cosign container image signature",
            },
            "optional": None,
        }
    ).encode()
    sig = base64.b64encode(sign(key, payload)).decode()
    push_cosign(
        reg,
        repo,
        image,
        ".sig",
        payload,
        SIMPLESIGNING_MT,
        {"dev.cosignproject.cosign/signature": sig},
    )


@pytest.mark.parametrize("push", [push_att, push_sig], ids=["att", "sig"])
@pytest.mark.parametrize("kind", ["p256", "p384", "rsa", "ed25519"])
def test_registry_key_signed(registry: RunningRegistry, push: Any, kind: str) -> None:
    repo = f"verify/key-{push.__name__}-{kind}"
    image = push_image(registry, repo, "v1", repo)
    key = make_key(kind)
    push(registry, repo, image, key, image)
    good = report_for(registry, repo, image, Policy(keys=(public_pem(key),)))
    [v] = good.items
    assert good.ok and v.method.value == "cosign-key" and v.subjects == (image,)
    [wrong] = report_for(registry, repo, image, Policy(keys=(public_pem(make_key(kind)),))).items
    assert (wrong.status, wrong.reason) == (Status.INVALID, Reason.SIGNATURE)
    [keyless] = report_for(registry, repo, image, Policy(identity="x@example.com")).items
    assert (keyless.status, keyless.reason) == (Status.INVALID, Reason.KEY)


@pytest.mark.parametrize("push", [push_att, push_sig], ids=["att", "sig"])
def test_registry_key_signed_wrong_subject(registry: RunningRegistry, push: Any) -> None:
    repo = f"verify/key-subject-{push.__name__}"
    image = push_image(registry, repo, "v1", repo)
    key = make_key("p256")
    push(registry, repo, image, key, "sha256:" + "00" * 32)
    [v] = report_for(registry, repo, image, Policy(keys=(public_pem(key),))).items
    assert (v.status, v.reason) == (Status.INVALID, Reason.SUBJECT)


def push_index(reg: RunningRegistry, repo: str, platform_digest: str, size: int) -> str:
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": platform_digest,
                    "size": size,
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
        }
    ).encode()
    return push_manifest(
        reg, repo, "v1", index, "application/vnd.oci.image.index.v1+json", auth=None
    )


@pytest.mark.parametrize(("names", "ok"), [("platform", True), ("index", True), ("other", False)])
def test_attestation_on_platform_manifest(registry: RunningRegistry, names: str, ok: bool) -> None:
    """Attached to the platform manifest, the statement may name it or the index; anything
    else is a subject failure."""
    repo = f"verify/platform-{names}"
    platform = push_image(registry, repo, "amd64", repo)
    with Client() as client:
        size = len(client.open(f"{registry.host}/{repo}@{platform}")[0].manifest(platform).data)
    index = push_index(registry, repo, platform, size)
    key = make_key("p256")
    subject = {"platform": platform, "index": index, "other": "sha256:" + "22" * 32}[names]
    push_att(registry, repo, platform, key, subject)
    report = report_for(registry, repo, index, Policy(keys=(public_pem(key),)))
    [v] = report.items
    assert v.platform == "linux/amd64" and v.attached_to == platform
    assert report.ok is ok
    if not ok:
        assert v.reason is Reason.SUBJECT
