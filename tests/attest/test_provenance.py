"""The normalised provenance record on the real BuildKit fixtures.

Expected values are read from the fixture files (and their README); the Dockerfiles are
compared with the ```dockerfile blocks of fixtures/buildkit/README.md.
"""

from __future__ import annotations

import json

import pytest

from ocitrace.attest import ProvenanceRecord, parse_provenance, parse_statement
from ocitrace.attest.provenance import BUILDKIT_BUILD_TYPE_V02, BUILDKIT_BUILD_TYPE_V1
from ocitrace.errors import FormatError

from .layers import all_layers, first_layer, readme_dockerfiles

APP_REPO = "https://github.com/ocitrace-fixtures/app.git"
APP_REV = "07be85a7caebab7ad15da277facf6078c2e7adab"
APP, SBOM_CTX, RUN = readme_dockerfiles()

MAX = {
    # fixture: README Dockerfile block it was built from
    "multi-prov-max": APP,
    "single-prov-max": APP,
    "classic-slsa02-max": APP,
    "classic-slsa1-max": APP,
    "epoch-zstd-prov-max": APP,
    "git-context-max": APP,
    "legacy-multi-prov-max": APP,
    "legacy-multi-slsa1-max": APP,
    "run-secrets-ssh-max": RUN,
    "sbom-prov-multi": SBOM_CTX,
}
MIN = [
    "multi-prov-min",
    "classic-slsa02-min",
    "annotated-prov-min",
    "legacy-multi-prov-min",
    "legacy-sbom-prov-min",
    "run-secrets-ssh-min",
    "sbom-extras-classic",
]
VERSIONS = {
    # fixture: (SLSA version, Statement version)
    "multi-prov-max": ("v1", "v1"),
    "classic-slsa02-max": ("v0.2", "v1"),
    "classic-slsa02-min": ("v0.2", "v1"),
    "classic-slsa1-max": ("v1", "v1"),
    "legacy-multi-prov-max": ("v0.2", "v0.1"),
    "legacy-multi-prov-min": ("v0.2", "v0.1"),
    "legacy-multi-slsa1-max": ("v1", "v0.1"),
    "legacy-sbom-prov-min": ("v0.2", "v0.1"),
    "sbom-extras-classic": ("v0.2", "v1"),
    "sbom-prov-multi": ("v1", "v1"),
}


def record(fixture: str) -> ProvenanceRecord:
    st = parse_statement(first_layer(fixture, "https://slsa.dev/provenance/").data)
    return parse_provenance(st.predicate, st.predicate_type, st.type)


def test_readme_has_the_three_dockerfiles() -> None:
    assert APP.startswith("ARG ASSET_VERSION=1.0.0\n") and "FROM scratch AS final\n" in APP
    assert SBOM_CTX.startswith("FROM scratch AS osbase\n")
    assert RUN.startswith("FROM --platform=$BUILDPLATFORM 127.0.0.1:5200/base/busybox:1 AS gen\n")


@pytest.mark.parametrize("fixture", sorted(MAX))
def test_max_mode_embeds_the_dockerfile(fixture: str) -> None:
    rec = record(fixture)
    assert rec.mode == "max"
    assert rec.has_build_config
    assert rec.dockerfile_embedded
    text = rec.dockerfile()
    assert text == MAX[fixture]
    assert rec.dockerfile_bytes() == MAX[fixture].encode()
    if MAX[fixture] is APP:
        assert "FROM scratch AS final\n" in text
    (info,) = rec.source_infos
    assert (info.filename, info.language) == ("Dockerfile", "Dockerfile")


@pytest.mark.parametrize("fixture", MIN)
def test_min_mode_has_no_dockerfile(fixture: str) -> None:
    rec = record(fixture)
    assert rec.mode == "min"
    assert not rec.has_build_config
    assert not rec.dockerfile_embedded
    assert rec.dockerfile() is None and rec.dockerfile_bytes() is None
    # min drops secrets, ssh and build args
    assert rec.secrets == () and rec.ssh == () and rec.build_args == {}


