"""`make bench`: run every benchmark, print one table, write the results JSON.

Each benchmark is a standalone script (``bench/startup.py``, ``bench/bench_*.py``) that
measures ocitrace beside its peers in the same run and writes its figures with
``--json FILE``.  This runner merges them into ``BENCH_RESULTS`` (default
``bench/results.json``; ``make bench-readme`` turns it into the README table) and prints,
for every figure, wall min/median/max, median CPU (user + sys), requests, and the median
ratio to each peer — with the load average at the start and end of each benchmark (the
machine may be shared: CPU time moves much less than wall time under load) — and, where
a benchmark measured them, the local registry's and latency proxy's CPU during the runs
and the machine floor they set (``bench/common.py``).

Exit status: 1 when a benchmark failed or the start-up gate (``bench/startup.py``) missed
a target, with the reason printed last; 0 otherwise.  ``BENCH_QUICK=1`` makes a quick
sanity run (fewer runs, smaller audit namespaces); ``BENCH_ONLY=startup,inspect`` runs a
subset; ``BUILDX=/path/to/docker-buildx`` adds buildx to the inspect cases.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.common import QUICK, fmt_s, loadavg, ratio_label  # noqa: E402

#: (name, script, timeout in seconds): start-up first, while nothing else of ours runs
BENCHES: list[tuple[str, str, int]] = [
    ("startup", "startup.py", 300),
    ("inspect", "bench_inspect.py", 400),
    ("audit", "bench_audit.py", 900),
    ("scale", "bench_scale.py", 900),
    ("template", "bench_template.py", 120),
]
NAN = float("nan")
RESULTS = Path(os.environ.get("BENCH_RESULTS", HERE / "results.json"))


def run_bench(name: str, script: str, timeout: int) -> dict[str, Any]:
    """Run one benchmark script; its JSON document plus its exit status and load."""
    print(f"\n=== {name} ({script}) ===", flush=True)
    load_start, started = loadavg(), time.monotonic()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    try:
        rc = subprocess.call(
            [sys.executable, str(HERE / script), "--json", str(path)],
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        rc = -1
        print(f"{script}: still running after {timeout} s; stopped", flush=True)
    try:
        text = path.read_text(encoding="utf-8")
        doc: dict[str, Any] = json.loads(text) if text.strip() else {}
    finally:
        path.unlink(missing_ok=True)
    doc.setdefault("bench", name)
    doc.setdefault("figures", [])
    doc.setdefault("failures", [])
    doc["exit"] = rc
    doc["load_start"] = load_start
    doc["load_end"] = loadavg()
    doc["seconds"] = round(time.monotonic() - started, 1)
    return doc


def ratio_text(fig: dict[str, Any], by_name: dict[str, dict[str, Any]]) -> str:
    """``0.42× skopeo …`` (median ÷ peer median) or, for a speed-up target,
    ``3.36× faster than ocitrace audit (cold)`` (peer median ÷ median) — per peer, in the
    direction its target is judged in (:func:`bench.common.ratio`)."""
    parts = []
    for peer in fig.get("peers", []):
        other = by_name.get(peer)
        label = ratio_label(fig, other) if other else ""
        if label:
            parts.append(f"{label} {'than ' if fig.get('faster') else ''}{peer}")
    return "; ".join(parts)


def print_table(docs: list[dict[str, Any]]) -> None:
    by_name = {f["name"]: f for d in docs for f in d["figures"]}
    print(
        "\n=== results (wall min / median / max, median CPU; ratio = median / peer median,"
        " or 'N× faster' = peer median / median where the target is a speed-up) ==="
    )
    for doc in docs:
        start = " / ".join(f"{x:.2f}" for x in doc["load_start"])
        end = " / ".join(f"{x:.2f}" for x in doc["load_end"])
        print(f"\n{doc['bench']}: load average {start} at start, {end} at end ({doc['seconds']} s)")
        group = None
        for fig in doc["figures"]:
            if fig["group"] != group:
                group = fig["group"]
                print(f"  [{group}]")
            req = f"{fig['requests']} req" if fig.get("requests") is not None else ""
            target = ""
            if fig.get("target"):
                mark = {True: "met", False: "NOT MET", None: "not checked"}[fig.get("ok")]
                target = f"  target {fig['target']}: {mark}"
            print(
                f"    {fig['name']:44s} {fmt_s(fig.get('min', NAN)):>9s} {fmt_s(fig.get('median', NAN)):>9s} "
                f"{fmt_s(fig.get('max', NAN)):>9s}  CPU {fmt_s(fig.get('cpu_median', NAN)):>9s} "
                f"{req:>8s}  {ratio_text(fig, by_name)}{target}"
            )
            if fig.get("server_cpu_median") is not None:
                print(
                    f"    {'':44s} registry CPU {fmt_s(fig['server_cpu_median'])}, proxy CPU "
                    f"{fmt_s(fig.get('proxy_cpu_median', NAN))}: floor {fmt_s(fig['floor'])} "
                    f"on {fig.get('cpus', '?')} cores"
                )
            if fig.get("target") and fig.get("note"):
                print(f"    {'':44s} {fig['note']}")


def main() -> int:
    only = {x for x in os.environ.get("BENCH_ONLY", "").split(",") if x}
    started = datetime.datetime.now(datetime.UTC)
    docs = [run_bench(*b) for b in BENCHES if not only or b[0] in only]
    print_table(docs)
    problems = []
    for doc in docs:
        if doc["exit"] != 0 and not doc["failures"]:
            problems.append(f"{doc['bench']}: exit {doc['exit']}")
        problems += [f"{doc['bench']}: {line}" for line in doc["failures"]]
    results = {
        "generated": started.isoformat(timespec="seconds"),
        "quick": QUICK,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "benches": docs,
        "problems": problems,
    }
    if not only and not QUICK:
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nresults: {RESULTS} (make bench-readme puts them in README.md)")
    else:  # a partial or quick run must not replace the full results the README is made of
        partial = RESULTS.with_name("results-partial.json")
        partial.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nresults (quick or partial run): {partial}")
    if problems:
        print("\nBENCHMARK FAILED:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
