"""``ocitrace diff`` / ``Client.diff`` on real BuildKit layouts that differ in known ways.

Every expected value below was read by hand from the fixtures' blobs (the in-toto
statements, image manifests and configs under fixtures/buildkit/*/blobs, opened with jq),
never produced by the code under test.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from ocitrace import Client
from ocitrace.cli.main import main
from ocitrace.diff import DockerfileStatus
from tests.cli.inproc import run_cli

B = "oci-layout://fixtures/buildkit"

AMD64_V032 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
ARM64_V032 = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
ARMV7_V032 = "sha256:cb98c8ffd089d139a752ee37a27aec8d513caae35f4f4d5caaaec70f80cfaeb7"
AMD64_V026 = "sha256:cec9431e20fa8137db74bf0647c8d4aafd8db70c1a35e3fe873d7bf0be6df60a"
ARM64_V026 = "sha256:3eef887a833e208fbe6717072e3847e6c32cd00436d2f84bbc824c6005e6ed28"
ARMV7_V026 = "sha256:e0172f736bd8ee19019cfde7a76d4a9a51775c5a28c71a1336ade9ac98f74f70"


def diff_json(*args: str) -> Any:
    res = run_cli("diff", "--json", *args, text=True)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def platform(doc: Any, key: str) -> Any:
    (found,) = [p for p in doc["platforms"] if p["platform"] == key]
    return found


def fields(section: Any) -> dict[str, tuple[Any, Any]]:
    return {f["name"]: (f["old"], f["new"]) for f in section["fields"]}


# --- two BuildKit versions, same Dockerfile (v0.26.3 SLSA v1 max → v0.32.2 SLSA v1 max) ---


def test_buildkit_versions_json() -> None:
    doc = diff_json(f"{B}/legacy-multi-slsa1-max:v1", f"{B}/multi-prov-max:v1")
    assert doc["differs"] is True
    assert doc["old"]["digest"] == (
        "sha256:11cd4f51f1d8dcf89ed64af9f8e6ae0ed98c7c5b6235fb83bc1ab787c3d5d69d"
    )
    assert doc["new"]["digest"] == (
        "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
    )
    assert doc["onlyOld"] == [] and doc["onlyNew"] == []
    pairs = [(p["platform"], p["oldDigest"], p["newDigest"]) for p in doc["platforms"]]
    assert pairs == [
        ("linux/amd64", AMD64_V026, AMD64_V032),
        ("linux/arm64", ARM64_V026, ARM64_V032),
        ("linux/arm/v7", ARMV7_V026, ARMV7_V032),
    ]
    amd = platform(doc, "linux/amd64")
    prov = amd["provenance"]
    # statement _type v0.1 → v1; internalParameters.dockerfileVersion absent → 1.26.0;
    # runDetails.metadata.startedOn/finishedOn; everything else in the request is equal
    assert fields(prov) == {
        "statementType": ("https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"),
        "startedOn": ("2026-11-22T10:04:51.979926399Z", "2026-11-22T09:56:37.142009877Z"),
        "finishedOn": ("2026-11-22T10:04:52.039057498Z", "2026-11-22T09:56:37.98475544Z"),
        "dockerfileVersion": ("", "1.26.0"),
    }
    assert prov["buildArgs"]["differs"] is False
    assert prov["frontendOptions"]["differs"] is False
    assert prov["materialsAdded"] == prov["materialsRemoved"] == prov["materialsChanged"] == []
    assert prov["dockerfile"] == {"status": "same", "unified": [], "reason": ""}  # same bytes
    # configs: created differs, five layers each, 994 → 995 bytes in total
    assert fields(amd["config"]) == {
        "created": ("2026-11-22T10:04:51.193764582Z", "2026-11-22T09:56:37.789842293Z"),
        "layersSize": (994, 995),
    }
    assert amd["config"]["env"]["differs"] is False
    assert amd["config"]["labels"]["differs"] is False
    assert amd["sboms"] == []
    # both: one BuildKit SLSA v1 provenance, unsigned (classic vs artifact manifest shape
    # is not a presence difference)
    assert amd["attestations"]["differs"] is False


def test_buildkit_versions_text() -> None:
    res = run_cli(
        "diff", "--platform", "linux/amd64",
        f"{B}/legacy-multi-slsa1-max:v1", f"{B}/multi-prov-max:v1", text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        f"- old: {B}/legacy-multi-slsa1-max:v1  "
        "sha256:11cd4f51f1d8dcf89ed64af9f8e6ae0ed98c7c5b6235fb83bc1ab787c3d5d69d\n"
        f"+ new: {B}/multi-prov-max:v1  "
        "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511\n"
        "\n"
        f"linux/amd64  {AMD64_V026} → {AMD64_V032}\n"
        " provenance\n"
        "  ~ statementType: https://in-toto.io/Statement/v0.1 → https://in-toto.io/Statement/v1\n"
        "  ~ startedOn: 2026-11-22T10:04:51.979926399Z → 2026-11-22T09:56:37.142009877Z\n"
        "  ~ finishedOn: 2026-11-22T10:04:52.039057498Z → 2026-11-22T09:56:37.98475544Z\n"
        "  ~ dockerfileVersion: (none) → 1.26.0\n"
        " config\n"
        "  ~ created: 2026-11-22T10:04:51.193764582Z → 2026-11-22T09:56:37.789842293Z\n"
        "  ~ layersSize: 994 → 995\n"
    )


# --- mode=max → mode=min of the same build ------------------------------------------------


def test_max_vs_min_json() -> None:
    doc = diff_json(f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1")
    assert [p["platform"] for p in doc["platforms"]] == [
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
    ]
    amd = platform(doc, "linux/amd64")
    assert amd["oldDigest"] == amd["newDigest"] == AMD64_V032  # the same image manifest
    prov = amd["provenance"]
    assert fields(prov) == {
        "mode": ("max", "min"),
        "startedOn": ("2026-11-22T09:56:37.142009877Z", "2026-11-22T09:58:08.3834699Z"),
        "finishedOn": ("2026-11-22T09:56:37.98475544Z", "2026-11-22T09:58:08.429937742Z"),
    }
    # mode=min drops the request args: the build arg and the label frontend option
    assert prov["buildArgs"] == {
        "added": [],
        "removed": [{"key": "APP_VERSION", "value": "1.2.3", "redacted": False}],
        "changed": [],
        "differs": True,
    }
    assert prov["frontendOptions"]["removed"] == [
        {
            "key": "label:org.opencontainers.image.source",
            "value": "https://github.com/ocitrace-fixtures/app",
            "redacted": False,
        }
    ]
    assert prov["dockerfile"]["status"] == "not-compared"
    assert "mode=min" in prov["dockerfile"]["reason"]
    assert amd["config"]["differs"] is False
    assert amd["attestations"]["differs"] is False


def test_max_vs_min_text_one_platform() -> None:
    res = run_cli(
        "diff", "--platform", "linux/arm/v7", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1",
        text=True,
    )  # fmt: skip
    body = res.stdout.split("\n\n", 1)[1]
    assert body == (
        f"linux/arm/v7  {ARMV7_V032} (same image)\n"
        " provenance\n"
        "  ~ mode: max → min\n"
        "  ~ startedOn: 2026-11-22T09:56:37.142009877Z → 2026-11-22T09:58:08.3834699Z\n"
        "  ~ finishedOn: 2026-11-22T09:56:37.98475544Z → 2026-11-22T09:58:08.429937742Z\n"
        "  - build-arg APP_VERSION=1.2.3\n"
        "  - frontend option label:org.opencontainers.image.source="
        "https://github.com/ocitrace-fixtures/app\n"
    )


def test_secrets_and_ssh_ids_max_vs_min() -> None:
    doc = diff_json(
        "--platform", "linux/amd64", f"{B}/run-secrets-ssh-max:v1", f"{B}/run-secrets-ssh-min:v1"
    )
    prov = platform(doc, "linux/amd64")["provenance"]
    assert fields(prov) == {
        "builderId": ("https://ci.example.invalid/runners/7", ""),
        "mode": ("max", "min"),
        "startedOn": ("2026-11-22T10:00:53.309382402Z", "2026-11-22T10:00:53.807691465Z"),
        "finishedOn": ("2026-11-22T10:00:53.551168763Z", "2026-11-22T10:00:53.841816794Z"),
    }
    assert prov["buildArgs"]["removed"] == [
        {"key": "GREETING", "value": "howdy", "redacted": False}
    ]
    assert prov["secrets"] == {"added": [], "removed": ["api_token"], "differs": True}
    assert prov["ssh"] == {"added": [], "removed": ["default"], "differs": True}
    # the busybox base image is resolved identically on both sides
    assert prov["materialsChanged"] == prov["materialsAdded"] == prov["materialsRemoved"] == []


# --- SBOMs, a platform on one side only, and extra SBOM documents ------------------------


def test_sbom_extras_and_one_sided_platform() -> None:
    doc = diff_json(f"{B}/sbom-prov-multi:v1", f"{B}/sbom-extras-classic:v1")
    assert doc["onlyOld"] == ["linux/arm64"]  # sbom-extras-classic is linux/amd64 only
    assert doc["onlyNew"] == []
    amd = platform(doc, "linux/amd64")
    sboms = {s["role"]: s for s in amd["sboms"]}
    assert list(sboms) == ["image", "build context", "stage osbase"]
    image = sboms["image"]
    # the two "sbom" documents list the same six packages, both by syft-v1.51.0 + buildkit-v0.32.2
    assert (image["oldCount"], image["newCount"]) == (6, 6)
    assert image["differs"] is False
    ctx, stage = sboms["build context"], sboms["stage osbase"]
    assert (ctx["oldPresent"], ctx["newPresent"], ctx["newCount"]) == (False, True, 6)
    assert (stage["oldPresent"], stage["newPresent"], stage["newCount"]) == (False, True, 3)
    prov = amd["provenance"]
    assert fields(prov)["configSourcePath"] == ("Dockerfile", "Dockerfile.extras")
    assert fields(prov)["predicateType"] == (
        "https://slsa.dev/provenance/v1",
        "https://slsa.dev/provenance/v0.2",
    )
    # the SBOM scanner image is the one material on both sides, same digest and purl
    assert prov["materialsChanged"] == []
    att = amd["attestations"]
    assert [(a["store"], a["predicateType"]) for a in att["added"]] == [
        ("buildkit", "https://slsa.dev/provenance/v0.2")
    ]
    assert [(a["store"], a["predicateType"]) for a in att["removed"]] == [
        ("buildkit", "https://slsa.dev/provenance/v1")
    ]


def test_sbom_buildkit_versions_tools_and_material_uri() -> None:
    doc = diff_json(
        "--platform", "linux/amd64", f"{B}/legacy-sbom-prov-min:v1", f"{B}/sbom-prov-multi:v1"
    )
    amd = platform(doc, "linux/amd64")
    (image,) = amd["sboms"]
    # creationInfo.creators: Tool: buildkit-v0.26.3 → Tool: buildkit-v0.32.2; same packages
    assert fields(image) == {
        "tools": (["syft-v1.51.0", "buildkit-v0.26.3"], ["syft-v1.51.0", "buildkit-v0.32.2"])
    }
    assert image["added"] == image["removed"] == image["versionChanged"] == []
    # v0.26.3 wrote the scanner purl without the platform qualifier; digest unchanged
    (mat,) = amd["provenance"]["materialsChanged"]
    assert mat == {
        "name": "127.0.0.1:5200/docker/buildkit-syft-scanner",
        "kind": "image",
        "oldUri": "pkg:docker/127.0.0.1%3A5200/docker/buildkit-syft-scanner@stable-1",
        "newUri": "pkg:docker/127.0.0.1%3A5200/docker/buildkit-syft-scanner@stable-1"
        "?platform=linux%2Famd64",
        "oldDigest": "sha256:e05a32f08f09a0fcb2f8a65863f05b655e121bf1d46c61c85cfd6d8b5cbd3a0c",
        "newDigest": "sha256:e05a32f08f09a0fcb2f8a65863f05b655e121bf1d46c61c85cfd6d8b5cbd3a0c",
    }


# --- the embedded Dockerfiles, both mode=max ------------------------------------------------


def test_dockerfile_unified_diff() -> None:
    with Client() as oc:
        d = oc.diff(f"{B}/run-secrets-ssh-max:v1", f"{B}/sbom-prov-multi:v1", ["linux/arm64"])
    (p,) = d.platforms
    df = p.provenance.dockerfile
    assert df.status is DockerfileStatus.CHANGED
    lines = list(df.unified)
    assert lines[:3] == ["--- a/Dockerfile", "+++ b/Dockerfile", "@@ -1,23 +1,10 @@"]
    # the run Dockerfile is 23 lines, the sbom Dockerfile 10; "ARG TARGETPLATFORM" is the
    # only line they share in order
    assert "-FROM --platform=$BUILDPLATFORM 127.0.0.1:5200/base/busybox:1 AS gen" in lines
    assert "+FROM scratch AS osbase" in lines
    assert " ARG TARGETPLATFORM" in lines
    assert '+CMD ["node", "/app/index.js"]' in lines
    assert '-ENTRYPOINT ["/opt/src/main.sh"]' in lines
    assert sum(1 for x in lines[3:] if x.startswith("-")) == 22
    assert sum(1 for x in lines[3:] if x.startswith("+")) == 9
    # the config side of the same pair: entrypoint/cmd/env/labels as the Dockerfiles say
    cfg = {f.name: (f.old, f.new) for f in p.config.fields}
    assert cfg["entrypoint"] == (("/opt/src/main.sh",), None)
    assert cfg["cmd"] == (None, ("node", "/app/index.js"))
    assert [(e.key, e.value) for e in p.config.env.added] == [("NODE_ENV", "production")]
    assert [e.key for e in p.config.labels.added] == ["org.opencontainers.image.title"]
    assert [e.key for e in p.config.labels.removed] == ["org.opencontainers.image.description"]


# --- no difference -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "multi-prov-max",
        "sbom-extras-classic",
        "single-plain",
        "multi-docker",
        "legacy-sbom-prov-min",
    ],
)
def test_image_diffed_with_itself(name: str) -> None:
    res = run_cli("diff", "--exit-code", f"{B}/{name}:v1", f"{B}/{name}:v1", text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith("\nno differences\n")
    doc = diff_json(f"{B}/{name}:v1", f"{B}/{name}:v1")
    assert doc["differs"] is False
    assert all(p["differs"] is False for p in doc["platforms"])


def test_exit_code_when_different() -> None:
    res = run_cli(
        "diff", "--exit-code", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1", text=True
    )
    assert res.returncode == 1
    res = run_cli("diff", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1", text=True)
    assert res.returncode == 0


def test_platform_flag_comma_separated_and_missing() -> None:
    doc = diff_json(
        "--platform",
        "linux/arm64,linux/arm/v7",
        f"{B}/multi-prov-max:v1",
        f"{B}/single-prov-max:v1",
    )
    assert doc["platforms"] == []
    assert doc["onlyOld"] == ["linux/arm64", "linux/arm/v7"]
    res = run_cli(
        "diff",
        "--platform",
        "linux/s390x",
        f"{B}/multi-prov-max:v1",
        f"{B}/multi-prov-min:v1",
        text=True,
    )
    assert res.returncode == 4
    assert "linux/s390x" in res.stderr and "linux/arm64" in res.stderr


def test_format_template_over_the_model() -> None:
    tpl = (
        "{{.Old.Digest}} {{.Differs}}{{range .Platforms}} {{.Platform}}:"
        "{{range .Provenance.BuildArgs.Removed}}{{.Key}}={{.Value}}{{end}}{{end}}"
    )
    res = run_cli(
        "diff", "--format", tpl, f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1", text=True
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511 true"
        " linux/amd64:APP_VERSION=1.2.3 linux/arm64:APP_VERSION=1.2.3"
        " linux/arm/v7:APP_VERSION=1.2.3\n"
    )
    bad = run_cli(
        "diff", "--format", "{{.Nope", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-max:v1", text=True
    )
    assert bad.returncode == 8


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "coloured"), [({}, True), ({"NO_COLOR": "1"}, False)])
def test_colour_only_on_a_terminal(env: dict[str, str], coloured: bool) -> None:
    out, err = _Tty(), io.StringIO()
    code = main(
        ["diff", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1"],
        stdout=out,
        stderr=err,
        environ=env,
    )
    assert code == 0, err.getvalue()
    assert ("\x1b[" in out.getvalue()) is coloured
    piped = run_cli("diff", f"{B}/multi-prov-max:v1", f"{B}/multi-prov-min:v1", text=True)
    assert "\x1b[" not in piped.stdout


def test_help_documents_json_keys_and_examples() -> None:
    res = run_cli("diff", "--help", text=True)
    assert res.returncode == 0
    for word in (
        "--exit-code",
        "--json",
        "--format",
        "--platform",
        "examples:",
        "buildArgs",
        "versionChanged",
        "NO_COLOR",
    ):
        assert word in res.stdout


def test_local_context_vs_git_context() -> None:
    """multi-prov-max (local context + vcs: options) vs git-context-max (git:// context)."""
    doc = diff_json(
        "--platform", "linux/amd64", f"{B}/multi-prov-max:v1", f"{B}/git-context-max:v1"
    )
    amd = platform(doc, "linux/amd64")
    assert (
        amd["newDigest"]
        == "sha256:93b023e1a876c9a3489cc78da41ef093cf5997cfa4afacc7afd949b295f62fdc"
    )
    prov = amd["provenance"]
    # vcs.source/revision → configSource.uri (fragment dropped) and its sha1 (the tag object)
    assert fields(prov) == {
        "builderId": ("", "https://ci.example.invalid/runners/7"),
        "sourceRepository": (
            "https://github.com/ocitrace-fixtures/app.git",
            "git://127.0.0.1:5202/app.git",
        ),
        "sourceRevision": (
            "07be85a7caebab7ad15da277facf6078c2e7adab",
            "cd9e0690b7e05ec395fe2efd6e29f8660583c1a8",
        ),
        "configSourceUri": ("", "git://127.0.0.1:5202/app.git#v1.0.0"),
        "startedOn": ("2026-11-22T09:56:37.142009877Z", "2026-11-22T09:59:08.478693312Z"),
        "finishedOn": ("2026-11-22T09:56:37.98475544Z", "2026-11-22T09:59:08.711689858Z"),
        "hermetic": (False, True),
    }
    assert prov["buildArgs"]["changed"] == [
        {"key": "APP_VERSION", "old": "1.2.3", "new": "1.0.0", "redacted": False}
    ]
    assert prov["materialsAdded"] == [
        {
            "name": "git://127.0.0.1:5202/app.git",
            "uri": "git://127.0.0.1:5202/app.git#v1.0.0",
            "digest": "sha1:cd9e0690b7e05ec395fe2efd6e29f8660583c1a8",
            "kind": "git",
        }
    ]
    assert prov["secrets"]["added"] == ["GIT_AUTH_HEADER", "GIT_AUTH_TOKEN"]
    assert prov["dockerfile"]["status"] == "same"
    cfg = amd["config"]
    assert cfg["fields"] == []  # same entrypoint, user, created, five layers of 995 bytes
    assert cfg["env"]["changed"] == [
        {"key": "APP_VERSION", "old": "1.2.3", "new": "1.0.0", "redacted": False}
    ]
    assert [e["key"] for e in cfg["labels"]["removed"]] == ["org.opencontainers.image.source"]
    assert [(c["key"], c["old"], c["new"]) for c in cfg["labels"]["changed"]] == [
        ("org.opencontainers.image.version", "1.2.3", "1.0.0")
    ]


def test_plain_image_vs_attested_index() -> None:
    """single-plain *is* multi-prov-max's arm64 image, without attestations (README)."""
    res = run_cli("diff", f"{B}/single-plain:v1", f"{B}/multi-prov-max:v1", text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n", 2)[2] == (
        "+ platform linux/amd64 only in new\n"
        "+ platform linux/arm/v7 only in new\n"
        "\n"
        f"linux/arm64  {ARM64_V032} (same image)\n"
        " provenance\n"
        "  + provenance only in new\n"
        # what the new side's SLSA v1 statement says (buildkit_hermetic/_reproducible are
        # absent: BuildKit omits false flags)
        "  + slsaVersion: v1\n"
        "  + predicateType: https://slsa.dev/provenance/v1\n"
        "  + statementType: https://in-toto.io/Statement/v1\n"
        "  + buildType: https://github.com/moby/buildkit/blob/master/docs/attestations/"
        "slsa-definitions.md\n"
        "  + mode: max\n"
        "  + frontend: dockerfile.v0\n"
        "  + sourceRepository: https://github.com/ocitrace-fixtures/app.git\n"
        "  + sourceRevision: 07be85a7caebab7ad15da277facf6078c2e7adab\n"
        "  + configSourcePath: Dockerfile\n"
        "  + startedOn: 2026-11-22T09:56:37.142009877Z\n"
        "  + finishedOn: 2026-11-22T09:56:37.98475544Z\n"
        "  + builderPlatform: linux/amd64\n"
        "  + dockerfileVersion: 1.26.0\n"
        "  + hermetic: false\n"
        "  + reproducible: false\n"
        "  + build-arg APP_VERSION=1.2.3\n"
        "  + frontend option label:org.opencontainers.image.source="
        "https://github.com/ocitrace-fixtures/app\n"
        " attestations\n"
        "  + buildkit attestation https://slsa.dev/provenance/v1 (unsigned)\n"
    )