@pytest.mark.parametrize(("fixture", "versions"), sorted(VERSIONS.items()))
def test_versions(fixture: str, versions: tuple[str, str]) -> None:
    rec = record(fixture)
    slsa, statement = versions
    assert rec.slsa_version == slsa
    assert rec.statement_type == f"https://in-toto.io/Statement/{statement}"
    assert rec.predicate_type == f"https://slsa.dev/provenance/{slsa}"
    assert rec.build_type == (BUILDKIT_BUILD_TYPE_V1 if slsa == "v1" else BUILDKIT_BUILD_TYPE_V02)
    assert rec.is_buildkit


def test_every_provenance_layer_parses() -> None:
    seen = 0
    for layer in all_layers():
        if not layer.predicate_type.startswith("https://slsa.dev/provenance/"):
            continue
        st = parse_statement(layer.data)
        rec = parse_provenance(st.predicate, st.predicate_type, st.type)
        assert rec.frontend == "dockerfile.v0"
        assert rec.builder_platform == "linux/amd64"
        assert rec.started is not None and rec.finished is not None
        assert rec.started <= rec.finished
        assert rec.invocation_id
        json.dumps(rec.to_json())  # serialisable
        seen += 1
    assert seen == 46 - 7  # all layers but the seven SPDX ones


def test_classic_slsa02_max_fields() -> None:
    rec = record("classic-slsa02-max")
    assert rec.builder_id == ""
    assert (rec.source_repository, rec.source_revision) == (APP_REPO, APP_REV)
    assert (rec.source_dirty, rec.source_from) == (False, "vcs")
    assert rec.config_source.path == "Dockerfile"  # v0.2 entryPoint
    assert rec.config_source.uri == ""
    assert rec.invocation_id == "e5tcunvfacf3nqglq8a819lkj"
    # nanoseconds survive: Go trims trailing zeros, so 8 digits here
    assert rec.started is not None and rec.finished is not None
    assert rec.started.isoformat() == "2026-11-22T09:58:15.90626773Z"
    assert rec.started.nanosecond == 906_267_730
    assert rec.finished.isoformat() == "2026-11-22T09:58:15.95102642Z"
    assert rec.duration_ns == 951_026_420 - 906_267_730
    assert rec.completeness.to_json() == {
        "parameters": True,
        "environment": True,
        "materials": False,
    }
    assert (rec.hermetic, rec.reproducible) == (False, False)
    assert rec.dockerfile_version == "1.26.0"
    assert rec.build_args == {"APP_VERSION": "1.2.3"}
    assert rec.labels == {
        "org.opencontainers.image.source": "https://github.com/ocitrace-fixtures/app"
    }
    assert rec.locals == ("context", "dockerfile")
    assert rec.vcs == {
        "localdir:context": ".",
        "localdir:dockerfile": ".",
        "revision": APP_REV,
        "source": APP_REPO,
    }
    assert rec.dependencies == ()


def test_multi_prov_min_v1_fields() -> None:
    rec = record("multi-prov-min")
    assert (rec.source_repository, rec.source_revision) == (APP_REPO, APP_REV)
    assert rec.invocation_id == "xz5nnqkupoci8uirdbbu6g231"
    assert rec.started is not None and rec.started.isoformat() == "2026-11-22T09:58:08.3834699Z"
    assert rec.completeness.to_json() == {
        "parameters": False,
        "environment": None,
        "materials": False,
    }
    assert rec.args == {}  # min drops args and labels (vcs:* only in the nested root request)


def test_git_context_max() -> None:
    rec = record("git-context-max")
    assert rec.builder_id == "https://ci.example.invalid/runners/7"
    cs = rec.config_source
    assert cs.uri == "git://127.0.0.1:5202/app.git#v1.0.0"
    assert cs.digest == {"sha1": "cd9e0690b7e05ec395fe2efd6e29f8660583c1a8"}
    assert cs.path == "Dockerfile"
    assert rec.hermetic is True
    assert rec.reproducible is False
    assert rec.completeness.parameters is True and rec.completeness.materials is True
    assert [s.to_json() for s in rec.secrets] == [
        {"id": "GIT_AUTH_HEADER", "optional": True},
        {"id": "GIT_AUTH_TOKEN", "optional": True},
    ]
    assert rec.vcs == {}
    # no vcs block: the repository comes from the verified configSource (a tag object sha1)
    assert rec.source_repository == "git://127.0.0.1:5202/app.git"
    assert rec.source_revision == "cd9e0690b7e05ec395fe2efd6e29f8660583c1a8"
    assert rec.source_from == "config-source"
    (dep,) = rec.dependencies
    assert (dep.uri, dep.kind, dep.digest) == (
        "git://127.0.0.1:5202/app.git#v1.0.0",
        "git",
        "sha1:cd9e0690b7e05ec395fe2efd6e29f8660583c1a8",
    )
    assert rec.base_images == ()
    assert rec.build_args == {"APP_VERSION": "1.0.0"}


