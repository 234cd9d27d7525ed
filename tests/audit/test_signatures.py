"""audit verifies signatures (issues 10, 13): SIGNER column, ``--require signed``, the
policy file's signer identity per glob, JSON fields, summary counts.

The namespace holds the real ``cosign save`` layout of a slsa-github-generator image
(its ``.att`` signed keyless by the generator's workflow, verified by sigstore-python),
the same layout with one signature bit flipped, an unsigned image and an image signed
with a key made here (cosign's ``attest --key`` shape), all in a real docker-registry.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ocitrace.api import Client
from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.errors import PolicyError
from ocitrace.verify import Policy as SignerPolicy
from tests.support.proxy import counting_proxy
from tests.support.registry import RunningRegistry, registry_available, start_registry
from tests.verify.support import (
    GHA_ISSUER,
    IMAGE_DIGEST,
    SLSA_IDENTITY_RE,
    push_cosign_image,
    push_image,
    tamper_signature,
    tampered_layout,
)
from tests.verify.test_keyed import public_pem, push_att

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

#: the generator workflow's Fulcio SAN (as ``ocitrace verify`` prints it, tests/verify)
WORKFLOW = (
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
    "generator_container_slsa3.yml@refs/tags/v1.10.0"
)
POLICY_FLAGS = [
    "--certificate-identity-regexp",
    SLSA_IDENTITY_RE,
    "--certificate-oidc-issuer",
    GHA_ISSUER,
]
KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def signed_ns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    reg = start_registry(tmp_path_factory.mktemp("audit-signatures"))
    try:
        assert push_cosign_image(reg, "sig/verified") == IMAGE_DIGEST
        push_image(reg, "sig/unsigned", "v1", "unsigned image")
        bad = tampered_layout(tmp_path_factory.mktemp("tampered"), tamper_signature)
        push_cosign_image(reg, "sig/tampered", layout=bad)
        keyed = push_image(reg, "keyed/app", "v1", "key-signed image")
        push_att(reg, "keyed/app", keyed, KEY, keyed)
        yield reg
    finally:
        reg.stop()


def audit(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["audit", "--no-cache", "--no-progress", *argv], stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def by_repo(out: str) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in json.loads(out):
        rows.setdefault(row["repository"].split("/", 1)[1], []).append(row)
    return rows


def signer_of(rows: list[dict[str, Any]]) -> set[str]:
    return {r["signer"] for r in rows}


def test_signer_column_require_signed_and_summary(signed_ns: RunningRegistry) -> None:
    code, out, err = audit(f"{signed_ns.host}/sig/", "--require", "signed", *POLICY_FLAGS, "--json")
    rows = by_repo(out)
    assert set(rows) == {"sig/verified", "sig/tampered", "sig/unsigned"}
    verified, tampered, unsigned = rows["sig/verified"], rows["sig/tampered"], rows["sig/unsigned"]
    assert signer_of(verified) == {f"verified {WORKFLOW}"}
    assert signer_of(tampered) == {"invalid: signature"}
    assert signer_of(unsigned) == {"unsigned"}
    assert {r["status"] for r in verified} == {"ok"}
    for r in tampered + unsigned:
        assert r["status"] == "fail"
        [msg] = [m for m in r["failures"] if m.startswith("unsigned: ")]
        assert "signature not verified under the policy" in msg
    assert code == exitcodes.POLICY
    # JSON fields: state, the verified signer, every item's verification
    v = verified[0]
    assert (v["signature"], v["signerIdentity"], v["signerIssuer"]) == (
        "verified",
        WORKFLOW,
        GHA_ISSUER,
    )
    [item] = [i for i in v["verifications"] if i["status"] == "verified"]
    assert item["store"] == "cosign-tag" and item["logIndex"] == 80008005
    assert item["signer"]["github"]["repository"] == "slsa-framework/example-package"
    assert tampered[0]["signature"] == "invalid" and tampered[0]["signerIdentity"] is None
    [finding] = [f for f in tampered[0]["findings"] if f["id"] == "unsigned"]
    assert finding["action"] == "fail" and finding["evidence"]["verified"] is False
    assert finding["evidence"]["signer"] == "invalid: signature"
    assert {"cosign", "referrers"} <= set(finding["evidence"]["lookups"])
    assert not [f for f in v["findings"] if f["id"] == "unsigned"]
    # the stderr summary counts them (rows, so per platform)
    n = len(verified), len(tampered), len(unsigned)
    summary = err.strip().splitlines()[-1]
    assert f"{n[0]} verified, {n[1]} invalid, {n[2]} unsigned" in summary, summary
    assert f"{n[1] + n[2]} failed policy" in summary


def test_without_require_signatures_only_warn_and_table_shows_signer(
    signed_ns: RunningRegistry,
) -> None:
    code, out, err = audit(f"{signed_ns.host}/sig/", *POLICY_FLAGS, "--wide")
    assert code == exitcodes.OK, err
    header, *lines = out.splitlines()
    assert "SIGNER" in header.split()
    line = {ln.split()[0]: ln for ln in lines}
    assert f"verified {WORKFLOW}" in line["verified"]
    assert "invalid: signature" in line["tampered"]
    assert "unsigned" in line["unsigned"].split()
    assert " warn" in line["tampered"]  # the unsigned finding only warns
    # fitted: the outcome word stays, the identity is cut from the left (its end names
    # the workflow and ref)
    _, narrow, _ = audit(f"{signed_ns.host}/sig/", *POLICY_FLAGS, "--width", "120")
    [row] = [ln for ln in narrow.splitlines() if ln.startswith("verified")]
    assert "verified …" in row and "@refs/tags/v1.10.0" in row, narrow
    assert len(max(narrow.splitlines(), key=len)) <= 120


def test_no_policy_no_signer_column_and_request_count_unchanged(
    signed_ns: RunningRegistry,
) -> None:
    """Without a signer policy the audit asks exactly what it asked before (no cosign or
    referrers lookups); the SIGNER column is '-' and dropped from the table."""
    with counting_proxy(signed_ns.url) as proxy:
        code, out, _ = audit(f"{proxy.host}/sig/verified:v1", "--json")
        plain = proxy.log.count()
        assert proxy.log.count(contains=".att") == proxy.log.count(contains="referrers") == 0
        proxy.log.clear()
        audit(f"{proxy.host}/sig/verified:v1", "--json", *POLICY_FLAGS)
        verifying = proxy.log.count()
        assert proxy.log.count(contains=".att") >= 1
    assert code == exitcodes.OK
    rows = json.loads(out)
    assert {r["signer"] for r in rows} == {None} and {r["signature"] for r in rows} == {None}
    assert verifying > plain
    proxy_free = audit(f"{signed_ns.host}/sig/verified:v1")[1]
    assert "SIGNER" not in proxy_free.splitlines()[0]


def test_policy_file_signer_identity_per_glob(signed_ns: RunningRegistry, tmp_path: Path) -> None:
    """Rules give the signer per repository glob: the generator's for sig/verified, a
    wrong one for sig/tampered's glob (identity first, so not 'signature'), none for the
    rest (presence only: sig/unsigned is then not verified at all)."""
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f"""
[[rules]]
repositories = ["sig/verified"]
signer-identity = "{SLSA_IDENTITY_RE}"
signer-issuer = "^{GHA_ISSUER}$"
require = ["signed"]

