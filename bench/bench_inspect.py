"""Benchmark: ``ocitrace inspect`` vs ``skopeo inspect --raw`` through a 25 ms loopback proxy.

A 3-platform attested BuildKit fixture (multi-prov-max) is pushed to Debian's
docker-registry; every request then crosses ``bench/latency_proxy.py`` (raw TCP, its own
process) adding 25 ms each way and counting requests.
Cases: the default listing, ``{{json .Provenance}}`` and ``{{.Manifest.Digest}}``.
For each: median wall time and request count over several runs, side by side with
``skopeo inspect --raw`` of the same image measured in the same run.

ocitrace runs as ``python -m ocitrace inspect`` (a fresh process per run, like skopeo).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency_proxy import LatencyProxy, latency_proxy  # noqa: E402
from tests.support.registry import fixture_dir, push_layout, start_registry  # noqa: E402

FIXTURE = "multi-prov-max"
LATENCY = 0.025
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
# (label, args, requests buildx v0.36.1 makes for it on this fixture: BUILDX.md §e —
# default 2; any --format resolves and fetches the top twice, all 6 children, 3 configs;
# .Provenance adds one layer per platform)
CASES: list[tuple[str, list[str], int]] = [
    ("default listing", [], 2),
    ("{{json .Provenance}}", ["--format", "{{json .Provenance}}"], 16),
    ("{{.Manifest.Digest}}", ["--format", "{{.Manifest.Digest}}"], 13),
]


def timed(cmd: list[str], proxy: LatencyProxy) -> tuple[float, int, bytes]:
    """Wall time, requests seen by the proxy, and stdout of one run."""
    proxy.clear()
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"{cmd!r} failed: {res.stderr.decode(errors='replace')}")
    return elapsed, proxy.count(), res.stdout


def measure(cmd: list[str], proxy: LatencyProxy) -> tuple[float, int]:
    timed(cmd, proxy)  # warm the page cache / imports
    runs = [timed(cmd, proxy) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), int(statistics.median(r[1] for r in runs))


def main() -> int:
    if not shutil.which("docker-registry"):
        print("docker-registry not installed; skipping")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        reg = start_registry(Path(tmp), mode="anonymous")
        try:
            push_layout(reg, fixture_dir(FIXTURE), f"ocitrace/{FIXTURE}", "v1", auth=None)
            with latency_proxy(reg.url, delay=LATENCY) as proxy:
                ref = f"{proxy.host}/ocitrace/{FIXTURE}:v1"
                report(ref, proxy)
        finally:
            reg.stop()
    return 0


def report(ref: str, proxy: LatencyProxy) -> None:
    skopeo = ["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"]
    peer_t, peer_n = measure(skopeo, proxy) if shutil.which("skopeo") else (float("nan"), 0)
    print(f"{FIXTURE} via proxy ({LATENCY * 1000:.0f} ms each way), median of {RUNS} runs")
    print(
        f"{'case':<24} {'ocitrace s':>10} {'req':>4} {'skopeo s':>9} {'req':>4} "
        f"{'time ratio':>10} {'buildx req':>10}"
    )
    for label, args, buildx_n in CASES:
        cmd = [sys.executable, "-m", "ocitrace", "inspect", *args, ref]
        t, n = measure(cmd, proxy)
        ratio = t / peer_t if peer_t == peer_t and peer_t > 0 else float("nan")
        print(
            f"{label:<24} {t:>10.3f} {n:>4} {peer_t:>9.3f} {peer_n:>4} {ratio:>10.2f} {buildx_n:>10}"
        )
    print("time ratio = ocitrace / skopeo (below 1: ocitrace is faster); skopeo fetches only")
    print("the raw top level.  buildx req: documented counts (BUILDX.md §e), not measured here.")


if __name__ == "__main__":
    sys.exit(main())
