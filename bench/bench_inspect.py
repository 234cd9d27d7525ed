"""Benchmark: ``ocitrace inspect`` vs skopeo (and buildx) through a loopback latency proxy.

A 3-platform attested BuildKit fixture (multi-prov-max) is pushed to Debian's
docker-registry; every request then crosses ``bench/latency_proxy.py`` (raw TCP, its own
process) adding ``BENCH_LATENCIES`` (default 25 and 100 ms) each way and counting requests.
Cases: the default listing, ``{{json .Provenance}}`` and ``{{.Manifest.Digest}}``.
For each: wall min/median/max, CPU and request count over ``BENCH_RUNS`` runs (default 7;
2 with ``BENCH_QUICK=1``), interleaved with its peers measured in the same run:

* ``skopeo inspect --raw --tls-verify=false`` of the same image (the raw top level only:
  less work than any case; skopeo first probes HTTPS, one more round trip);
* ``$BUILDX imagetools inspect`` with the same arguments when ``BUILDX`` names a buildx
  binary (``docker-buildx``); otherwise buildx's documented request counts (BUILDX.md §e)
  are printed as a note.

ocitrace runs as its console script (a fresh process per run, like skopeo and buildx).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    Figure,
    Sample,
    check,
    fmt_s,
    json_arg,
    loadavg,
    ocitrace_cmd,
    run_once,
    runs,
    sample_round_robin,
    tool_version,
    write_results,
)
from bench.latency_proxy import LatencyProxy, latency_proxy  # noqa: E402
from tests.support.registry import fixture_dir, push_layout, start_registry  # noqa: E402

FIXTURE = "multi-prov-max"
LATENCIES = [float(x) / 1000 for x in os.environ.get("BENCH_LATENCIES", "25,100").split(",")]
RUNS = runs(7, quick=2)
BUILDX = os.environ.get("BUILDX", "")
# (label, args, requests buildx v0.36.1 makes for it on this fixture: BUILDX.md §e —
# default 2; any --format resolves and fetches the top twice, all 6 children, 3 configs;
# .Provenance adds one layer per platform)
CASES: list[tuple[str, list[str], int]] = [
    ("default listing", [], 2),
    ("{{json .Provenance}}", ["--format", "{{json .Provenance}}"], 16),
    ("{{.Manifest.Digest}}", ["--format", "{{.Manifest.Digest}}"], 13),
]


def counted(cmd: list[str], proxy: LatencyProxy, counts: list[int]) -> Callable[[], Sample]:
    """One run of ``cmd``; the requests the proxy saw during it appended to ``counts``."""

    def run() -> Sample:
        proxy.clear()
        sample = check(run_once(cmd), cmd)
        counts.append(proxy.count())
        return sample

    return run


def measure(ref: str, proxy: LatencyProxy, delay: float) -> list[Figure]:
    ms = f"{delay * 1000:.0f} ms"
    group = f"inspect, +{ms} each way"
    rows: list[tuple[Figure, Callable[[], Sample], list[int]]] = []

    def add(fig: Figure, cmd: list[str]) -> None:
        counts: list[int] = []
        rows.append((fig, counted(cmd, proxy, counts), counts))

    skopeo = shutil.which("skopeo")
    skopeo_name = f"skopeo inspect --raw @{ms}"
    if skopeo:
        add(
            Figure(skopeo_name, group, note="raw top level only"),
            [skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"],
        )
    for label, args, buildx_n in CASES:
        buildx_name = f"buildx {label} @{ms}"
        peers = ([skopeo_name] if skopeo else []) + ([buildx_name] if BUILDX else [])
        note = "" if BUILDX else f"buildx (documented): {buildx_n} requests"
        add(
            Figure(f"ocitrace inspect {label} @{ms}", group, peers=peers, note=note),
            [*ocitrace_cmd(), "inspect", *args, ref],
        )
        if BUILDX:
            add(Figure(buildx_name, group), [BUILDX, "imagetools", "inspect", *args, ref])
    sample_round_robin([(fig, fn) for fig, fn, _ in rows], RUNS)
    for fig, _, counts in rows:
        fig.requests = int(statistics.median(counts[-RUNS:]))
    return [fig for fig, _, _ in rows]


def report(figures: list[Figure]) -> None:
    print(f"{FIXTURE} via latency proxy, {RUNS} interleaved runs each; load {loadavg()}")
    print(f"  {'':44s} {'min':>9s} {'median':>9s} {'max':>9s} {'CPU med':>9s} {'req':>4s}")
    for f in figures:
        print(
            f"  {f.name:44s} {fmt_s(f.min):>9s} {fmt_s(f.median):>9s} {fmt_s(f.max):>9s} "
            f"{fmt_s(f.cpu_median):>9s} {f.requests:>4d}  {f.note}"
        )


def main(argv: list[str]) -> int:
    if not shutil.which("docker-registry"):
        print("docker-registry not installed; skipping")
        return 0
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        reg = start_registry(Path(tmp), mode="anonymous")
        try:
            push_layout(reg, fixture_dir(FIXTURE), f"ocitrace/{FIXTURE}", "v1", auth=None)
            for delay in LATENCIES:
                with latency_proxy(reg.url, delay=delay) as proxy:
                    figures += measure(f"{proxy.host}/ocitrace/{FIXTURE}:v1", proxy, delay)
        finally:
            reg.stop()
    report(figures)
    meta = {
        "fixture": FIXTURE,
        "runs": RUNS,
        "latencies_ms": [d * 1000 for d in LATENCIES],
        "skopeo": tool_version(["skopeo", "--version"]),
        "buildx": tool_version([BUILDX, "version"]) if BUILDX else "",
    }
    write_results(json_arg(argv), "inspect", figures, meta=meta)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
