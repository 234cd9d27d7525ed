"""Source, builder, invocation id and times of every producer's provenance.

Real documents (fixtures/realworld, SOURCES.md): the expected values were read from the
decoded statements by hand.  Producers without a real sample in the fixtures (Tekton
Chains, Cloud Build v1, GitLab runner, the BYOB delegator) are checked on predicates laid
out as their published buildType documentation describes them (fields named in each test).
"""

from __future__ import annotations

from typing import Any

from ocitrace.attest.provenance import SOURCE_RULES, parse_provenance, split_git_uri
from ocitrace.discover.local import read_attestation_path

from .support import REALWORLD

SLSA1 = "https://slsa.dev/provenance/v1"
SLSA02 = "https://slsa.dev/provenance/v0.2"


def record(name: str):  # type: ignore[no-untyped-def]
    (item,) = read_attestation_path(REALWORLD / name)
    st = item.statement
    assert st is not None
    return st, parse_provenance(st.predicate, st.predicate_type, st.type)


def test_npm_sigstore_js_github_buildtype_old_uri() -> None:
    st, rec = record("sigstore-go-bundle-v0.1-dsse-sigstorejs-slsa1.sigstore.json")
    assert (st.type, st.predicate_type) == ("https://in-toto.io/Statement/v1", SLSA1)
    assert (
        rec.build_type == "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"
    )
    assert rec.builder_id == "https://github.com/actions/runner/github-hosted"
    assert rec.source_repository == "https://github.com/sigstore/sigstore-js"
    assert rec.source_revision == "f0b49a04e5a62250e0f60fb128004a73110fe311"
    assert rec.source_ref == "refs/heads/main"
    assert rec.source_from == "workflow"
    assert rec.invocation_id == (
        "https://github.com/sigstore/sigstore-js/actions/runs/5904696764/attempts/1"
    )
    assert (rec.started, rec.finished) == (None, None)
    assert [(d.uri, d.digest) for d in rec.dependencies] == [
        (
            "git+https://github.com/sigstore/sigstore-js@refs/heads/main",
            "gitCommit:f0b49a04e5a62250e0f60fb128004a73110fe311",
        )
    ]


def test_gh_attestation_download_actions_attest() -> None:
    st, rec = record("cli-gh-provenance-demo-bundle.jsonl")
    assert st.predicate_type == SLSA1
    assert (
        rec.build_type == "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"
    )
    assert rec.builder_id == "https://github.com/actions/runner/github-hosted"
    assert (rec.source_repository, rec.source_revision, rec.source_ref) == (
        "https://github.com/actions/attest-demo",
        "a6c23b9806c593664f68637c8f9d45dfcf98b2db",
        "refs/heads/main",
    )
    assert rec.invocation_id == (
        "https://github.com/actions/attest-demo/actions/runs/8788389601/attempts/1"
    )


def test_slsa_github_generator_generic_v02() -> None:
    st, rec = record("slsa-verifier-gha-generic-v1.2.0.intoto.jsonl")
    assert (st.type, st.predicate_type) == ("https://in-toto.io/Statement/v0.1", SLSA02)
    assert rec.build_type == "https://github.com/slsa-framework/slsa-github-generator@v1"
    assert rec.builder_id == (
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "generator_generic_slsa3.yml@refs/tags/v1.2.0"
    )
    assert (rec.source_repository, rec.source_revision, rec.source_ref, rec.source_from) == (
        "https://github.com/slsa-framework/example-package",
        "dcd26fed2ccf37087005539ad8e8ce4db23b501d",
        "refs/tags/v14",
        "config-source",
    )
    assert rec.config_source.path == (
        ".github/workflows/verifier-e2e.generic.tag.main.assets.slsa3.yml"
    )
    assert rec.invocation_id == "2700464409-1"
    assert (rec.started, rec.finished) == (None, None)
    assert (rec.completeness.parameters, rec.completeness.environment) == (True, False)
    assert rec.completeness.materials is False and rec.reproducible is False
    assert [d.digest for d in rec.dependencies] == ["sha1:dcd26fed2ccf37087005539ad8e8ce4db23b501d"]


def v1(build_type: str, ext: dict[str, Any], deps: list[dict[str, Any]], **more: Any):  # type: ignore[no-untyped-def]
    pred = {
        "buildDefinition": {
            "buildType": build_type,
            "externalParameters": ext,
            "internalParameters": more.pop("internal", {}),
            "resolvedDependencies": deps,
        },
        "runDetails": {"builder": {"id": "https://builder.example/b"}, "metadata": more},
    }
    return parse_provenance(pred, SLSA1)


