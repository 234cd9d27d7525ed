"""Practice checks on real BuildKit layouts (and the derived ones in fixtures/audit)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ocitrace.audit.image import audit_image
from ocitrace.audit.policy import parse_policy
from ocitrace.audit.practices import (
    CHECKS,
    from_lines,
    normalize_repo_url,
    secret_reason,
)
from ocitrace.audit.records import platform_rows
from ocitrace.audit.rows import Row, Status
from ocitrace.audit.walk import ImageTask
from ocitrace.layout import LayoutSource

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NOW = datetime(2027, 1, 1, tzinfo=UTC)
BUSYBOX = "sha256:8f3e4e5bed2c0571dec28112438afe8c4f2ffc05543680546f2a4f224aae9c8c"


def rows_of(name: str, *, read_config: bool = True, **policy: Any) -> list[Row]:
    base = "audit" if (FIXTURES / "audit" / name).is_dir() else "buildkit"
    result = audit_image(
        LayoutSource(FIXTURES / base / name),
        ImageTask("127.0.0.1:5000", f"ns/{name}", "v1"),
        read_config=read_config,
    )
    return platform_rows(result, parse_policy(read_config=read_config, **policy), NOW)


def findings(row: Row, check: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = list(row.records.get("findings", []))
    return [f for f in found if check is None or f["id"] == check]


def ids(row: Row) -> set[str]:
    return {f["id"] for f in findings(row)}


def test_dirty_tree_fires_on_the_dirty_fixture_only() -> None:
    for row in rows_of("dirty-tree-max"):
        (f,) = findings(row, "dirty-tree")
        assert f["severity"] == "high"
        assert f["evidence"]["revision"] == "07be85a7caebab7ad15da277facf6078c2e7adab-dirty"
        assert row.facts.revision == "07be85a7caebab7ad15da277facf6078c2e7adab"
    for name in (
        "multi-prov-max",
        "classic-slsa02-max",
        "legacy-multi-prov-min",
        "git-context-max",
    ):
        assert all("dirty-tree" not in ids(r) for r in rows_of(name)), name


def test_no_vcs_on_builds_without_git_info() -> None:
    for name in ("epoch-zstd-prov-max", "run-secrets-ssh-max", "sbom-prov-multi"):
        (row, *_) = rows_of(name)
        (f,) = findings(row, "no-vcs")
        assert f["message"] == "provenance has no VCS source or revision"
    # VCS options and a git context both give a source and revision
    for name in ("multi-prov-max", "multi-prov-min", "git-context-max", "annotated-prov-min"):
        assert all("no-vcs" not in ids(r) for r in rows_of(name)), name


def test_unpinned_from_in_the_embedded_dockerfile_with_the_resolved_digest() -> None:
    rows = rows_of("run-secrets-ssh-max")
    assert [r.platform for r in rows] == ["linux/amd64", "linux/arm64"]
    for row in rows:
        (f,) = findings(row, "unpinned-base")
        assert f["evidence"] == {
            "line": 1,
            "instruction": "FROM --platform=$BUILDPLATFORM 127.0.0.1:5200/base/busybox:1 AS gen",
            "image": "127.0.0.1:5200/base/busybox:1",
            "resolvedDigest": BUSYBOX,
            "source": "dockerfile",
        }
        assert f["message"] == (
            "line 1: FROM 127.0.0.1:5200/base/busybox:1 is not pinned by digest; "
            f"built on {BUSYBOX}"
        )


def test_unpinned_base_from_materials_when_mode_min_has_no_dockerfile() -> None:
    (f,) = findings(rows_of("run-secrets-ssh-min")[0], "unpinned-base")
    assert f["evidence"]["source"] == "materials"
    assert f["evidence"]["resolvedDigest"] == BUSYBOX


@pytest.mark.parametrize(
    "name", ["multi-prov-max", "sbom-prov-multi", "git-context-max", "sbom-extras-classic"]
)
def test_from_scratch_and_stage_bases_and_tool_images_are_not_unpinned(name: str) -> None:
    # FROM scratch, FROM osbase (a stage), the SBOM scanner material (not a base image)
    assert all("unpinned-base" not in ids(r) for r in rows_of(name))


def test_from_lines_parser() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "ARG BASE=debian\nARG TAG\n"
        "FROM ${BASE}:${TAG:-12} AS one\n"
        "from --platform=$BUILDPLATFORM \\\n  alpine AS two\n"
        "FROM one\nFROM $MISSING\n"
        "FROM busybox@sha256:" + "a" * 64 + "\n"
    )
    got = [(f.line, f.image, f.stage, f.unresolved) for f in from_lines(text, {"TAG": "13"})]
    assert got == [
        (4, "debian:13", "one", ()),
        (5, "alpine", "two", ()),
        (7, "one", "", ()),
        (8, "", "", ("MISSING",)),
        (9, "busybox@sha256:" + "a" * 64, "", ()),
    ]


def test_from_lines_memo_keys_on_text_and_build_args() -> None:
    """Memoised per (Dockerfile, build args): other args give other images, and each call
    returns its own list (a caller changing it cannot change the next answer)."""
    text = "ARG TAG=1\nFROM alpine:${TAG}\n"
    first = from_lines(text, {"TAG": "2"})
    first.clear()
    assert [f.image for f in from_lines(text, {"TAG": "2"})] == ["alpine:2"]
    assert [f.image for f in from_lines(text, {"TAG": "3"})] == ["alpine:3"]
    assert [f.image for f in from_lines(text)] == ["alpine:1"]
    big = "FROM alpine:${TAG}\n" + "#" * (70 * 1024) + "\n"  # above the memo's size bound
    assert [f.image for f in from_lines(big, {"TAG": "4"})] == ["alpine:4"]


def test_secret_build_args_by_name_and_entropy_values_never_printed() -> None:
    from tests.audit.derive_fixtures import SECRET_ARGS

    for row in rows_of("secret-args-max"):
        found = findings(row, "secret-build-arg")
        assert [f["evidence"]["arg"] for f in found] == ["DEPLOY_SEED", "NPM_TOKEN"]
        assert found[0]["evidence"]["reason"] == "value: 36 chars, 5.2 bits/char"
        assert found[1]["evidence"]["reason"] == "name contains 'token'"
        text = repr(row.records["findings"]) + row.status_text
        for value in SECRET_ARGS.values():
            assert value not in text
    # the real fixtures' args (APP_VERSION, GREETING, SOURCE_DATE_EPOCH) are not secrets
    for name in ("multi-prov-max", "run-secrets-ssh-max", "epoch-zstd-prov-max", "git-context-max"):
        assert all("secret-build-arg" not in ids(r) for r in rows_of(name)), name


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("GITHUB_TOKEN", "x", True),
        ("dbPassword", "hunter2", True),
        ("AWS_SECRET_ACCESS_KEY", "abc", True),
        ("API_KEY", "zq9", True),
        ("GPG_KEY", "7169605F62C751356D054A26A821E680E5FA6305", False),  # public fingerprint
        ("AUTHOR", "Jane Doe", False),
        ("BUILD_URL", "https://ci.example/job/7", False),
        ("MIRROR", "https://bob:pw@mirror.example/", True),
        ("X", "ghp_" + "a1B2c3D4e5" * 4, True),
        ("COMMIT", "0" * 40, False),
        ("VERSION", "1.2.3-rc.1+build.77", False),
        ("TOKEN_FILE", "", False),  # no value given: nothing leaked
    ],
)
def test_secret_reason(name: str, value: str, secret: bool) -> None:
    reason = secret_reason(name, value)
    assert (reason is not None) == secret
    if reason is not None and value:
        assert value not in reason


def test_labels_missing_and_mismatch_need_the_config() -> None:
    (row, *_) = rows_of("multi-prov-max")
    # the source label was given (label:org.opencontainers.image.source=…/app, no .git): agrees
    assert [f["evidence"]["label"] for f in findings(row, "label-missing")] == [
        "org.opencontainers.image.revision"
    ]
    assert not findings(row, "label-mismatch")
    assert row.records["labels"]["org.opencontainers.image.source"] == (
        "https://github.com/ocitrace-fixtures/app"
    )
    (f,) = findings(rows_of("source-mismatch-max")[0], "label-mismatch")
    assert f["evidence"]["provenanceValue"] == "https://github.com/ocitrace-fixtures/fork.git"
    # not read: the label checks are listed as skipped, not silently passed
    (row, *_) = rows_of("multi-prov-max", read_config=False)
    assert "label-missing" not in ids(row)
    assert row.records["skippedChecks"] == ["label-missing", "label-mismatch"]


def test_normalize_repo_url() -> None:
    same = {
        "https://github.com/acme/app.git",
        "https://github.com/Acme/app/",
        "git@github.com:acme/app.git",
        "ssh://git@github.com/acme/app",
        "git://github.com/acme/app.git#v1",
    }
    assert {normalize_repo_url(u) for u in same} == {"github.com/acme/app"}


def test_mode_min_reproducible_materials() -> None:
    assert "provenance-min" in ids(rows_of("multi-prov-min")[0])
    assert "provenance-min" not in ids(rows_of("multi-prov-max")[0])
    assert "not-reproducible" not in ids(rows_of("epoch-zstd-prov-max")[0])
    assert "not-reproducible" in ids(rows_of("multi-prov-max")[0])
    assert "materials-incomplete" not in ids(rows_of("git-context-max")[0])
    (f,) = findings(rows_of("multi-prov-max")[0], "materials-incomplete")
    assert f["evidence"]["completeness"]["materials"] is False


def test_sbom_vuln_signature_and_no_provenance() -> None:
    plain = rows_of("multi-plain")[0]
    assert {"no-provenance", "no-sbom", "no-vuln-scan", "unsigned"} <= ids(plain)
    assert plain.records["skippedChecks"][:2] == ["dirty-tree", "no-vcs"]
    sbom = rows_of("sbom-prov-multi")[0]
    assert "no-sbom" not in ids(sbom) and "no-provenance" not in ids(sbom)
    (f,) = findings(sbom, "unsigned")
    assert f["evidence"]["basis"].startswith("presence only")
    assert "add --cosign / --referrers" in f["message"]


def test_findings_warn_by_default_and_fail_when_the_policy_says_so() -> None:
    (row, *_) = rows_of("dirty-tree-max")
    assert row.status is Status.OK
    assert {f["action"] for f in findings(row)} == {"warn"}
    (row, *_) = rows_of("dirty-tree-max", fail=["dirty-tree"])
    assert row.status is Status.FAIL
    assert row.failures == ("dirty-tree: revision 07be85a7caeb was built with uncommitted changes",)
    (row, *_) = rows_of("secret-args-max", fail=["high"])
    assert [m.split(":")[0] for m in row.failures] == ["secret-build-arg", "secret-build-arg"]


def test_every_check_is_documented() -> None:
    for info in CHECKS.values():
        assert info.title and info.help and info.id
