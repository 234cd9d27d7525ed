"""Measure one ``ocitrace audit`` of the bench namespace: wall, client CPU per request, peak RSS.

The namespace is bench_audit's (``REPOS`` × ``TAGS`` distinct BuildKit images with SLSA
provenance in Debian's docker-registry, reached through ``bench/latency_proxy.py`` adding
25 ms each way).  The registry's data directory is kept under ``--state`` between runs,
so seeding happens once.  Each measured run is a fresh ``python -m ocitrace audit``
process; its CPU (user+sys from ``wait4``) and peak RSS come from the kernel, its request
count from the proxy.  ``--profile FILE`` adds one run under cProfile (every thread:
``profile_threads.py``) and writes the top 25 functions by cumulative and by own time.

    .venv/bin/python bench/profile_audit.py --runs 3 --profile bench/profiles/audit-cold.txt
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_audit import push_distinct  # noqa: E402
from bench.latency_proxy import LatencyProxy, latency_proxy  # noqa: E402
from tests.support.registry import RunningRegistry, fixture_dir, start_registry  # noqa: E402


def seed(state: Path, repos: int, tags: int) -> RunningRegistry:
    marker = state / f"seeded-{repos}x{tags}"
    reg = start_registry(state / "registry")
    if not marker.exists():
        print(f"seeding {repos} × {tags} …", flush=True)
        fixture = fixture_dir("git-context-max")
        for r in range(repos):
            for t in range(tags):
                push_distinct(reg, fixture, f"bench/app{r:02d}", f"v{t}", r * tags + t + 1)
        marker.touch()
    return reg


def run_once(cmd: list[str]) -> tuple[float, float, int]:
    """(wall s, user+sys CPU s, peak RSS KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else b""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}: {err[-800:].decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def profile_text(prof: Path, title: str) -> str:
    out = io.StringIO()
    out.write(f"# {title}\n\n")
    stats = pstats.Stats(str(prof), stream=out)
    stats.strip_dirs()
    out.write("## top 25 by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(25)
    out.write("## top 25 by own time\n")
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=50)
    ap.add_argument("--tags", type=int, default=4)
    ap.add_argument("--delay", type=float, default=0.025)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--state", default=os.path.join(tempfile.gettempdir(), "ocitrace-profile"))
    ap.add_argument("--profile", help="write a cProfile text report of one cold run here")
    ap.add_argument("--warm-profile", help="the same for one warm run")
    ap.add_argument("--jobs", help="-j for the audit (default: the CLI's)")
    ap.add_argument("--label", default="", help="title of the profile reports")
    args = ap.parse_args()
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    reg = seed(state, args.repos, args.tags)
    try:
        with latency_proxy(reg.url, delay=args.delay) as proxy:
            measure(proxy, state, args)
    finally:
        reg.stop()
    return 0


def measure(lp: LatencyProxy, state: Path, args: argparse.Namespace) -> None:
    cache = state / "cache"
    jobs = ["-j", args.jobs] if args.jobs else []
    audit = ["-m", "ocitrace", "audit", f"{lp.host}/bench/", "-o", "jsonl", "--no-progress"]
    audit += [*jobs, "--cache-dir", str(cache)]
    py = [sys.executable]
    figures: dict[str, list[tuple[float, float, int, int]]] = {"cold": [], "warm": []}
    for _ in range(args.runs):
        shutil.rmtree(cache, ignore_errors=True)
        for kind in ("cold", "warm"):
            lp.clear()
            wall, cpu, rss = run_once(py + audit)
            figures[kind].append((wall, cpu, rss, lp.count()))
    base_cpu = statistics.median(
        run_once([*py, "-c", "import ocitrace.cli.main"])[1] for _ in range(3)
    )
    print(
        f"{args.repos}×{args.tags} images, +{args.delay * 1000:.0f} ms each way, {args.runs} runs"
    )
    print(f"  (start-up CPU: python -c 'import ocitrace.cli.main' {base_cpu * 1000:.0f} ms)")
    for kind, runs in figures.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        n = int(statistics.median(r[3] for r in runs))
        per = (cpu / n * 1000) if n else float("nan")
        net = ((cpu - base_cpu) / n * 1000) if n else float("nan")
        print(
            f"  {kind}: wall {wall:.2f} s [{min(r[0] for r in runs):.2f} … "
            f"{max(r[0] for r in runs):.2f}]  CPU {cpu:.2f} s  requests {n}  "
            f"CPU/request {per:.2f} ms ({net:.2f} ms without start-up)  peak RSS {rss / 1024:.0f} MiB"
        )
    for kind, target in (("cold", args.profile), ("warm", args.warm_profile)):
        if not target:
            continue
        prof = state / f"{kind}.prof"
        if kind == "cold":
            shutil.rmtree(cache, ignore_errors=True)
        lp.clear()
        run_once([*py, str(ROOT / "bench" / "profile_threads.py"), str(prof), *audit])
        title = f"{args.label} {kind} audit of {args.repos}×{args.tags}, {lp.count()} requests"
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(profile_text(prof, title.strip()))
        print(f"  profile of one {kind} run: {target}")


if __name__ == "__main__":
    sys.exit(main())
