"""Benchmark and regression gate: ocitrace start-up against ``python -c pass`` and skopeo.

Targets (issue 14 item 1), each the ocitrace process's wall time above ``python -c pass``
run by the same interpreter in the same run:

* ``ocitrace --version``: at most 15 ms more;
* ``ocitrace digest oci-layout://…`` and ``ocitrace inspect oci-layout://…`` of one
  reference: at most 60 ms more.

Every contender runs ``BENCH_STARTUP_RUNS`` times (default 20; 5 with ``BENCH_QUICK=1``),
interleaved so that load moving during the run hits them alike.  The gate compares the
*minimum* of each (on a shared machine the minimum is the run the least disturbed by other
processes) and exits 1 naming every missed target: ``make bench`` fails loudly.  Wall
min/median/max and the median CPU time (user + sys) are printed beside each other.

Peers measured in the same run: ``skopeo --version`` and ``skopeo inspect --raw`` of the
same layout (``oci:DIR:TAG``) and, when Debian's docker-registry is installed, the same
image on a loopback registry (``docker://``, ``--tls-verify=false``) beside ``ocitrace
digest``/``inspect`` of it.

``python -X importtime`` (minimum over a few runs of the sum of every module's own time,
minus ``python -c pass``'s) shows where start-up goes: the top-level imports of each
command and whether the registry path loads TLS, requests, the template engine, decoders.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    QUICK,
    Figure,
    Sample,
    bench_env,
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

RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "0")) or runs(20, quick=5)
IMPORT_RUNS = 2 if QUICK else 5
LAYOUT = "fixtures/buildkit/multi-prov-max"
LAYOUT_REF = f"oci-layout://{LAYOUT}:v1"
PY = [sys.executable]
#: (figure, allowed seconds above ``python -c pass``)
BUDGETS = {
    "ocitrace --version": 0.015,
    "ocitrace digest (layout)": 0.060,
    "ocitrace inspect (layout)": 0.060,
}
#: modules whose presence in a command's import list is worth a line in the report
WATCH = (
    "ssl",
    "_ssl",
    "http.client",
    "urllib3",
    "requests",
    "cryptography",
    "sigstore",
    "ocitrace.template",
    "ocitrace.transport",
    "ocitrace.registry",
    "ocitrace.attest",
    "ocitrace.discover",
    "ocitrace.inspect",
    "dateutil",
)


def contenders(registry_host: str | None) -> list[tuple[Figure, list[str]]]:
    oc = ocitrace_cmd()
    out: list[tuple[Figure, list[str]]] = [
        (Figure("python -c pass", "startup", note="the same interpreter"), [*PY, "-c", "pass"]),
        (
            Figure("ocitrace --version", "startup", peers=["python -c pass", "skopeo --version"]),
            [*oc, "--version"],
        ),
        (
            Figure(
                "ocitrace digest (layout)",
                "startup",
                peers=["python -c pass", "skopeo inspect --raw (layout)"],
            ),
            [*oc, "digest", LAYOUT_REF],
        ),
        (
            Figure(
                "ocitrace inspect (layout)",
                "startup",
                peers=["python -c pass", "skopeo inspect --raw (layout)"],
            ),
            [*oc, "inspect", LAYOUT_REF],
        ),
    ]
    skopeo = shutil.which("skopeo")
    if skopeo:
        out += [
            (Figure("skopeo --version", "startup"), [skopeo, "--version"]),
            (
                Figure("skopeo inspect --raw (layout)", "startup"),
                [skopeo, "inspect", "--raw", f"oci:{LAYOUT}:v1"],
            ),
        ]
    if registry_host:
        ref = f"{registry_host}/bench/startup:v1"
        peer = ["skopeo inspect --raw (registry)"] if skopeo else []
        out += [
            (Figure("ocitrace digest (registry)", "startup", peers=peer), [*oc, "digest", ref]),
            (Figure("ocitrace inspect (registry)", "startup", peers=peer), [*oc, "inspect", ref]),
        ]
        if skopeo:
            out.append(
                (
                    Figure("skopeo inspect --raw (registry)", "startup"),
                    [skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"],
                )
            )
    return out


# --- -X importtime -----------------------------------------------------------------------

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime(cmd: Sequence[str]) -> tuple[int, list[tuple[int, str]], set[str]]:
    """Sum of every module's own import time (µs), the top-level imports (cumulative µs,
    name) and every module imported, for ``cmd`` run with ``python -X importtime``."""
    if cmd[0] == sys.executable:
        full = [sys.executable, "-X", "importtime", *cmd[1:]]
    else:  # the console script: run it with the same interpreter
        full = [sys.executable, "-X", "importtime", *cmd]
    res = subprocess.run(
        full, capture_output=True, text=True, check=False, cwd=ROOT, env=bench_env()
    )
    total, top, names = 0, [], set()
    for m in _LINE.finditer(res.stderr):
        total += int(m.group(1))
        names.add(m.group(4))
        if len(m.group(3)) == 1:  # one space: imported by the command itself
            top.append((int(m.group(2)), m.group(4)))
    return total, sorted(top, reverse=True), names


def import_report(rows: list[tuple[Figure, list[str]]]) -> dict[str, Any]:
    """Minimum import time of each ocitrace contender above ``python -c pass``."""
    ours = [(f, c) for f, c in rows if f.name.startswith(("ocitrace", "python"))]
    best: dict[str, tuple[int, list[tuple[int, str]], set[str]]] = {}
    for _ in range(IMPORT_RUNS):
        for fig, cmd in ours:
            got = importtime(cmd)
            if fig.name not in best or got[0] < best[fig.name][0]:
                best[fig.name] = got
    base_total, _, base_names = best["python -c pass"]
    report: dict[str, Any] = {}
    for name, (total, top, names) in best.items():
        if name == "python -c pass":
            continue
        report[name] = {
            "import_ms": round((total - base_total) / 1000, 1),
            "modules": len(names - base_names),
            "top": [[n, round(us / 1000, 1)] for us, n in top if n not in base_names][:8],
            "loads": sorted(
                w for w in WATCH if any(n == w or n.startswith(w + ".") for n in names)
            ),
        }
    return report


# --- the run -----------------------------------------------------------------------------


def measure(registry_host: str | None) -> tuple[list[Figure], dict[str, Any]]:
    rows = contenders(registry_host)

    def runner(cmd: list[str]) -> Callable[[], Sample]:
        return lambda: check(run_once(cmd), cmd)

    sample_round_robin([(fig, runner(cmd)) for fig, cmd in rows], RUNS, warmup=2)
    imports = import_report(rows)
    return [fig for fig, _ in rows], imports


def gate(figures: list[Figure]) -> list[str]:
    """Set each budgeted figure's ``ok``; the missed targets as messages."""
    by_name = {f.name: f for f in figures}
    base = by_name["python -c pass"]
    failures = []
    for name, budget in BUDGETS.items():
        fig = by_name[name]
        over = fig.min - base.min
        fig.target = f"≤ {budget * 1000:.0f} ms over python -c pass"
        fig.ok = over <= budget
        fig.note = (
            f"{over * 1000:+.1f} ms over python (min), {(fig.median - base.median) * 1000:+.1f}"
            f" median, CPU {(fig.cpu_median - base.cpu_median) * 1000:+.1f} ms"
        )
        if not fig.ok:
            failures.append(
                f"{name}: {over * 1000:.1f} ms above python -c pass (min of {len(fig.wall)}), "
                f"target ≤ {budget * 1000:.0f} ms"
            )
    return failures


