"""audit and digest end to end against Debian's docker-registry holding the BuildKit fixtures."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ocitrace.audit.cache import CachingSource, DiskCache
from ocitrace.audit.policy import parse_policy
from ocitrace.audit.runner import AuditOptions, run_audit
from ocitrace.audit.targets import parse_target
from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from ocitrace.oci.model import Descriptor
from ocitrace.source import Fetched, Referrers, Source
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

MULTI_PROV_MAX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
APP_ARM64 = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
NAMESPACE = {
    "ns/app-max": [("multi-prov-max", "v1"), ("multi-prov-max", "v2")],
    "ns/app-classic": [("classic-slsa02-min", "v1")],
    "ns/app-plain": [("multi-plain", "v1"), ("single-plain", "arm")],
    "ns/app-sbom": [("sbom-prov-multi", "v1")],
    "ns/broken": [("single-plain", "v1")],
    "other/git": [("git-context-max", "v1")],
}


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """A private registry with the namespace above; ``ns/broken:v1`` lists but won't resolve."""
    reg = start_registry(tmp_path_factory.mktemp("audit-registry"))
    try:
        for repo, items in NAMESPACE.items():
            for fixture, tag in items:
                push_layout(reg, fixture_dir(fixture), repo, tag)
        link = next(
            (reg.root / "data").rglob("repositories/ns/broken/_manifests/tags/v1/current/link")
        )
        link.unlink()  # the tag stays listed, resolving it fails: a broken repository
        yield reg
    finally:
        reg.stop()


