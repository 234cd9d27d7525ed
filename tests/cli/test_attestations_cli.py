"""``ocitrace attestations|provenance|sbom`` end to end on the BuildKit fixtures and a real registry."""

from __future__ import annotations

import argparse
import io
import json
import re
from typing import Any

import pytest

from ocitrace.cli.main import build_parser, main
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Index, Manifest
from tests.discover.builders import FIXTURES
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

SPDX = "https://spdx.dev/Document"


def layout(name: str) -> str:
    return f"oci-layout://{FIXTURES / name}:v1"


def readme_dockerfiles() -> dict[str, bytes]:
    """The Dockerfiles the fixture README documents: app, sbom and run contexts, in that order."""
    text = (FIXTURES / "README.md").read_text()
    blocks = re.findall(r"```dockerfile\n(.*?)```", text, re.S)
    return dict(zip(("app", "sbom", "run"), (b.encode() for b in blocks), strict=True))


MAX_FIXTURES = {
    "multi-prov-max": "app",
    "single-prov-max": "app",
    "classic-slsa02-max": "app",
    "classic-slsa1-max": "app",
    "git-context-max": "app",
    "epoch-zstd-prov-max": "app",
    "legacy-multi-prov-max": "app",
    "legacy-multi-slsa1-max": "app",
    "run-secrets-ssh-max": "run",
    "sbom-prov-multi": "sbom",
}


def layer_blobs(name: str) -> list[bytes]:
    """Every in-toto layer blob of the fixture's attestation manifests."""
    src = LayoutSource(FIXTURES / name)
    out = []
    for child in Index.parse(src.manifest("v1").data).manifests:
        if "vnd.docker.reference.type" in child.annotations:
            out += [
                src.blob(layer) for layer in Manifest.parse(src.manifest(child.digest).data).layers
            ]
    return out


# --- attestations --------------------------------------------------------------------------


def test_att_alias_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["att", layout("multi-prov-max")]) == 0
    out = capsys.readouterr().out
    for head in (
        "linux/amd64  sha256:379cd4e41970",
        "linux/arm64  sha256:074b31602b53",
        "linux/arm/v7  sha256:cb98c8ffd089",
    ):
        assert head in out
    rows = [ln.split() for ln in out.splitlines() if ln.strip().startswith("buildkit")]
    assert [r[:2] for r in rows] == [["buildkit+referrers", "https://slsa.dev/provenance/v1"]] * 3
    assert [r[2] for r in rows] == [
        "sha256:379cd4e41970",
        "sha256:074b31602b53",
        "sha256:cb98c8ffd089",
    ]
    assert {r[3] for r in rows} == {"unsigned"}


def test_attestations_json_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attestations", "--json", layout("sbom-extras-classic")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (
        doc["digest"] == "sha256:1b43e6f4d3902c46148c03b6515fc962f9f6d143061872d202fd59ca18967240"
    )
    assert [a["predicateType"] for a in doc["attestations"]] == [
        SPDX,
        SPDX,
        SPDX,
        "https://slsa.dev/provenance/v0.2",
    ]
    assert {a["store"] for a in doc["attestations"]} == {"buildkit"}
    assert {a["shape"] for a in doc["attestations"]} == {"classic"}
    assert [f["code"] for f in doc["findings"]] == ["classic-shape", "single-platform-index"]


def test_nothing_found_lists_places(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["att", layout("multi-plain")]) == 0
    out = capsys.readouterr().out
    assert "No attestations found" in out
    lines = [ln for ln in out.splitlines() if ln.startswith("  sha256:")]
    assert len(lines) == 4  # the index and three platform manifests
    assert all(
        "cosign .att: not found · cosign .sig: not found · cosign .sbom: not found" in ln
        for ln in lines
    )
    assert "(index): buildkit index entries: none" in lines[0]


def test_platform_filter_and_unknown_platform(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["att", "--platform", "linux/arm/v7", layout("classic-slsa02-min")]) == 0
    out = capsys.readouterr().out
    assert "linux/arm/v7" in out and "linux/amd64" not in out
    assert main(["att", "--platform", "linux/s390x", layout("classic-slsa02-min")]) == 4
    assert "platforms available: linux/amd64, linux/arm64, linux/arm/v7" in capsys.readouterr().err


# --- provenance ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "context"), sorted(MAX_FIXTURES.items()))
def test_provenance_dockerfile_is_the_readme_dockerfile(
    fixture: str, context: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["provenance", "--dockerfile", layout(fixture)]) == 0
    assert capsysbinary.readouterr().out == readme_dockerfiles()[context]


def test_provenance_dockerfile_absent_in_min_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", "--dockerfile", layout("multi-prov-min")]) == 4
    assert "embeds no Dockerfile" in capsys.readouterr().err


