"""Audit at scale: 1,000 and 10,000 images cold — wall, CPU, peak memory, requests per image.

The namespaces come from ``bench/fake_registry.py`` (in memory, its own process, no
latency): docker-registry spends ~2–3 ms of CPU per request on this machine, so at
50,000 requests it, not the client, would be measured.  Each run is a fresh
``ocitrace audit HOST/scale/ -o jsonl --cache-dir EMPTY`` with output to /dev/null; peak
RSS is the child's ``ru_maxrss``; requests are counted by the fake registry.  The peer,
in the same run on the same 1,000 images, is ``xargs -P8 skopeo inspect --raw`` (one
manifest request per image; ocitrace reads the attestations as well).

Targets (issue 14, item 3): 1,000 images cold in ≤ 6 s with flat memory; 10,000 with
peak memory under 200 MiB and time growing linearly (here: ms per image at 10,000 at
most 1.5× that at 1,000).  ``BENCH_QUICK=1``: 100 and 1,000 images, one run each.

    .venv/bin/python bench/bench_scale.py [--json FILE]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    QUICK,
    Figure,
    Sample,
    bench_env,
    check,
    cpu_count,
    fmt_s,
    json_arg,
    loadavg,
    ocitrace_cmd,
    process_cpu,
    runs,
    tool_version,
    write_results,
)
from bench.fake_registry import running  # noqa: E402

#: (repositories, tags) of the small and the large namespace
SMALL, LARGE = ((10, 10), (100, 10)) if QUICK else ((100, 10), (1000, 10))
SMALL_RUNS = runs(3, quick=1)
SKOPEO_RUNS = int(os.environ.get("BENCH_SKOPEO_RUNS", "1"))
LIMIT_S, LIMIT_MIB, LINEAR = 6.0, 200, 1.5


def stats(host: str, *, reset: bool = False) -> dict[str, int]:
    url = f"http://{host}/_stats" + ("?reset" if reset else "")
    with urllib.request.urlopen(url, timeout=10) as reply:
        counts: dict[str, int] = json.loads(reply.read())
    return counts


def run_child(cmd: list[str] | str, *, shell: bool = False) -> tuple[Sample, int]:
    """One child process: its wall and CPU time (with its children) and peak RSS (KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        shell=shell,
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()  # before the wait: a full pipe would block the child
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # Linux: with the children it reaped (skopeo)
    return Sample(wall=wall, cpu=cpu, returncode=code, stderr=err), usage.ru_maxrss


def audit(fig: Figure, host: str, pid: int, tmp: Path, times: int) -> tuple[list[int], int]:
    """``times`` cold audits of ``host``; each run's peak RSS (KiB) and the last run's
    request count."""
    oc = ocitrace_cmd()
    rss: list[int] = []
    requests = 0
    for _ in range(times):
        cache = tmp / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        cmd = [
            *oc,
            "audit",
            f"{host}/scale/",
            "-o",
            "jsonl",
            "--no-progress",
            "--cache-dir",
            str(cache),
        ]
        stats(host, reset=True)
        server0 = process_cpu(pid)
        sample, peak = run_child(cmd)
        server1 = process_cpu(pid)
        if sample.returncode == 1:  # 1: policy findings (warnings), not a failure
            sample = Sample(sample.wall, sample.cpu, 0, sample.stdout, sample.stderr)
        check(sample, cmd)
        fig.add(sample, server_cpu=server1 - server0)
        rss.append(peak)
        counts = stats(host)
        requests = sum(counts.values())
        fig.note = ", ".join(f"{m} {n}" for m, n in sorted(counts.items()))
    fig.requests = requests
    return rss, requests


def main(argv: list[str]) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ocitrace-bench-scale-"))
    figures: list[Figure] = []
    facts: dict[str, float] = {}
    try:
        for (repos, tags), times in ((SMALL, SMALL_RUNS), (LARGE, 1)):
            n = repos * tags
            group = "audit at scale, fake registry (no latency), cold, -o jsonl"
            with running(repos, tags) as (host, pid):
                print(f"{n} images ({repos}×{tags}) at {host} …", flush=True)
                fig = Figure(f"ocitrace audit × {n} (cold)", group)
                rss, requests = audit(fig, host, pid, tmp, times)
                facts[f"rss_mib_{n}"] = max(rss) / 1024
                facts[f"ms_per_image_{n}"] = fig.median / n * 1000
                facts[f"requests_per_image_{n}"] = requests / n
                fig.note = (
                    f"peak RSS {max(rss) / 1024:.0f} MiB, {fig.median / n * 1000:.2f} ms and "
                    f"{requests / n:.2f} requests per image ({fig.note}); fake registry CPU "
                    f"{fmt_s(fig.server_cpu_median)}"
                )
                fig.server_cpu = []  # not docker-registry: no floor is claimed from it
                figures.append(fig)
                if (repos, tags) == SMALL and SKOPEO_RUNS > 0 and shutil.which("skopeo"):
                    refs = tmp / "refs.txt"
                    refs.write_text(
                        "".join(
                            f"{host}/scale/app{r:05d}:v{t}\n"
                            for r in range(repos)
                            for t in range(tags)
                        )
                    )
                    peer = Figure(f"skopeo xargs -P8 × {n}", group)
                    skopeo = "skopeo inspect --raw --tls-verify=false"
                    xargs = f"xargs -P8 -I{{}} {skopeo} docker://{{}} < {refs} >/dev/null"
                    for _ in range(SKOPEO_RUNS):
                        stats(host, reset=True)
                        sample, _ = run_child(xargs, shell=True)
                        check(sample, xargs)
                        peer.add(sample)
                    peer.requests = sum(stats(host).values())
                    peer.note = "the index's manifest only: no attestation is read"
                    figures.append(peer)
                    fig.peers = [peer.name]
                    fig.faster = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    judge(figures, facts)
    report(figures)
    meta = {
        "small": list(SMALL),
        "large": list(LARGE),
        "runs": SMALL_RUNS,
        "skopeo": tool_version(["skopeo", "--version"]),
        "cpus": cpu_count(),
        **{k: round(v, 3) for k, v in facts.items()},
    }
    write_results(json_arg(argv), "scale", figures, meta=meta)
    return 0


def judge(figures: list[Figure], facts: dict[str, float]) -> None:
    small_n, large_n = SMALL[0] * SMALL[1], LARGE[0] * LARGE[1]
    small = next(f for f in figures if f.name == f"ocitrace audit × {small_n} (cold)")
    large = next(f for f in figures if f.name == f"ocitrace audit × {large_n} (cold)")
    growth = facts[f"ms_per_image_{large_n}"] / facts[f"ms_per_image_{small_n}"]
    per_image_kib = (
        (facts[f"rss_mib_{large_n}"] - facts[f"rss_mib_{small_n}"]) * 1024 / (large_n - small_n)
    )
    if not QUICK:
        small.target, small.ok = f"≤ {LIMIT_S:.0f} s cold", small.median <= LIMIT_S
    large.target = (
        f"peak memory < {LIMIT_MIB} MiB, time linear (ms/image ≤ {LINEAR}× the small run's)"
    )
    large.ok = facts[f"rss_mib_{large_n}"] < LIMIT_MIB and growth <= LINEAR
    large.note += (
        f"; ms/image {growth:.2f}× the {small_n}-image run's; memory grows "
        f"{per_image_kib:.1f} KiB per image beyond {small_n}"
    )


def report(figures: list[Figure]) -> None:
    print(f"\naudit at scale; load {loadavg()}")
    print(f"  {'':32s} {'min':>9s} {'median':>9s} {'max':>9s} {'CPU med':>9s} {'req':>6s}")
    for f in figures:
        print(
            f"  {f.name:32s} {fmt_s(f.min):>9s} {fmt_s(f.median):>9s} {fmt_s(f.max):>9s} "
            f"{fmt_s(f.cpu_median):>9s} {f.requests or 0:>6d}"
        )
    for f in figures:
        for peer in f.peers:
            p = next(g for g in figures if g.name == peer)
            print(f"  {f.name} vs {peer}: {p.median / f.median:.1f}× faster")
    for f in figures:
        if f.target:
            mark = {True: "met", False: "NOT MET", None: "not checked"}[f.ok]
            print(f"  {f.name}: target {f.target}: {mark}\n    {f.note}")
        else:
            print(f"  {f.name}: {f.note}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