[[rules]]
repositories = ["*/tampered"]
signer-identity = "^https://github.com/acme/"
signer-issuer = "^{GHA_ISSUER}$"
""",
        encoding="utf-8",
    )
    code, out, _ = audit(f"{signed_ns.host}/sig/", "--policy", str(policy), "--json")
    rows = by_repo(out)
    assert signer_of(rows["sig/verified"]) == {f"verified {WORKFLOW}"}
    assert signer_of(rows["sig/tampered"]) == {"invalid: signature"}
    assert {r["signature"] for r in rows["sig/unsigned"]} == {None}  # not verified there
    assert code == exitcodes.OK
    # the wrong identity on a good signature: identity is what fails
    good = tmp_path / "good.toml"
    good.write_text(
        f"""
[defaults]
signer-identity = "^https://github.com/acme/"
signer-issuer = "^{GHA_ISSUER}$"
require = ["signed"]
""",
        encoding="utf-8",
    )
    code, out, _ = audit(f"{signed_ns.host}/sig/verified", "--policy", str(good), "--json")
    assert signer_of(by_repo(out)["sig/verified"]) == {"invalid: identity"}
    assert code == exitcodes.POLICY


def test_key_based_and_api(signed_ns: RunningRegistry, tmp_path: Path) -> None:
    pem = tmp_path / "cosign.pub"
    pem.write_bytes(public_pem(KEY))
    code, out, err = audit(
        f"{signed_ns.host}/keyed/app", "--require", "signed", "--key", str(pem), "--json"
    )
    assert code == exitcodes.OK, err
    [row] = json.loads(out)
    assert row["signature"] == "verified" and row["signer"].startswith("verified key ")
    other = tmp_path / "other.pub"
    other.write_bytes(public_pem(ec.generate_private_key(ec.SECP256R1())))
    code, out, _ = audit(
        f"{signed_ns.host}/keyed/app", "--require", "signed", "--key", str(other), "--json"
    )
    assert code == exitcodes.POLICY
    assert json.loads(out)[0]["signer"] == "invalid: signature"
    # the library: Client.audit(verify_policy=...), summary counts
    with Client() as client:
        result = client.audit(
            [f"{signed_ns.host}/keyed/app", f"{signed_ns.host}/sig/unsigned"],
            require=["signed"],
            verify_policy=SignerPolicy(keys=(public_pem(KEY),)),
        )
    assert result.summary.signatures == {"verified": 1, "unsigned": 1}
    assert [r.facts.signature for r in result.rows] == ["verified", "unsigned"]


def test_require_signed_without_a_signer_policy_is_a_usage_error(
    signed_ns: RunningRegistry,
) -> None:
    code, _, err = audit(f"{signed_ns.host}/sig/", "--require", "signed")
    assert code == exitcodes.USAGE
    assert "require signed needs a signer policy" in err
    with pytest.raises(PolicyError, match="signer-identity and signer-issuer go together"):
        from ocitrace.audit.policy import policy_from_document

        policy_from_document({"defaults": {"signer-identity": "^x"}}).signature_policy()


def test_reports_carry_the_signer(signed_ns: RunningRegistry, tmp_path: Path) -> None:
    reports = {k: tmp_path / f"audit.{k}" for k in ("json", "junit", "sarif", "markdown", "html")}
    code, _, err = audit(
        f"{signed_ns.host}/sig/",
        *POLICY_FLAGS,
        *(arg for k, path in reports.items() for arg in ("--report", f"{k}={path}")),
    )
    assert code == exitcodes.OK, err
    doc = json.loads(reports["json"].read_text())
    assert doc["summary"]["signatures"] == {"verified": 1, "invalid": 1, "unsigned": 1}
    assert {r["signer"] for r in doc["rows"]} == {
        f"verified {WORKFLOW}",
        "invalid: signature",
        "unsigned",
    }
    junit = ET.fromstring(reports["junit"].read_text())
    outs = {
        case.get("classname", "").split("/", 1)[1]: case.findtext("system-out") or ""
        for case in junit.iter("testcase")
    }
    assert f"linux/amd64: signer: verified {WORKFLOW}" in outs["sig/verified"]
    assert "linux/amd64: signer: invalid: signature" in outs["sig/tampered"]
    sarif = json.loads(reports["sarif"].read_text())
    unsigned = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "unsigned"]
    assert {r["properties"]["signer"] for r in unsigned} == {"invalid: signature", "unsigned"}
    md = reports["markdown"].read_text()
    assert "Signatures (platform rows): 1 verified, 1 invalid, 1 unsigned" in md
    assert "| image | platforms | state | signer | findings |" in md
    assert "invalid: signature |" in md
    page = reports["html"].read_text()
    assert '<td class="signer">invalid: signature</td>' in page
    assert "signatures: 1 verified, 1 invalid, 1 unsigned" in page