def test_provenance_raw_is_byte_exact(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert (
        main(["provenance", "--raw", "--platform", "linux/arm64", layout("legacy-multi-prov-max")])
        == 0
    )
    raw = capsysbinary.readouterr().out
    blobs = [b for b in layer_blobs("legacy-multi-prov-max") if raw in b]
    assert len(blobs) == 1  # a verbatim slice of exactly one stored statement
    assert json.loads(raw) == json.loads(blobs[0])["predicate"]


def test_provenance_raw_needs_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", "--raw", layout("multi-prov-max")]) == 2
    assert "--platform" in capsys.readouterr().err


def test_provenance_json_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provenance", "--json", layout("classic-slsa02-max")]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["platform"] for e in entries] == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert {e["provenance"]["slsaVersion"] for e in entries} == {"v0.2"}
    assert {e["provenance"]["mode"] for e in entries} == {"max"}
    assert main(["provenance", "--platform", "linux/amd64", layout("run-secrets-ssh-max")]) == 0
    out = capsys.readouterr().out
    assert "Secrets:" in out and "api_token" in out and "default (optional)" in out
    assert "Builder:          https://ci.example.invalid/runners/7" in out


def test_provenance_materials(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "provenance",
                "--materials",
                "--platform",
                "linux/arm64",
                layout("run-secrets-ssh-max"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "127.0.0.1:5200/base/busybox:1" in out
    assert "base-image" in out and "linux/amd64" in out  # the stage ran on the build platform


# --- sbom ----------------------------------------------------------------------------------


def test_sbom_tables_label_extra_documents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sbom", layout("sbom-extras-classic")]) == 0
    out = capsys.readouterr().out
    assert "SBOM: sbom [image] spdx-2.3, 6 package(s)" in out
    assert "additional SBOM: sbom-context [build context]" in out
    assert "additional SBOM: sbom-osbase [stage osbase] spdx-2.3, 3 package(s)" in out
    assert re.search(r"left-pad\s+1\.3\.0\s+npm\s+pkg:npm/left-pad@1\.3\.0\s+WTFPL", out)


def test_sbom_output_spdx_json_byte_exact(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert (
        main(
            [
                "sbom",
                "--write-document",
                "spdx-json",
                "--document",
                "sbom-context",
                layout("sbom-extras-classic"),
            ]
        )
        == 0
    )
    doc = capsysbinary.readouterr().out
    (blob,) = [b for b in layer_blobs("sbom-extras-classic") if doc in b]
    assert json.loads(doc) == json.loads(blob)["predicate"]
    assert json.loads(doc)["name"] == "sbom-context"


def test_sbom_json_and_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sbom", "--json", layout("legacy-sbom-prov-min")]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [d["platform"] for d in docs] == ["linux/amd64", "linux/arm64"]
    assert all(d["summary"]["format"] == "spdx-2.3" and d["primary"] for d in docs)
    assert main(["sbom", layout("multi-prov-max")]) == 4
    assert "no SBOM found" in capsys.readouterr().err


# --- against the real registry -------------------------------------------------------------


def test_registry_nothing_found_names_every_store(
    registry: RunningRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = "attcli/plain"
    digest = push_layout(registry, fixture_dir("single-plain"), repo, "v1")
    assert main(["att", f"{registry.host}/{repo}:v1"]) == 0
    out = capsys.readouterr().out
    tag = digest.replace(":", "-")
    assert (
        f"{digest} (linux/arm64): buildkit index entries: not an index · referrers API: 404 · "
        f"tag {tag}: not found · cosign .att: not found · cosign .sig: not found · cosign .sbom: not found"
    ) in out


def test_registry_buildkit_provenance(
    registry: RunningRegistry, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    repo = "attcli/git"
    push_layout(registry, fixture_dir("git-context-max"), repo, "v1")
    assert main(["provenance", "--dockerfile", f"{registry.host}/{repo}:v1"]) == 0
    assert capsysbinary.readouterr().out == readme_dockerfiles()["app"]


def test_one_client_binds_credentials_to_ref_and_cosign_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One Client for REF and --cosign-repository (one password read); --username
    credentials go to those two registries only; a layout builds no transport."""
    from ocitrace.api import Client
    from ocitrace.cli import discovery

    real = Client.attestations
    seen: list[tuple[Client, Any, Any]] = []

    def recording(self: Client, ref: Any, platforms: Any = (), **kw: Any) -> Any:
        seen.append((self, ref, kw.get("cosign_repository")))
        if str(ref).startswith("oci-layout://"):
            return real(self, ref, platforms, **kw)
        return None

    monkeypatch.setattr(Client, "attestations", recording)

    def args_for(*argv: str) -> argparse.Namespace:
        args = build_parser(["attestations"]).parse_args(["att", *argv])
        args.stdin, args.environ = io.StringIO("s3cret\n"), {}
        return args

    creds = ["--username", "bob", "--password-stdin"]
    ref = "reg.local:5000/a/b:v1"
    target = discovery.discover_target(
        args_for(*creds, "--cosign-repository", "sigs.example/s", ref)
    )
    ((client, parsed, cosign),) = seen
    options = client.transport_options
    assert options.credential_registries == frozenset({"reg.local:5000", "sigs.example"})
    assert options.password == "s3cret"
    assert (target.name, parsed.identifier, cosign.name) == (ref, "v1", "sigs.example/s")
    seen.clear()
    found = discovery.discover_target(args_for(*creds, layout("single-plain")))
    ((client, _, _),) = seen
    assert client._transport is None and found.discovery is not None
