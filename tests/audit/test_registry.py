"""audit and digest end to end against Debian's docker-registry holding the BuildKit fixtures."""

from __future__ import annotations

import io
import json
import subprocess
import sys
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
from tests.support.proxy import counting_proxy
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_layout,
    push_manifest,
    registry_available,
    start_registry,
)

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry not installed"),
]

MULTI_PROV_MAX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
APP_ARM64 = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
CLASSIC_MIN = "sha256:fc2cee6367eb3ea3d35a00e0af2e22b182e48775a37bb1a57a76512a2ad7c811"
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
        _push_partial(reg)
        yield reg
    finally:
        reg.stop()


ROOT = Path(__file__).resolve().parents[2]


def _push_partial(reg: RunningRegistry) -> None:
    """``warn/partial:v1``: multi-prov-max without linux/arm/v7's attestation entry."""
    push_layout(reg, fixture_dir("multi-prov-max"), "warn/partial", "full")
    blob = fixture_dir("multi-prov-max") / "blobs" / "sha256" / MULTI_PROV_MAX[7:]
    index = json.loads(blob.read_bytes())
    arm_v7 = next(m["digest"] for m in index["manifests"] if m.get("platform", {}).get("variant"))
    index["manifests"] = [
        m
        for m in index["manifests"]
        if m.get("annotations", {}).get("vnd.docker.reference.digest") != arm_v7
    ]
    push_manifest(reg, "warn/partial", "v1", json.dumps(index).encode(), index["mediaType"])