def cli(
    *argv: str, stdin: str = "", capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_namespace_jsonl_rows_and_partial_exit(
    populated: RunningRegistry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = cli(
        "audit",
        f"{populated.host}/ns/",
        "-o",
        "jsonl",
        "--cache-dir",
        str(tmp_path),
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == exitcodes.PARTIAL  # the broken repository
    assert {r["repository"].split("/", 1)[1] for r in rows} == {
        "ns/app-max",
        "ns/app-classic",
        "ns/app-plain",
        "ns/app-sbom",
        "ns/broken",
    }
    broken = [r for r in rows if r["repository"].endswith("ns/broken")]
    assert [b["status"] for b in broken] == ["error"]
    max_rows = [r for r in rows if r["repository"].endswith("ns/app-max")]
    assert {(r["tag"], r["platform"]) for r in max_rows} == {
        (t, p) for t in ("v1", "v2") for p in ("linux/amd64", "linux/arm64", "linux/arm/v7")
    }
    assert all(r["digest"] == MULTI_PROV_MAX and r["mode"] == "max" for r in max_rows)
    assert all(r["revision"] == "07be85a7caebab7ad15da277facf6078c2e7adab" for r in max_rows)
    single = [r for r in rows if r["repository"].endswith("ns/app-plain") and r["tag"] == "arm"]
    assert [(s["digest"], s["platform"], s["builtAtFrom"]) for s in single] == [
        (APP_ARM64, "linux/arm64", "config")
    ]
    assert "error" in err and "ns/" in err and "1 errors" in err.splitlines()[-1]


def test_audit_policy_exit_code_and_table(
    populated: RunningRegistry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = cli(
        "audit",
        f"{populated.host}/ns/app-max",
        f"{populated.host}/ns/app-plain:v1",
        "--require",
        "provenance",
        "--by",
        "image",
        "--cache-dir",
        str(tmp_path),
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == exitcodes.POLICY
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["REPOSITORY", "TAG", "DIGEST", "PLATFORM"]
    assert len(lines) == 4  # header + app-max v1, v2 + app-plain v1, folded by image
    assert "fail: linux/amd64: no provenance" in out
    code, _, _ = cli(
        "audit",
        f"{populated.host}/ns/app-max",
        "--require",
        "provenance",
        "--require-mode",
        "max",
        "--cache-dir",
        str(tmp_path),
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == exitcodes.OK


def _template_engine() -> bool:
    import ocitrace.template

    return hasattr(ocitrace.template, "Template")


@pytest.mark.skipif(
    not _template_engine(),
    reason="ocitrace.template (Go template engine, another helper's work) has no Template yet",
)
def test_format_templates_for_digest_and_audit(
    populated: RunningRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = f"{populated.host}/ns/app-max:v1"
    code, out, _ = cli(
        "digest", "--format", "{{.Name}}@{{.Digest}}", ref, capsys=capsys, monkeypatch=monkeypatch
    )
    assert (code, out) == (0, f"{populated.host}/ns/app-max@{MULTI_PROV_MAX}\n")
    code, out, _ = cli(
        "audit",
        ref,
        "--no-cache",
        "--format",
        "{{.Tag}} {{.Platform}} {{.Mode}} {{.SbomPackages}}",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == 0
    assert out.splitlines() == [
        "v1 linux/amd64 max <nil>",
        "v1 linux/arm64 max <nil>",
        "v1 linux/arm/v7 max <nil>",
    ]


class Counting:
    """Counts what reaches the registry below the cache."""

    def __init__(self, inner: Source, log: list[str]) -> None:
        self.inner, self.log = inner, log

    @property
    def name(self) -> str:
        return self.inner.name

    def resolve(self, ref: str) -> Descriptor:
        self.log.append(f"HEAD {ref}")
        return self.inner.resolve(ref)

    def manifest(self, ref: str) -> Fetched:
        self.log.append(f"GET manifest {ref}")
        return self.inner.manifest(ref)

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
        self.log.append(f"GET blob {desc.digest}")
        return self.inner.blob(desc, max_size=max_size)

    def tags(self) -> Iterator[str]:
        self.log.append("tags")
        return self.inner.tags()

    def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
        return self.inner.referrers(digest, artifact_type)


def test_second_run_costs_only_tag_lists_and_heads(
    populated: RunningRegistry, tmp_path: Path
) -> None:
    from ocitrace.registry import RegistryClient
    from ocitrace.transport import Transport

    cache = DiskCache(tmp_path)

    def run_once() -> tuple[list[str], Any]:
        log: list[str] = []
        with Transport() as transport:
            client = RegistryClient(transport)

            def opener(registry: str, repository: str) -> Source:
                return CachingSource(Counting(client.repository(registry, repository), log), cache)

            opts = AuditOptions(policy=parse_policy(), now=datetime.now(UTC))
            report = run_audit(
                [
                    parse_target(f"{populated.host}/{r}")
                    for r in NAMESPACE
                    if r.startswith("ns/app-")
                ],
                client,
                opts,
                open_source=opener,
            )
        return log, report

    cold_log, cold = run_once()
    warm_log, warm = run_once()
    assert any(e.startswith("GET") for e in cold_log)
    assert [e for e in warm_log if e.startswith("GET")] == []
    assert sorted(e for e in warm_log if e.startswith("HEAD")) == sorted(
        e for e in cold_log if e.startswith("HEAD")
    )
    assert [r.to_json() for r in warm.rows] == [r.to_json() for r in cold.rows]


def test_digest_stdin_with_a_bad_line_in_the_middle(
    populated: RunningRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = populated.host
    stdin = f"{h}/ns/app-max:v1\n{h}/ns/app-max:nope\n\n{h}/ns/app-plain:arm\n"
    code, out, err = cli("digest", "-", stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert out.splitlines() == [MULTI_PROV_MAX, APP_ARM64]
    assert code == exitcodes.PARTIAL
    assert f"{h}/ns/app-max:nope" in err and len(err.strip().splitlines()) == 1


def test_digest_platform_format_and_json(
    populated: RunningRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = f"{populated.host}/ns/app-max:v1"
    code, out, _ = cli(
        "digest", "--platform", "linux/arm64", ref, capsys=capsys, monkeypatch=monkeypatch
    )
    assert (code, out) == (0, APP_ARM64 + "\n")
    code, out, _ = cli("digest", "--json", ref, capsys=capsys, monkeypatch=monkeypatch)
    obj = json.loads(out)
    assert (obj["digest"], obj["mediaType"], obj["name"]) == (
        MULTI_PROV_MAX,
        "application/vnd.oci.image.index.v1+json",
        f"{populated.host}/ns/app-max",
    )
    code, out, _err = cli(
        "digest", f"{populated.host}/ns/none:v1", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == exitcodes.NOT_FOUND and out == ""
