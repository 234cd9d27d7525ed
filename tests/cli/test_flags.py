"""Flags that mean the same in every command (issue 9 item 5) and fast, right failures
(item 6), on the BuildKit fixture layouts: no registry needed, CLI run in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import build_parser
from tests.cli.inproc import run_cli
from tests.support.registry import fixture_dir

MULTI = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
ARM64_CHILD = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"


def layout(name: str, tag: str = ":v1") -> str:
    return f"oci-layout://{fixture_dir(name)}{tag}"


def blob(fixture: str, digest: str) -> bytes:
    return (fixture_dir(fixture) / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()


def last_error(stderr: bytes) -> str:
    lines = stderr.decode().strip().splitlines()
    assert lines and "Traceback" not in stderr.decode()
    return lines[-1]


@pytest.mark.parametrize(
    "platforms",
    [
        ["--platform", "linux/s390x,linux/arm64"],
        ["--platform", "linux/s390x", "--platform", "linux/arm64"],
    ],
)
def test_platform_is_repeatable_and_comma_separated(platforms: list[str]) -> None:
    proc = run_cli("digest", *platforms, layout("multi-prov-max"))
    assert (proc.returncode, proc.stdout) == (0, f"{ARM64_CHILD}\n".encode())
    proc = run_cli("manifest", *platforms, layout("multi-prov-max"))
    assert (proc.returncode, proc.stdout) == (0, blob("multi-prov-max", ARM64_CHILD))


def test_no_matching_platform_lists_the_image_platforms() -> None:
    for cmd in ("digest", "manifest", "inspect"):
        proc = run_cli(cmd, "--platform", "linux/s390x", layout("multi-prov-max"))
        assert proc.returncode == exitcodes.NOT_FOUND, proc.stderr
        line = last_error(proc.stderr)
        assert "linux/s390x" in line and "linux/amd64" in line and "linux/arm64" in line, line


def test_digest_platform_on_a_single_platform_image() -> None:
    """A single manifest of another platform is not found (it used to print its digest)."""
    proc = run_cli("digest", "--platform", "linux/s390x", layout("single-plain"))
    assert proc.returncode == exitcodes.NOT_FOUND
    assert "single-platform image: linux/arm64" in last_error(proc.stderr)
    proc = run_cli("digest", "--platform", "linux/arm64", layout("single-plain"))
    assert proc.returncode == 0 and proc.stdout.startswith(b"sha256:")
    proc = run_cli("manifest", "--platform", "windows/amd64", layout("single-plain"))
    assert proc.returncode == exitcodes.NOT_FOUND and proc.stdout == b""


def test_bad_platform_is_a_usage_error_before_any_read() -> None:
    proc = run_cli("digest", "--platform", "linux/", "oci-layout:///nonexistent:v1")
    assert proc.returncode == exitcodes.USAGE, proc.stderr


def test_inspect_raw_platform_prints_the_chosen_child() -> None:
    proc = run_cli("inspect", "--raw", "--platform", "linux/arm64", layout("multi-prov-max"))
    assert (proc.returncode, proc.stdout) == (0, blob("multi-prov-max", ARM64_CHILD))
    proc = run_cli("inspect", "--raw", layout("multi-prov-max"))
    assert proc.stdout == blob("multi-prov-max", MULTI)


def test_inspect_json_is_the_whole_document() -> None:
    proc = run_cli("inspect", "--json", layout("multi-prov-max"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert list(doc) == ["name", "manifest", "image", "provenance", "sbom"]
    assert doc["manifest"]["digest"] == MULTI
    assert set(doc["provenance"]) == {"linux/amd64", "linux/arm64", "linux/arm/v7"}
    one = json.loads(
        run_cli("inspect", "--json", "--platform", "linux/arm64", layout("multi-prov-max")).stdout
    )
    assert "SLSA" in one["provenance"]


def test_platform_keyed_field_gets_a_hint() -> None:
    proc = run_cli("inspect", "--format", "{{.Provenance.SLSA}}", layout("multi-prov-max"))
    assert (proc.returncode, proc.stdout) == (0, b"<no value>")
    note = proc.stderr.decode()
    assert "map keyed by platform" in note and "--platform" in note and "index .Provenance" in note
    single = run_cli(
        "inspect", "--platform", "linux/arm64", "--format", "{{.Provenance.SLSA.buildType}}",
        layout("multi-prov-max"),
    )  # fmt: skip
    assert single.returncode == 0 and "map keyed" not in single.stderr.decode()


def test_insecure_is_accepted_as_crane_and_oras_spell_it() -> None:
    args = build_parser(["tags"]).parse_args(["tags", "--insecure", "r.example/x"])
    assert args.insecure_skip_tls_verify is True


def test_sbom_output_names_a_format_and_documents_have_their_own_flag() -> None:
    ref = layout("sbom-extras-classic")
    as_json = run_cli("sbom", "-o", "json", ref)
    assert as_json.returncode == 0 and json.loads(as_json.stdout)[0]["summary"]
    proc = run_cli("sbom", "-o", "spdx-json", ref)
    assert proc.returncode == exitcodes.USAGE
    assert "--write-document spdx-json" in proc.stderr.decode()
    doc = run_cli("sbom", "--write-document", "spdx-json", ref)
    assert doc.returncode == 0 and json.loads(doc.stdout)["spdxVersion"]


def test_audit_accepts_layout_targets_and_nothing_matched_is_not_found(tmp_path: Path) -> None:
    base = layout("multi-prov-max", "")
    proc = run_cli("audit", "--no-cache", "-o", "json", base, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["platform"] for r in rows] == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert all(r["errorKind"] is None for r in rows)
    proc = run_cli("audit", "--no-cache", "--tags", "nomatch", base, home=tmp_path)
    assert proc.returncode == exitcodes.NOT_FOUND
    assert "no images found" in last_error(proc.stderr)


def test_digest_json_error_kind() -> None:
    proc = run_cli("digest", "--json", layout("multi-prov-max", ":nope"))
    assert proc.returncode == exitcodes.NOT_FOUND
    (line,) = proc.stdout.decode().splitlines()
    assert json.loads(line)["errorKind"] == "NotFound"


def test_redaction_never_rewrites_layout_references() -> None:
    from ocitrace.cli.redaction import Redactor

    redact = Redactor()
    redact.add("hunter2")
    text = "try oci-layout://PATH[:TAG] or oci-layout://rel/dir@sha256:abcd (hunter2)"
    assert (
        redact(text) == "try oci-layout://PATH[:TAG] or oci-layout://rel/dir@sha256:abcd (REDACTED)"
    )
    assert (
        redact("https://u:p@h.example/x?token=1") == "https://REDACTED@h.example/x?token=REDACTED"
    )


def test_audit_json_is_output_json(tmp_path: Path) -> None:
    base = layout("single-plain", "")
    both = [
        run_cli("audit", "--no-cache", flag, base, home=tmp_path) for flag in ("--json", "-ojson")
    ]
    assert both[0].returncode == 0 and both[0].stdout == both[1].stdout
    assert json.loads(both[0].stdout)[0]["repository"].startswith("oci-layout://")