def ocitrace(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real command line: a fresh interpreter running ``python -m ocitrace``."""
    return subprocess.run(
        [sys.executable, "-m", "ocitrace", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


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
    # a JSON null read into interface{} prints as Go's "<no value>" (no SBOM here)
    assert out.splitlines() == [
        "v1 linux/amd64 max <no value>",
        "v1 linux/arm64 max <no value>",
        "v1 linux/arm/v7 max <no value>",
    ]
    code, out, err = cli(
        "audit", ref, "--no-cache", "--format", "{{.Tag", capsys=capsys, monkeypatch=monkeypatch
    )
    assert (code, out) == (exitcodes.TEMPLATE, "")
    assert "template: format:1: unclosed action" in err


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
    # cold: nothing of these repositories cached, so each tag is one GET (no HEAD);
    # warm: each tag is one HEAD, everything else comes from the cache
    cold_tags = [e.split()[-1] for e in cold_log if e.startswith("GET manifest ")]
    cold_tags = [t for t in cold_tags if not t.startswith("sha256:")]
    assert cold_tags and not [e for e in cold_log if e.startswith("HEAD")]
    assert [e for e in warm_log if e.startswith("GET")] == []
    assert sorted(e.split()[-1] for e in warm_log if e.startswith("HEAD")) == sorted(cold_tags)
    assert [r.to_json() for r in warm.rows] == [r.to_json() for r in cold.rows]


def test_digest_stdin_with_a_bad_line_in_the_middle(populated: RunningRegistry) -> None:
    """Real CLI: every good line printed in input order, one error line, exit PARTIAL (11)."""
    h = populated.host
    good = [f"{h}/ns/app-max:v1", f"{h}/ns/app-plain:arm", f"{h}/ns/app-classic:v1"] * 10
    lines = [*good[:15], f"{h}/ns/app-max:nope", "", "# comment", "Not//Valid", *good[15:]]
    proc = ocitrace("digest", "-j", "4", "-", stdin="\n".join(lines) + "\n")
    expected = {
        f"{h}/ns/app-max:v1": MULTI_PROV_MAX,
        f"{h}/ns/app-plain:arm": APP_ARM64,
        f"{h}/ns/app-classic:v1": CLASSIC_MIN,
    }
    assert proc.stdout.splitlines() == [expected[g] for g in good]
    assert proc.returncode == exitcodes.PARTIAL == 11
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"ocitrace: digest: {h}/ns/app-max:nope: ")
    assert errors[1].startswith("ocitrace: digest: Not//Valid: ")


def test_policy_exit_codes_on_the_command_line(populated: RunningRegistry, tmp_path: Path) -> None:
    """0 all pass, 10 a policy failed, 11 an error happened (wins over a policy failure)."""
    h, cache = populated.host, str(tmp_path)
    ok = ocitrace("audit", f"{h}/ns/app-max", "--require", "provenance", "--cache-dir", cache)
    assert ok.returncode == exitcodes.OK == 0, ok.stderr
    assert "(6 rows): 0 ok, 6 warn, 0 failed policy, 0 errors" in ok.stderr
    sbom = ocitrace("audit", f"{h}/ns/app-max", "--require", "sbom", "--cache-dir", cache)
    assert sbom.returncode == exitcodes.POLICY == 10
    assert sbom.stdout.count("fail: no SBOM") == 6
    mode = ocitrace("audit", f"{h}/ns/app-classic", "--require-mode", "max", "--cache-dir", cache)
    assert mode.returncode == exitcodes.POLICY
    assert "fail: provenance mode min (want max)" in mode.stdout
    age = ocitrace("audit", f"{h}/ns/app-max:v1", "--max-age", "1d", "--cache-dir", cache)
    assert age.returncode == exitcodes.POLICY and "(max 1d)" in age.stdout
    both = ocitrace("audit", f"{h}/ns/", "--require", "sbom", "--cache-dir", cache)
    assert both.returncode == exitcodes.PARTIAL == 11
    bad = ocitrace("audit", f"{h}/ns/", "--max-age", "soon")
    assert bad.returncode != 0 and "invalid duration 'soon'" in bad.stderr


def test_consistency_warnings_counted_per_image(
    populated: RunningRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warning ``attestations`` shows for an index missing one platform's attestation
    is counted in the audit's CHECKS column, JSON and summary; it is not a policy failure."""
    ref = f"{populated.host}/warn/partial:v1"
    _, att, _ = cli("attestations", "--json", ref, capsys=capsys, monkeypatch=monkeypatch)
    shown = [f["code"] for f in json.loads(att)["findings"] if f["severity"] == "warning"]
    assert shown == ["platforms-partial"]
    code, out, err = cli(
        "audit", ref, "--no-cache", "-o", "jsonl", capsys=capsys, monkeypatch=monkeypatch
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == exitcodes.OK
    assert [(r["platform"], r["provenance"], r["checks"]) for r in rows] == [
        ("linux/amd64", True, 1),
        ("linux/arm64", True, 1),
        ("linux/arm/v7", False, 1),
    ]
    assert {w["code"] for r in rows for w in r["warnings"]} == {"platforms-partial"}
    assert "consistency warnings in 1 images (platforms-partial 1)" in err
    code, out, _ = cli(
        "audit",
        ref,
        "--no-cache",
        "--by",
        "image",
        "-o",
        "csv",
        "--columns",
        "tag,platform,provenance,checks,status",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert out.splitlines() == [
        "tag,platform,provenance,checks,status",
        'v1,"linux/amd64,linux/arm64,linux/arm/v7","v1 max,-",platforms-partial,ok',
    ]


def test_cli_second_run_makes_no_manifest_or_blob_gets(
    populated: RunningRegistry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted on the wire: a warm re-audit costs tag lists and HEADs only."""
    with counting_proxy(populated.url) as proxy:
        args = ("audit", f"{proxy.host}/ns/", "-o", "json", "--cache-dir", str(tmp_path))
        _, cold_out, _ = cli(*args, capsys=capsys, monkeypatch=monkeypatch)
        cold = list(proxy.log.requests)
        proxy.log.clear()
        _, warm_out, warm_err = cli(*args, capsys=capsys, monkeypatch=monkeypatch)
        warm = list(proxy.log.requests)
    fetched = [p.rsplit("/", 1)[1] for m, p in cold if m == "GET" and "/sha256:" in p]
    assert len(fetched) > 10
    assert len(fetched) == len(set(fetched))  # tags sharing a digest: fetched once (in flight)
    # ns/broken:v1 does not resolve, so nothing of that repository is cached: a GET again
    broken = "/v2/ns/broken/manifests/v1"
    assert [(m, p) for m, p in warm if m == "GET" and ("/manifests/" in p or "/blobs/" in p)] == [
        ("GET", broken)
    ]
    by_tag = [p for m, p in cold if m == "GET" and "/manifests/" in p and "/sha256:" not in p]
    assert broken in by_tag and not [p for m, p in cold if m == "HEAD"]  # cold: a GET per tag
    by_tag.remove(broken)
    assert sorted(p for m, p in warm if m == "HEAD") == sorted(by_tag)  # warm: a HEAD per tag
    assert sorted(p for m, p in warm if m == "GET" and p != broken) == sorted(
        p for m, p in cold if m == "GET" and "/manifests/" not in p and "/blobs/" not in p
    )
    assert json.loads(warm_out) == json.loads(cold_out)
    assert "0 misses" in warm_err


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


def test_lookups_beyond_buildkit_only_when_asked(
    populated: RunningRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default the audit reads BuildKit index entries only: no referrers or cosign-tag
    requests.  ``--referrers`` and ``--cosign`` add them for the index and every platform."""
    with counting_proxy(populated.url) as proxy:
        ref = f"{proxy.host}/ns/app-max:v1"

        def paths(*extra: str) -> list[str]:
            proxy.log.clear()
            code, _, err = cli(
                "audit", ref, "--no-cache", *extra, capsys=capsys, monkeypatch=monkeypatch
            )
            assert code == exitcodes.OK, err
            return [p for _, p in proxy.log.requests]

        plain = paths()
        referrers = paths("--referrers")
        cosign = paths("--cosign")
    assert not [p for p in plain if "/referrers/" in p or "/manifests/sha256-" in p]
    assert len(plain) == 1 + 3 + 3  # index by tag, attestation manifests, their layers
    digests = 4  # the index and its three platform images
    assert len([p for p in referrers if "/referrers/" in p]) >= 1
    assert len([p for p in referrers if "/referrers/" in p or "/manifests/sha256-" in p]) >= digests
    assert len([p for p in cosign if "/manifests/sha256-" in p]) == digests * 3
