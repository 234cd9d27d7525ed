"""Benchmark: ``ocitrace audit`` (cold, warm) and ``ocitrace digest`` against skopeo.

A namespace of 50 repositories × 4 tags (two-platform BuildKit indexes with SLSA
provenance, the ``git-context-max`` fixture) in Debian's docker-registry, reached
through a loopback proxy adding 25 ms each way.  Every tag is a distinct image: its
provenance layers (padded with trailing whitespace), attestation manifests and index
differ, so a cold audit cannot serve one image from another's cache entries.  Measured
in one run, medians of ``BENCH_RUNS`` (default 3) repetitions:

* ``ocitrace audit`` with an empty cache (fetches index, attestation manifests and
  provenance blobs) and again with the warm cache;
* ``ocitrace digest`` of the 200 references from stdin;
* ``skopeo inspect --raw`` over the same references, sequentially and with ``xargs -P8``
  (raw manifest only: less work than the audit does).

The proxy is ``bench/latency_proxy.py`` (raw TCP, asyncio, in its own process, so the
proxy is not what is measured); it counts HTTP requests: printed per command.  What it
does not model: TCP connection set-up costs no round trip (the kernel accepts at once),
which favours clients opening a connection per process (skopeo) over a pooled one.
skopeo with ``--tls-verify=false`` first tries HTTPS: that probe crosses the link like
any other bytes (a real round trip; the registry answers it with an HTTP 400), so
skopeo spends three round trips per reference.

On a 2-CPU machine the registry's own CPU (~1 ms per request for distribution 2.8)
competes with the client: a cold audit's 1051 requests cost the registry about as much
CPU as they cost us, so the audit is CPU-bound well before its ``-j`` slots are.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency_proxy import LatencyProxy, latency_proxy  # noqa: E402
from tests.support.registry import (  # noqa: E402
    RunningRegistry,
    fixture_dir,
    push_blob,
    push_layout,
    push_manifest,
    start_registry,
)

REPOS, TAGS, DELAY = 50, 4, 0.025
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SKOPEO_RUNS = int(os.environ.get("BENCH_SKOPEO_RUNS", "1"))
OCITRACE = [sys.executable, "-m", "ocitrace"]
JOBS = ["-j", os.environ["BENCH_JOBS"]] if os.environ.get("BENCH_JOBS") else []  # else default


def push_distinct(reg: RunningRegistry, layout: Path, repo: str, tag: str, n: int) -> None:
    """Push ``layout`` as ``repo:tag``, its attestations made unique by ``n`` spaces."""
    push_layout(reg, layout, repo, tag)  # platform images and blobs as they are

    def blob(digest: str) -> bytes:
        return (layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()

    index_desc = json.loads((layout / "index.json").read_text())["manifests"][0]
    index = json.loads(blob(index_desc["digest"]))
    for entry in index["manifests"]:
        if entry.get("annotations", {}).get("vnd.docker.reference.type") != "attestation-manifest":
            continue
        att = json.loads(blob(entry["digest"]))
        for layer in att["layers"]:
            data = blob(layer["digest"]) + b" " * n
            layer["digest"], layer["size"] = push_blob(reg, repo, data), len(data)
        raw = json.dumps(att).encode()
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        entry["digest"] = push_manifest(reg, repo, digest, raw, att["mediaType"])
        entry["size"] = len(raw)
    push_manifest(reg, repo, tag, json.dumps(index).encode(), index["mediaType"])


def timed(fn: Callable[[], None], runs: int) -> list[float]:
    """Wall times of ``runs`` calls, sorted."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)


def sh(cmd: list[str] | str, *, stdin: str | None = None, shell: bool = False) -> None:
    res = subprocess.run(
        cmd,
        input=stdin,
        text=True,
        shell=shell,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        cwd=ROOT,
    )
    if res.returncode not in (0,):
        raise SystemExit(
            f"{cmd if isinstance(cmd, str) else ' '.join(cmd)}: exit {res.returncode}: {res.stderr[-500:]}"
        )


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ocitrace-bench-"))
    reg = start_registry(tmp / "registry")
    try:
        print(f"populating {REPOS} repositories × {TAGS} tags …", flush=True)
        fixture = fixture_dir("git-context-max")
        for r in range(REPOS):
            for t in range(TAGS):
                push_distinct(reg, fixture, f"bench/app{r:02d}", f"v{t}", r * TAGS + t + 1)
        with latency_proxy(reg.url, delay=DELAY) as proxy:
            results, counts = measure(proxy, tmp)
    finally:
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, counts)
    return 0


