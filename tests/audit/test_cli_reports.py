"""End to end: one `ocitrace audit --policy` run on a real registry writes the table and
every report; --explain-policy; --baseline with --fail-on new."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import main
from tests.audit.fixture_rows import layout
from tests.support.registry import RunningRegistry, push_layout, registry_available, start_registry

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

POLICY = Path(__file__).resolve().parents[2] / "fixtures" / "audit" / "policy.toml"
REPOS = {
    "acme/app": "multi-prov-max",
    "acme/plain": "multi-plain",
    "acme/legacy-min": "legacy-multi-prov-min",
    "acme/sbom": "sbom-prov-multi",
    "acme/dirty": "dirty-tree-max",
    "acme/secrets": "secret-args-max",
    "acme/runner": "run-secrets-ssh-max",
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    reg = start_registry(tmp_path_factory.mktemp("audit-reports"))
    try:
        for repo, fixture in REPOS.items():
            push_layout(reg, layout(fixture), repo, "v1")
        yield reg
    finally:
        reg.stop()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def test_one_run_writes_table_and_all_reports(registry: RunningRegistry, tmp_path: Path) -> None:
    paths = {k: tmp_path / f"report.{k}" for k in ("json", "junit", "sarif", "markdown", "html")}
    code, out, err = run(
        "audit",
        f"{registry.host}/acme/",
        "--policy",
        str(POLICY),
        "--no-cache",
        "--width",
        "100",
        "--color",
        "always",
        *(a for k, p in paths.items() for a in ("--report", f"{k}={p}")),
    )
    assert code == exitcodes.POLICY, err
    lines = out.splitlines()
    assert lines[0].split()[0] == "REPOSITORY" and "FINDINGS" in lines[0]
    assert all(len(__import__("re").sub(r"\x1b\[[0-9;]*m", "", ln)) <= 100 for ln in lines)
    assert "\x1b[31mfail" in out and registry.host not in out  # relative to the target
    doc = json.loads(paths["json"].read_text())
    s = doc["summary"]
    assert s["images"] == 7 and doc["policy"]["file"] == str(POLICY)
    by_repo = {r.rsplit("/", 1)[1]: v for r, v in s["repositories"].items()}
    assert by_repo["dirty"]["fail"] == 3 and by_repo["secrets"]["fail"] == 3
    assert by_repo["plain"]["fail"] == 3  # no provenance
    assert by_repo["legacy-min"]["fail"] == 0  # its rule: findings warn
    assert by_repo["sbom"]["fail"] == 0 and by_repo["app"]["fail"] == 0
    assert "not-reproducible" not in s["findings"]  # ignored by the policy
    assert "label-missing" in s["findings"]  # read-config = true in the file
    runner = [r for r in doc["rows"] if r["repository"].endswith("/runner")]
    assert {f["id"] for f in runner[0]["findings"]} >= {"unpinned-base", "no-vcs"}
    junit = ET.fromstring(paths["junit"].read_text())
    assert junit.get("tests") == "7" and junit.get("failures") == "3"
    sarif = json.loads(paths["sarif"].read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert paths["markdown"].read_text().startswith("## ocitrace audit\n\n7 images")
    page = paths["html"].read_text()
    assert '<svg id="coverage-chart"' in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_explain_policy_prints_the_effective_policy() -> None:
    code, out, _ = run("audit", "--explain-policy", "--policy", str(POLICY), "--max-age", "30d")
    assert code == 0
    doc = json.loads(out)
    assert doc["require"] == ["provenance"] and doc["fail"] == ["high"]
    assert doc["rules"][0] == {
        "repositories": ["acme/legacy-*"],
        "require": ["provenance"],
        "fail": [],
    }
    assert doc["rules"][-1] == {"repositories": ["*"], "max-age": "30d"}  # flags win


def test_baseline_fail_on_new(registry: RunningRegistry, tmp_path: Path) -> None:
    target = f"{registry.host}/acme/"
    base = tmp_path / "base.json"
    code, _, err = run(
        "audit", target, "--policy", str(POLICY), "--no-cache", "--report", f"json={base}"
    )
    assert code == exitcodes.POLICY
    code, out, err = run(
        "audit",
        target,
        "--policy",
        str(POLICY),
        "--no-cache",
        "--baseline",
        str(base),
        "--fail-on",
        "new",
    )
    assert code == exitcodes.OK, err  # same failures as the baseline: no regression
    assert "baseline: 19 unchanged, 0 regressions" in err
    # a new failing image appears: a regression
    push_layout(registry, layout("dirty-tree-max"), "acme/dirty2", "v1")
    code, out, err = run(
        "audit",
        target,
        "--policy",
        str(POLICY),
        "--no-cache",
        "--baseline",
        str(base),
        "--fail-on",
        "new",
        "--width",
        "200",
    )
    assert code == exitcodes.POLICY
    assert "3 new" in err and "3 regressions" in err
    assert [ln.split()[0] for ln in out.splitlines() if "dirty2" in ln] == ["new"] * 3
