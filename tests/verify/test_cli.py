"""``ocitrace verify`` end to end (in process, real layout and real registry)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ocitrace.cli.main import main
from ocitrace.verify.trust import STAGING_TUF_URL, shipped_trusted_root_json
from tests.support.registry import RunningRegistry

from .support import (
    GHA_ISSUER,
    IMAGE_DIGEST,
    LAYOUT,
    SLSA_IDENTITY_RE,
    push_cosign_image,
    tamper_certificate,
    tamper_log_entry,
    tamper_payload,
    tamper_signature,
    tampered_layout,
)

POLICY = [
    "--certificate-identity-regexp",
    SLSA_IDENTITY_RE,
    "--certificate-oidc-issuer",
    GHA_ISSUER,
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *argv], stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def ref(path: Path = LAYOUT) -> str:
    return f"oci-layout://{path}@{IMAGE_DIGEST}"


def test_done_when_real_cosign_saved_image_verifies() -> None:
    code, out, err = run(ref(), *POLICY)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    verified = next(line for line in lines if ": verified " in line)
    assert "cosign-tag" in verified and "https://slsa.dev/provenance/v0.2" in verified
    assert (
        "verified https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.10.0"
        in verified
    )
    assert "log index 80008005" in verified and "2024-03-21T10:34:04Z" in verified
    assert any(line.endswith(": unsigned") and "buildkit" in line for line in lines)


def test_json_report() -> None:
    code, out, _ = run(ref(), *POLICY, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["digest"] == IMAGE_DIGEST and doc["verified"] is True
    [item] = [i for i in doc["items"] if i["status"] == "verified"]
    assert item["signer"]["github"]["repository"] == "slsa-framework/example-package"
    assert item["logIndex"] == 80008005 and item["integratedTime"].startswith("2024-03-21T10:34:04")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (tamper_payload, "invalid: signature"),
        (tamper_signature, "invalid: signature"),
        (tamper_certificate, "invalid: certificate chain"),
        (tamper_log_entry, "invalid: transparency log"),
    ],
    ids=["payload", "signature", "certificate", "log-entry"],
)
def test_tampered_exit_9_with_reason(tmp_path: Path, mutate: object, reason: str) -> None:
    code, out, err = run(ref(tampered_layout(tmp_path, mutate)), *POLICY)  # type: ignore[arg-type]
    assert code == 9
    assert reason in out
    assert "verification failed" in err


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (
            [
                "--certificate-identity-regexp",
                "^https://github.com/evil/",
                "--certificate-oidc-issuer",
                GHA_ISSUER,
            ],
            "invalid: identity",
        ),
        (
            [
                "--certificate-identity-regexp",
                SLSA_IDENTITY_RE,
                "--certificate-oidc-issuer-regexp",
                "google",
            ],
            "invalid: issuer",
        ),
    ],
)
def test_wrong_policy_exit_9(flags: list[str], reason: str) -> None:
    code, out, _ = run(ref(), *flags)
    assert code == 9 and reason in out


def test_other_instance_root_is_a_chain_failure(tmp_path: Path) -> None:
    root = tmp_path / "staging.json"
    root.write_bytes(shipped_trusted_root_json(STAGING_TUF_URL))
    code, out, _ = run(ref(), *POLICY, "--trusted-root", str(root))
    assert code == 9 and "invalid: certificate chain" in out


def test_predicate_type_filter() -> None:
    assert run(ref(), *POLICY, "--predicate-type", "slsaprovenance")[0] == 0
    code, out, _ = run(ref(), *POLICY, "--predicate-type", "vuln")
    assert code == 9 and "nothing signed found" in out


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--certificate-identity", "x@example.com"],
        [*POLICY, "--predicate-type", "nosuchtype"],
        [
            "--certificate-identity",
            "a",
            "--certificate-identity-regexp",
            "b",
            "--certificate-oidc-issuer",
            "c",
        ],
    ],
    ids=["no-policy", "identity-without-issuer", "bad-predicate-type", "both-identity-forms"],
)
def test_usage_errors(flags: list[str]) -> None:
    assert run(ref(), *flags)[0] == 2


def test_registry_done_when(registry: RunningRegistry) -> None:
    push_cosign_image(registry, "verify/cli")
    code, out, err = run(f"{registry.host}/verify/cli:v1", *POLICY)
    assert code == 0, err
    assert ": verified https://github.com/slsa-framework/" in out
    code, out, _ = run(f"{registry.host}/verify/cli:v1", *POLICY, "--platform", "linux/amd64")
    assert code == 0  # the attestation is on the index: kept whatever the platform filter


def run_cmd(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def test_attestations_signed_column() -> None:
    code, out, _ = run_cmd("attestations", "--no-trunc", ref(), *POLICY)
    assert code == 0
    row = next(line for line in out.splitlines() if line.strip().startswith("cosign-tag"))
    assert "verified https://github.com/slsa-framework/slsa-github-generator/" in row
    assert any(
        line.strip().startswith("buildkit") and "unsigned" in line for line in out.splitlines()
    )
    code, out, _ = run_cmd(
        "attestations",
        ref(),
        "--certificate-identity-regexp",
        "^x",
        "--certificate-oidc-issuer",
        GHA_ISSUER,
    )
    assert "invalid: identity" in out
    code, out, _ = run_cmd("attestations", "--json", ref(), *POLICY)
    doc = json.loads(out)
    [att] = [a for a in doc["attestations"] if a["store"] == "cosign-tag"]
    assert att["verification"]["status"] == "verified" and att["verified"] is True
    assert att["verification"]["signer"]["issuer"] == GHA_ISSUER


def test_provenance_says_which_signer_vouches() -> None:
    code, out, _ = run_cmd("provenance", ref(), *POLICY)
    assert code == 0
    blocks = out.split("\n\n")
    cosign = next(b for b in blocks if "(cosign-tag," in b)
    assert (
        "Signed by:" in cosign
        and "verified https://github.com/slsa-framework/slsa-github-generator/" in cosign
    )
    buildkit = next(b for b in blocks if "(buildkit," in b)
    assert "unsigned" in buildkit
    code, out, _ = run_cmd("provenance", "--json", ref(), *POLICY)
    entries = {e["store"]: e for e in json.loads(out)}
    assert entries["cosign-tag"]["verified"] is True
    assert (
        entries["cosign-tag"]["verification"]["signer"]["github"]["commit"]
        == "d37a7f740ee7404914456f24dcd90e865a0509e8"
    )
    assert entries["buildkit"]["verified"] is False
    # without a policy nothing is verified and the JSON keeps its shape
    code, out, _ = run_cmd("provenance", "--json", ref())
    assert all("verification" not in e and e["verified"] is False for e in json.loads(out))


def test_sbom_signed_by_line() -> None:
    from tests.support.registry import fixture_dir

    sbom_ref = f"oci-layout://{fixture_dir('sbom-prov-multi')}:v1"
    code, out, _ = run_cmd("sbom", sbom_ref, *POLICY)
    assert code == 0 and "  Signed by: unsigned" in out
    code, out, _ = run_cmd("sbom", "--json", sbom_ref, *POLICY)
    assert all(e["verification"]["status"] == "unsigned" for e in json.loads(out))
    assert "Signed by" not in run_cmd("sbom", sbom_ref)[1]


def test_terminal_escapes_in_untrusted_text_are_neutralised() -> None:
    from ocitrace.cli.verify import _safe

    assert _safe("evil\x1b]0;title\x07\u2028x") == "evil\\x1b]0;title\\x07\\u2028x"


def test_bad_key_file_is_usage(tmp_path: Path) -> None:
    bad = tmp_path / "k.pem"
    bad.write_text("not a key")
    assert run(ref(), "--key", str(bad))[0] == 2
    assert run(ref(), "--key", str(tmp_path / "missing.pem"))[0] == 2


def test_bad_trusted_root_is_usage(tmp_path: Path) -> None:
    bad = tmp_path / "root.json"
    bad.write_text('{"mediaType": "nope"}')
    assert run(ref(), *POLICY, "--trusted-root", str(bad))[0] == 2