def test_epoch_zstd_reproducible() -> None:
    rec = record("epoch-zstd-prov-max")
    assert rec.reproducible is True
    assert rec.hermetic is False
    assert rec.build_args == {"APP_VERSION": "3.0.0", "SOURCE_DATE_EPOCH": "1700000000"}
    assert (rec.source_repository, rec.source_from) == ("", "")


def test_run_secrets_ssh_max() -> None:
    rec = record("run-secrets-ssh-max")
    assert rec.builder_id == "https://ci.example.invalid/runners/7"
    assert [s.to_json() for s in rec.secrets] == [{"id": "api_token", "optional": False}]
    assert [s.to_json() for s in rec.ssh] == [{"id": "default", "optional": True}]
    assert rec.build_args == {"GREETING": "howdy"}
    (dep,) = rec.dependencies
    assert dep.uri == "pkg:docker/127.0.0.1%3A5200/base/busybox@1?platform=linux%2Famd64"
    assert dep.digests == {
        "sha256": "8f3e4e5bed2c0571dec28112438afe8c4f2ffc05543680546f2a4f224aae9c8c"
    }
    assert (dep.kind, dep.image_ref, dep.platform) == (
        "base-image",
        "127.0.0.1:5200/base/busybox:1",
        "linux/amd64",
    )
    assert dep.in_build_graph is True  # the LLB pins docker-image://…busybox:1@<same digest>
    assert rec.base_images == (dep,)


def test_run_secrets_ssh_min_keeps_the_base_image() -> None:
    rec = record("run-secrets-ssh-min")
    (dep,) = rec.dependencies
    assert (dep.kind, dep.image_ref, dep.in_build_graph) == (
        "base-image",
        "127.0.0.1:5200/base/busybox:1",
        None,
    )


def test_sbom_scanner_is_not_a_base_image() -> None:
    (scanner,) = record("sbom-prov-multi").dependencies
    assert scanner.image_ref == "127.0.0.1:5200/docker/buildkit-syft-scanner:stable-1"
    assert (
        scanner.digest == "sha256:e05a32f08f09a0fcb2f8a65863f05b655e121bf1d46c61c85cfd6d8b5cbd3a0c"
    )
    assert (scanner.kind, scanner.in_build_graph) == ("image", False)  # LLB does not use it
    # v0.26.3 wrote the scanner purl without a platform qualifier; min mode has no LLB
    (legacy,) = record("legacy-sbom-prov-min").dependencies
    assert legacy.uri == "pkg:docker/127.0.0.1%3A5200/docker/buildkit-syft-scanner@stable-1"
    assert (legacy.platform, legacy.in_build_graph, legacy.kind) == ("", None, "image")
    assert record("legacy-sbom-prov-min").base_images == ()


def test_legacy_slsa1_uses_invocation_id_with_capital_d() -> None:
    rec = record("legacy-multi-slsa1-max")
    assert rec.invocation_id == "rkmg48zkhvadow5tsqvllxyok"
    assert rec.dockerfile_version == ""  # v0.26.3 did not record it


def test_to_json_shape() -> None:
    out = record("run-secrets-ssh-max").to_json()
    assert out["startedOn"] == "2026-11-22T10:00:53.309382402Z"
    assert out["finishedOn"] == "2026-11-22T10:00:53.551168763Z"
    assert out["mode"] == "max" and out["dockerfileEmbedded"] is True
    assert out["dependencies"][0]["imageRef"] == "127.0.0.1:5200/base/busybox:1"
    assert out["secrets"] == [{"id": "api_token", "optional": False}]