def report(figures: list[Figure], imports: dict[str, Any], failures: list[str]) -> None:
    load = " / ".join(f"{x:.2f}" for x in loadavg())
    print(f"start-up, {RUNS} interleaved runs each; load average {load} on {os.cpu_count()} CPUs")
    print(f"  {'':34s} {'min':>9s} {'median':>9s} {'max':>9s} {'CPU med':>9s}")
    for fig in figures:
        print(
            f"  {fig.name:34s} {fmt_s(fig.min):>9s} {fmt_s(fig.median):>9s} "
            f"{fmt_s(fig.max):>9s} {fmt_s(fig.cpu_median):>9s}  {fig.note}"
        )
    print(f"\n-X importtime (min of {IMPORT_RUNS}; sum of own times above python -c pass):")
    for name, info in imports.items():
        top = ", ".join(f"{n} {ms}" for n, ms in info["top"][:6])
        print(f"  {name:30s} {info['import_ms']:6.1f} ms, {info['modules']:3d} modules: {top}")
        print(f"  {'':30s} loads: {', '.join(info['loads']) or '(none of the watched)'}")
    for fig in figures:
        if fig.ok is not None:
            mark = "ok" if fig.ok else "MISSED"
            print(f"  target {fig.name}: {fig.target}: {mark}")
    if failures:
        print("\nSTART-UP REGRESSION:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)


def main(argv: Sequence[str] = ()) -> int:
    registry_host = None
    with tempfile.TemporaryDirectory(prefix="ocitrace-startup-") as tmp:
        reg = None
        if shutil.which("docker-registry"):
            from tests.support.registry import fixture_dir, push_layout, start_registry

            reg = start_registry(Path(tmp), mode="anonymous")
            push_layout(reg, fixture_dir("multi-prov-max"), "bench/startup", "v1", auth=None)
            registry_host = reg.host
        try:
            figures, imports = measure(registry_host)
        finally:
            if reg is not None:
                reg.stop()
    failures = gate(figures)
    report(figures, imports, failures)
    meta = {
        "runs": RUNS,
        "python": sys.version.split()[0],
        "skopeo": tool_version(["skopeo", "--version"]),
        "importtime": imports,
        "layout": LAYOUT_REF,
    }
    write_results(json_arg(argv), "startup", figures, meta=meta, failures=failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