def measure(lp: LatencyProxy, tmp: Path) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Time every contender once per run through the proxy; count requests of one run each."""
    proxy = lp.host
    refs = [f"{proxy}/bench/app{r:02d}:v{t}" for r in range(REPOS) for t in range(TAGS)]
    refs_text = "\n".join(refs) + "\n"
    cache = tmp / "cache"
    env_skopeo = "skopeo inspect --raw --tls-verify=false"

    audit = [*OCITRACE, "audit", f"{proxy}/bench/", "-o", "jsonl", "--no-progress", *JOBS]

    def audit_cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        sh([*audit, "--cache-dir", str(cache)])

    def audit_warm() -> None:
        sh([*audit, "--cache-dir", str(cache)])

    def digest_all() -> None:
        sh([*OCITRACE, "digest", *JOBS, "-"], stdin=refs_text)

    results: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    methods: dict[str, str] = {}
    results["ocitrace audit (cold)"] = timed(audit_cold, RUNS)
    lp.clear()
    audit_cold()
    counts["ocitrace audit (cold)"] = _count(lp, methods, "ocitrace audit (cold)")
    results["ocitrace audit (warm)"] = timed(audit_warm, RUNS)
    lp.clear()
    audit_warm()
    counts["ocitrace audit (warm)"] = _count(lp, methods, "ocitrace audit (warm)")
    results["ocitrace digest × 200"] = timed(digest_all, RUNS)
    lp.clear()
    digest_all()
    counts["ocitrace digest × 200"] = _count(lp, methods, "ocitrace digest × 200")
    if shutil.which("skopeo"):
        listfile = tmp / "refs.txt"
        listfile.write_text(refs_text)
        loop = (
            f'while read r; do {env_skopeo} "docker://$r" >/dev/null || exit 1; done < {listfile}'
        )
        xargs = f"xargs -P8 -I{{}} {env_skopeo} docker://{{}} < {listfile} >/dev/null"
        results["skopeo loop (sequential)"] = timed(lambda: sh(loop, shell=True), SKOPEO_RUNS)
        results["skopeo xargs -P8"] = timed(lambda: sh(xargs, shell=True), SKOPEO_RUNS)
        lp.clear()
        sh(f"head -1 {listfile} | while read r; do {env_skopeo} docker://$r; done", shell=True)
        counts["skopeo (one reference)"] = _count(lp, methods, "skopeo (one reference)")
    for name, split in methods.items():
        print(f"  requests of {name}: {split}")
    return results, counts


def _count(lp: LatencyProxy, methods: dict[str, str], name: str) -> int:
    """Requests the proxy saw since the last clear; their split by method kept for the report."""
    stats = lp.stats()
    split = stats["methods"]
    assert isinstance(split, dict)
    methods[name] = ", ".join(f"{m} {n}" for m, n in sorted(split.items()))
    n = stats["requests"]
    assert isinstance(n, int)
    return n


def report(runs: dict[str, list[float]], counts: dict[str, int]) -> None:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{REPOS}×{TAGS} images, +{DELAY * 1000:.0f} ms each way; medians of {RUNS} runs")
    print(f"  (load average at the end: {load} on {os.cpu_count()} CPUs; min and max beside)")
    results = {name: statistics.median(times) for name, times in runs.items()}
    for name, secs in results.items():
        n = f"  ({counts[name]} requests)" if name in counts else ""
        spread = f"[{runs[name][0]:.2f} … {runs[name][-1]:.2f}]" if len(runs[name]) > 1 else ""
        print(f"  {name:28s} {secs:8.2f} s {spread:16s}{n}")
    if "skopeo (one reference)" in counts:
        print(f"  skopeo inspect --raw: {counts['skopeo (one reference)']} requests per reference")
    cold, warm = results["ocitrace audit (cold)"], results["ocitrace audit (warm)"]
    print(f"\n  warm vs cold audit: {cold / warm:.1f}× faster (target ≥ 3×)")
    print(f"  200 digests: {results['ocitrace digest × 200']:.2f} s (target < 1.5 s)")
    if "skopeo loop (sequential)" in results:
        loop, xargs = results["skopeo loop (sequential)"], results["skopeo xargs -P8"]
        print(f"  cold audit vs skopeo loop: {loop / cold:.1f}× faster (target ≥ 20×)")
        print(f"  cold audit vs skopeo xargs -P8: {xargs / cold:.1f}× faster (target > 1×)")


if __name__ == "__main__":
    sys.exit(main())
