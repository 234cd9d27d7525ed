"""Attestation presence and signature status in ``diff``, on the real ``cosign save`` layout
(slsa-github-generator v1.10.0, keyless, verified offline against the shipped trusted root)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from ocitrace.cli.main import main
from tests.verify.support import (
    GHA_ISSUER,
    IMAGE_DIGEST,
    LAYOUT,
    SLSA_IDENTITY_RE,
    tamper_signature,
    tampered_layout,
)

POLICY = [
    "--certificate-identity-regexp",
    SLSA_IDENTITY_RE,
    "--certificate-oidc-issuer",
    GHA_ISSUER,
]
SLSA02 = "https://slsa.dev/provenance/v0.2"


def diff(*argv: str) -> tuple[int, Any, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", "--json", *argv], stdout=out, stderr=err, environ={})
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def ref(path: Path = LAYOUT) -> str:
    return f"oci-layout://{path}@{IMAGE_DIGEST}"


def test_unsigned_diff_with_itself() -> None:
    code, doc, err = diff("--exit-code", ref(), ref())
    assert code == 0, err
    assert doc["differs"] is False


def test_broken_signature_is_a_difference_under_a_policy(tmp_path: Path) -> None:
    bad = tampered_layout(tmp_path, tamper_signature)
    code, doc, err = diff("--exit-code", *POLICY, ref(), ref(bad))
    assert code == 1, err
    assert doc["old"]["digest"] == doc["new"]["digest"] == IMAGE_DIGEST  # the same index
    (p,) = doc["platforms"]
    assert p["platform"] == "linux/amd64"
    assert p["differs"] is False  # same image manifest, config and BuildKit provenance
    # the cosign .att hangs on the index digest: its signature verified in A, fails in B
    assert doc["indexAttestations"]["added"] == doc["indexAttestations"]["removed"] == []
    (change,) = doc["indexAttestations"]["changed"]
    assert (change["store"], change["kind"], change["predicateType"]) == (
        "cosign-tag",
        "attestation",
        SLSA02,
    )
    assert change["fields"] == [{"name": "verified", "old": True, "new": False}]
    # without a policy nothing is verified: both sides only "signed"
    code, doc, err = diff("--exit-code", ref(), ref(bad))
    assert code == 0, err


def test_broken_signature_text(tmp_path: Path) -> None:
    bad = tampered_layout(tmp_path, tamper_signature)
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", *POLICY, ref(), ref(bad)], stdout=out, stderr=err, environ={})
    assert code == 0, err.getvalue()
    body = out.getvalue().split("\n\n", 1)[1]
    assert body == (
        "index\n"
        f"  ~ cosign-tag attestation {SLSA02}: verified true → false\n"
        "\n"
        "linux/amd64  sha256:ae01bed04d3f41efa80182824a50345cd1430f4d1a9308eda4369122bd94c85e"
        " (same image)\n"
        "  no differences in provenance, SBOM, config or attestations\n"
    )
