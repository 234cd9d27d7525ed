"""Audit reports (JSON summary, JUnit, SARIF, Markdown, HTML) from real fixture rows; the
HTML report is loaded in a real headless Chromium."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ocitrace.audit.policy import parse_policy
from ocitrace.audit.practices import CHECKS
from ocitrace.audit.reports import build_document, render_report
from tests.audit.browser import (
    chromium,
    count_colour,
    page_requests,
    recording_proxy,
    run_chromium,
)
from tests.audit.fixture_rows import NOW, fixture_rows

NAMES = [
    "multi-prov-max",
    "multi-plain",
    "run-secrets-ssh-max",
    "sbom-prov-multi",
    "dirty-tree-max",
    "secret-args-max",
]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    policy = parse_policy(read_config=True, fail=["high"], require=["provenance"])
    rows = fixture_rows(NAMES, policy)
    return build_document(
        rows, generated_at=NOW, targets=["127.0.0.1:5000/acme/"], policy=policy.to_json()
    )


def test_json_summary_counts(doc: dict[str, Any]) -> None:
    s = doc["summary"]
    assert (s["images"], s["rows"]) == (6, 16)
    # multi-plain fails (no provenance, 3 rows), dirty (3) and secret (3) fail on high findings
    assert s["states"] == {"ok": 0, "warn": 7, "fail": 9, "error": 0}
    assert s["findings"]["dirty-tree"] == {
        "severity": "high",
        "rows": 3,
        "count": 3,
        "fail": 3,
        "warn": 0,
    }
    assert s["findings"]["secret-build-arg"]["count"] == 6  # two args on each of 3 rows
    assert s["findings"]["secret-build-arg"]["rows"] == 3
    repo = s["repositories"]["127.0.0.1:5000/acme/sbom-prov-multi"]
    assert (repo["rows"], repo["provenance"], repo["sbom"], repo["signed"]) == (2, 2, 2, 0)
    assert list(doc)[:7] == [
        "ocitraceAudit",
        "generatedAt",
        "tool",
        "targets",
        "interrupted",
        "policy",
        "summary",
    ]
    assert doc["rows"][0]["state"] == "warn"
    assert json.loads(render_report("json", doc)) == doc


def test_junit_one_case_per_image(doc: dict[str, Any]) -> None:
    root = ET.fromstring(render_report("junit", doc))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 6
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "0")
    by_suite = {s.get("name"): s for s in root.findall("testsuite")}
    dirty = by_suite["127.0.0.1:5000/acme/dirty-tree-max"].find("testcase/failure")
    assert dirty is not None and dirty.get("type") == "policy"
    assert dirty.get("message", "").startswith("linux/amd64: dirty-tree: revision 07be85a7caeb")
    ok = by_suite["127.0.0.1:5000/acme/multi-prov-max"].find("testcase")
    assert ok is not None and ok.find("failure") is None
    out = ok.findtext("system-out") or ""
    assert "[medium] no-sbom: no SBOM attestation found" in out


def test_sarif_result_per_finding(doc: dict[str, Any]) -> None:
    sarif = json.loads(render_report("sarif", doc))
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*CHECKS, "policy"]
    findings = sum(len(r["findings"]) for r in doc["rows"])
    policy_only = sum(1 for r in doc["rows"] for m in r["failures"] if m == "no provenance")
    assert len(run["results"]) == findings + policy_only
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert re.fullmatch(r"oci://127\.0\.0\.1:5000/acme/[\w-]+@sha256:[0-9a-f]{64}", loc)
    unpinned = [r for r in run["results"] if r["ruleId"] == "unpinned-base"]
    assert len(unpinned) == 2 and unpinned[0]["level"] == "warning"
    assert unpinned[0]["properties"]["evidence"]["image"] == "127.0.0.1:5200/base/busybox:1"
    secret = [r for r in run["results"] if r["ruleId"] == "secret-build-arg"]
    assert {r["level"] for r in secret} == {"error"}
    fps = [r["partialFingerprints"]["ocitrace/v1"] for r in run["results"]]
    assert len(set(fps)) == len(fps)


def test_markdown_summary(doc: dict[str, Any]) -> None:
    md = render_report("markdown", doc)
    assert md.startswith("## ocitrace audit\n\n6 images, 16 platform rows: 0 ok, 7 warn, 9 fail")
    assert "| `dirty-tree` built from a dirty working tree | high | 3 | 3 | 0 |" in md
    assert "| 127.0.0.1:5000/acme/dirty\\-tree\\-max:v1 |" not in md  # '-' is not escaped
    assert "| 127.0.0.1:5000/acme/dirty-tree-max:v1 |" in md


def test_markdown_and_html_escape_hostile_text() -> None:
    rows = [
        {
            "repository": "r/<script>|x",
            "tag": "v1",
            "digest": "",
            "platform": "a|b",
            "status": "error",
            "error": "<img src=x onerror=alert(1)>",
            "failures": [],
            "findings": [],
        }
    ]
    doc = {"summary": {}, "rows": rows, "targets": ["<b>"], "generatedAt": "x"}
    md = render_report("markdown", doc)
    assert "<script>" not in md and "r/\\<script\\>\\|x" in md
    page = render_report("html", doc)
    assert "<script>" not in page and "<img" not in page and "&lt;img src=x" in page


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="chromium not installed (make system-deps installs it)"
)


@needs_chromium
def test_proxy_sees_a_page_that_does_fetch(tmp_path: Path) -> None:
    """Control: a page with an external image does reach the recording proxy."""
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://example.invalid/pixel.png"></body></html>')
    with recording_proxy() as proxy:
        run_chromium(page, proxy.server_address[1], tmp_path / "profile", "--dump-dom")
    assert any("example.invalid/pixel.png" in r for r in page_requests(proxy.requests))


@needs_chromium
def test_html_report_renders_in_headless_chromium_without_requests(
    doc: dict[str, Any], tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report("html", doc))
    with recording_proxy() as proxy:
        dom = run_chromium(page, proxy.server_address[1], tmp_path / "p1", "--dump-dom")
        shot = tmp_path / "report.png"
        run_chromium(
            page,
            proxy.server_address[1],
            tmp_path / "p2",
            f"--screenshot={shot}",
            width=1000,
            height=900,
        )
    assert page_requests(proxy.requests) == []
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert '<svg id="coverage-chart"' in html and '<svg id="age-chart"' in html
    # 6 repositories × 4 coverage bars, 7 age buckets: all parsed as SVG rects
    assert len(re.findall(r'<rect class="bar" data-repo=', html)) == 24
    assert len(re.findall(r'<rect class="bar" data-bucket=', html)) == 7
    assert 'id="count-fail"><b style="color:#c62828">9</b>fail' in html
    # rendered: the provenance bars (#1565c0) and SBOM bars (#2e7d32) have pixels on screen
    assert shot.is_file()
    assert count_colour(shot, (0x15, 0x65, 0xC0)) > 5000
    assert count_colour(shot, (0x2E, 0x7D, 0x32)) > 1000