def test_current_github_buildtype() -> None:
    rec = v1(
        "https://actions.github.io/buildtypes/workflow/v1",
        {"workflow": {"ref": "refs/tags/v2", "repository": "https://github.com/o/r", "path": "w"}},
        [{"uri": "git+https://github.com/o/r@refs/tags/v2", "digest": {"gitCommit": "c0ffee"}}],
        invocationId="https://github.com/o/r/actions/runs/9/attempts/2",
        startedOn="2025-01-02T03:04:05Z",
    )
    assert (rec.source_repository, rec.source_revision, rec.source_ref) == (
        "https://github.com/o/r",
        "c0ffee",
        "refs/tags/v2",
    )
    assert rec.invocation_id == "https://github.com/o/r/actions/runs/9/attempts/2"
    assert rec.started is not None and rec.started.isoformat() == "2025-01-02T03:04:05Z"


def test_byob_delegator() -> None:
    # slsa-github-generator delegator-generic@v0: externalParameters {inputs, workflow}
    rec = v1(
        "https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0",
        {
            "inputs": {"name": "x"},
            "workflow": {"ref": "refs/heads/main", "repository": "git+https://github.com/o/r"},
        },
        [{"uri": "git+https://github.com/o/r@refs/heads/main", "digest": {"sha1": "abc"}}],
    )
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://github.com/o/r",
        "abc",
        "workflow",
    )


def test_cloud_build_v1() -> None:
    # google-worker/v1: externalParameters.buildConfigSource{repository, ref, path}
    rec = v1(
        "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
        {
            "buildConfigSource": {
                "path": "cloudbuild.yaml",
                "ref": "refs/heads/main",
                "repository": "git+https://github.com/o/r",
            }
        },
        [],
        internal={"systemSubstitutions": {"COMMIT_SHA": "b66934a9"}},
    )
    assert (rec.source_repository, rec.source_revision, rec.source_ref, rec.source_from) == (
        "https://github.com/o/r",
        "b66934a9",
        "refs/heads/main",
        "gcb-build-config",
    )


def test_gitlab_runner_v1() -> None:
    # GitLab: externalParameters.source = project URL, resolvedDependencies[0].digest.sha256
    rec = v1(
        "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/v17.0.0/PROVENANCE.md",
        {"source": "https://gitlab.com/g/p", "entryPoint": "build-job"},
        [{"uri": "https://gitlab.com/g/p", "digest": {"sha256": "6f1e"}}],
    )
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://gitlab.com/g/p",
        "6f1e",
        "gitlab-source",
    )


def test_tekton_chains_v1_generic_fallback() -> None:
    # Tekton Chains slsa/v2: the source is a git+ resolvedDependencies entry with sha1
    rec = v1(
        "https://tekton.dev/chains/v2/slsa",
        {"runSpec": {}},
        [
            {"uri": "oci://gcr.io/tekton-releases/git-init", "digest": {"sha256": "aa"}},
            {
                "name": "inputs/result",
                "uri": "git+https://github.com/o/r.git",
                "digest": {"sha1": "7f2a"},
            },
        ],
    )
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://github.com/o/r.git",
        "7f2a",
        "resolved-dependency",
    )
    assert rec.source_from in SOURCE_RULES


def test_unknown_build_type_without_git_dependency_has_no_source() -> None:
    rec = v1(
        "https://example.invalid/x", {}, [{"uri": "https://x/y.tgz", "digest": {"sha256": "1"}}]
    )
    assert (rec.source_repository, rec.source_revision, rec.source_from) == ("", "", "")


def test_v02_spec_invocation_id_and_tekton_materials() -> None:
    pred = {
        "builder": {"id": "https://tekton.dev/chains/v2"},
        "buildType": "tekton.dev/v1beta1/TaskRun",
        "invocation": {"configSource": {}, "parameters": {}},
        "metadata": {
            "buildInvocationId": "run-1",
            "buildStartedOn": "2024-05-06T07:08:09Z",
            "buildFinishedOn": "2024-05-06T07:09:09Z",
        },
        "materials": [
            {"uri": "git+https://github.com/o/r.git", "digest": {"sha1": "9e"}},
            {"uri": "oci://img", "digest": {"sha512": "ff"}},
        ],
    }
    rec = parse_provenance(pred, SLSA02)
    assert rec.invocation_id == "run-1"
    assert rec.duration_ns == 60 * 10**9
    assert (rec.source_repository, rec.source_revision, rec.source_from) == (
        "https://github.com/o/r.git",
        "9e",
        "materials",
    )
    assert [d.digest for d in rec.dependencies] == ["sha1:9e", "sha512:ff"]


def test_split_git_uri() -> None:
    assert split_git_uri("git+https://github.com/o/r@refs/tags/v1") == (
        "https://github.com/o/r",
        "refs/tags/v1",
    )
    assert split_git_uri("git+ssh://git@github.com/o/r") == ("ssh://git@github.com/o/r", "")
    assert split_git_uri("https://github.com/o/r.git#main") == (
        "https://github.com/o/r.git",
        "main",
    )