def test_dirty_revision_is_split() -> None:
    st = parse_statement(first_layer("multi-prov-min", "https://slsa.dev/provenance/").data)
    pred = json.loads(json.dumps(st.predicate))
    pred["runDetails"]["metadata"]["buildkit_metadata"]["vcs"]["revision"] = APP_REV + "-dirty"
    rec = parse_provenance(pred, st.predicate_type)
    assert (rec.source_revision, rec.source_dirty) == (APP_REV, True)


def test_github_actions_v1_predicate() -> None:
    # shape from actions/toolkit packages/attest/src/provenance.ts (FORMATS.md §8.4)
    pred = {
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {
                "workflow": {
                    "ref": "refs/heads/main",
                    "repository": "https://github.com/o/r",
                    "path": ".github/workflows/b.yml",
                }
            },
            "internalParameters": {"github": {"event_name": "push"}},
            "resolvedDependencies": [
                {
                    "uri": "git+https://github.com/o/r@refs/heads/main",
                    "digest": {"gitCommit": "abc123"},
                }
            ],
        },
        "runDetails": {
            "builder": {"id": "https://github.com/o/r/.github/workflows/b.yml@refs/heads/main"},
            "metadata": {"invocationId": "https://github.com/o/r/actions/runs/1/attempts/1"},
        },
    }
    rec = parse_provenance(pred, "https://slsa.dev/provenance/v1")
    assert not rec.is_buildkit
    assert rec.mode is None and rec.hermetic is None and rec.reproducible is None
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://github.com/o/r",
        "abc123",
        "workflow",
    )
    assert rec.dependencies[0].kind == "git"
    assert rec.started is None and rec.duration_ns is None
    assert rec.invocation_id == "https://github.com/o/r/actions/runs/1/attempts/1"


def test_slsa_v01_predicate() -> None:
    pred = {
        "builder": {"id": "https://example.invalid/builder"},
        "recipe": {
            "type": "https://example.invalid/recipe",
            "definedInMaterial": 0,
            "entryPoint": "build.sh",
        },
        "metadata": {
            "buildInvocationId": "inv-1",
            "buildStartedOn": "2024-01-02T03:04:05.123456789Z",
            "completeness": {"arguments": True, "environment": False, "materials": True},
            "reproducible": False,
        },
        "materials": [{"uri": "git+https://example.invalid/repo", "digest": {"sha1": "deadbeef"}}],
    }
    rec = parse_provenance(pred, "https://slsa.dev/provenance/v0.1")
    assert (rec.slsa_version, rec.builder_id, rec.build_type) == (
        "v0.1",
        "https://example.invalid/builder",
        "https://example.invalid/recipe",
    )
    assert rec.config_source.to_json() == {
        "uri": "git+https://example.invalid/repo",
        "digest": {"sha1": "deadbeef"},
        "path": "build.sh",
    }
    # the git+ prefix is split off the repository; the rule is the recipe's material
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://example.invalid/repo",
        "deadbeef",
        "recipe",
    )
    assert rec.started is not None and rec.started.nanosecond == 123_456_789
    assert rec.completeness.to_json() == {
        "parameters": True,
        "environment": False,
        "materials": True,
    }


def test_errors() -> None:
    with pytest.raises(FormatError, match="not a SLSA provenance predicate type"):
        parse_provenance({}, "https://spdx.dev/Document")
    with pytest.raises(FormatError, match="predicate is not a JSON object"):
        parse_provenance([], "https://slsa.dev/provenance/v1")  # type: ignore[arg-type]
    bad = {"runDetails": {"metadata": {"startedOn": "yesterday"}}}
    with pytest.raises(FormatError, match="startedOn: not a timestamp"):
        parse_provenance(bad, "https://slsa.dev/provenance/v1")


def test_bad_embedded_dockerfile_base64() -> None:
    pred = {
        "buildDefinition": {"buildType": BUILDKIT_BUILD_TYPE_V1},
        "runDetails": {
            "metadata": {
                "buildkit_metadata": {
                    "source": {
                        "infos": [
                            {"filename": "Dockerfile", "language": "Dockerfile", "data": "%%%"}
                        ]
                    }
                }
            }
        },
    }
    rec = parse_provenance(pred, "https://slsa.dev/provenance/v1")
    assert rec.mode == "max" and rec.dockerfile_embedded
    with pytest.raises(FormatError, match="embedded source Dockerfile is not valid base64"):
        rec.dockerfile()
