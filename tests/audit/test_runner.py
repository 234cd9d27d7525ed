"""audit.runner over real BuildKit layouts behind a fake catalog (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ocitrace.audit.policy import parse_policy
from ocitrace.audit.rows import Status, fold_by_image
from ocitrace.audit.runner import AuditOptions, run_audit
from ocitrace.audit.targets import parse_target
from ocitrace.audit.walk import TagFilter
from ocitrace.errors import NotFound
from ocitrace.layout import LayoutSource
from ocitrace.oci.platform import parse_platform
from ocitrace.source import Source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "buildkit"
REG = "127.0.0.1:5000"
REPOS = [
    "ns/multi-prov-max",
    "ns/sbom-extras-classic",
    "ns/classic-slsa02-min",
    "ns/multi-plain",
    "ns/sbom-prov-multi",
    "ns/git-context-max",
    "ns/broken",
    "other/single-plain",
]
NOW = datetime(2027, 1, 1, tzinfo=UTC)
VCS = "https://github.com/ocitrace-fixtures/app.git"


class FakeClient:
    """Catalog of fixture layouts; ``ns/broken`` fails to list its tags."""

    def repository(self, registry: str, repository: str) -> Source:
        assert registry == REG
        if repository == "ns/broken":
            return BrokenSource()
        return LayoutSource(FIXTURES / repository.split("/", 1)[1])

    def catalog(self, registry: str, prefix: str = "") -> Iterator[str]:
        return iter(REPOS)


class BrokenSource:
    name = f"{REG}/ns/broken"

    def tags(self) -> Iterator[str]:
        raise NotFound("127.0.0.1:5000/ns/broken: repository name not known to registry")


def audit(*targets: str, **kw: object) -> list:  # type: ignore[type-arg]
    opts = AuditOptions(policy=kw.pop("policy", parse_policy()), now=NOW, **kw)  # type: ignore[arg-type]
    report = run_audit([parse_target(t) for t in targets], FakeClient(), opts)  # type: ignore[arg-type]
    return list(report.rows)


def test_namespace_rows_records_and_the_broken_repository() -> None:
    rows = audit(f"{REG}/ns/")
    by = {(r.repository.split("/")[-1], r.platform): r for r in rows}
    assert "other/single-plain" not in {r.repository for r in rows}
    broken = [r for r in rows if r.repository.endswith("ns/broken")]
    assert len(broken) == 1 and broken[0].status is Status.ERROR
    assert "repository name not known" in (broken[0].error or "")

    mpm = by[("multi-prov-max", "linux/arm/v7")]
    assert mpm.digest == "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
    assert mpm.cells()["provenance"] == "v1 max"
    assert mpm.cells()["source"] == f"{VCS}@07be85a7caeb"
    assert mpm.facts.built_at_from == "provenance"
    assert mpm.facts.built_at == datetime(2026, 11, 22, 9, 56, 37, 984755, tzinfo=UTC)
    assert mpm.status is Status.OK

    slsa02 = by[("classic-slsa02-min", "linux/amd64")]
    assert slsa02.cells()["provenance"] == "v0.2 min"
    assert slsa02.facts.revision == "07be85a7caebab7ad15da277facf6078c2e7adab"

    plain = by[("multi-plain", "linux/arm64")]
    assert not plain.facts.has_provenance
    assert plain.facts.built_at_from == "config"

    git = by[("git-context-max", "linux/amd64")]
    assert git.facts.builder == "https://ci.example.invalid/runners/7"

    sbom = by[("sbom-prov-multi", "linux/amd64")]
    # fixtures/buildkit/README.md: "Syft finds six packages" (the SPDX document lists a
    # seventh, the DocumentRoot directory it DESCRIBES, which is not a package of the image)
    assert sbom.facts.sbom_packages == 6
    doc = sbom.to_json()["sboms"][0]
    assert (doc["documentName"], doc["packageCount"]) == ("sbom", 6)
    assert any(t.startswith("syft-v1.51.0") for t in doc["tools"])
    # 6 good repositories: 3 + 1 + 3 + 3 + 2 + 2 platform rows, plus the broken one
    assert len(rows) == 15


def test_sbom_count_agrees_with_the_sbom_command() -> None:
    """audit's SBOM column is the package count ``ocitrace sbom`` prints for the image."""
    from ocitrace.cli.sbom import sboms
    from ocitrace.discover import discover

    source = LayoutSource(FIXTURES / "sbom-extras-classic")
    docs = sboms(discover(source, source.manifest("v1")))
    image_doc = next(d for d in docs if d.name == "sbom")
    assert {d.name for d in docs} >= {"sbom", "sbom-context"}
    rows = audit(f"{REG}/ns/sbom-extras-classic")
    assert [r.facts.sbom_packages for r in rows] == [image_doc.sbom.summary.package_count]
    listed = {s["documentName"]: s["packageCount"] for s in rows[0].to_json()["sboms"]}
    assert listed == {d.name: d.sbom.summary.package_count for d in docs}


def test_policies_fail_rows_not_errors() -> None:
    policy = parse_policy(require=["provenance"], builder=r"^https://ci\.example\.invalid/")
    rows = audit(f"{REG}/ns/multi-plain", f"{REG}/ns/git-context-max:v1", policy=policy)
    status = {(r.repository.split("/")[-1], r.platform): r.status_text for r in rows}
    assert status[("git-context-max", "linux/amd64")] == "ok"
    assert status[("multi-plain", "linux/amd64")] == (
        "fail: no provenance; builder unknown does not match ^https://ci\\.example\\.invalid/"
    )


def test_platform_filter_and_fold_by_image() -> None:
    rows = audit(f"{REG}/ns/multi-prov-max", platforms=(parse_platform("linux/arm64"),))
    assert [r.platform for r in rows] == ["linux/arm64"]
    folded = fold_by_image(audit(f"{REG}/ns/multi-prov-max"))
    assert len(folded) == 1
    assert folded[0].platform == "linux/amd64,linux/arm64,linux/arm/v7"
    assert folded[0].cells()["provenance"] == "v1 max"


def test_tag_filter_excludes_everything() -> None:
    rows = audit(f"{REG}/ns/multi-prov-max", tag_filter=TagFilter.parse(r"v2.*", None))
    assert rows == []


@pytest.mark.parametrize("tag", ["sha256-" + "a" * 64 + ".sig", "sha256-" + "b" * 64])
def test_cosign_tags_excluded_by_default(tag: str) -> None:
    assert not TagFilter()(tag)
    assert TagFilter.parse(None, "")(tag)


def test_an_image_fans_out_only_while_the_pool_has_workers_to_spare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full pool already keeps every request slot busy: a thread per image would only
    cost CPU, so discovery runs in the worker; with workers to spare it fans out."""
    import ocitrace.audit.runner as runner

    seen: list[int] = []
    real = runner.audit_image

    def spy(*args: object, **kw: object) -> object:
        seen.append(kw["workers"])  # type: ignore[arg-type]
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "audit_image", spy)
    full = audit(f"{REG}/ns/", workers=1)  # one worker: every image finds it busy
    assert seen and set(seen) == {1}
    seen.clear()
    spare = audit(f"{REG}/ns/", workers=64)
    assert seen and set(seen) == {runner.IMAGE_FAN_OUT}
    assert [r.to_json() for r in full] == [r.to_json() for r in spare]
