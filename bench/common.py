"""What every benchmark shares: timing child processes, figures, the results JSON.

A :class:`Figure` is one measured thing (``ocitrace inspect`` at 25 ms, ``skopeo --version``):
its wall times and the child's CPU time (user + system of the children) per run, the
requests a latency proxy counted, and the names of the peers it is compared with.  Each
``bench_*.py`` script writes its figures with :func:`write_results` when given
``--json FILE``; ``bench/run.py`` merges them and prints one table, and
``bench/readme.py`` turns the merged JSON into the README's table.

CPU time is reported beside wall time because the benchmark machine is shared: other
processes stretch wall time, while a process's own CPU time moves much less.

A benchmark against a local registry may also record, per run, the CPU time the
registry process (``server_cpu``) and the latency proxy process (``proxy_cpu``) spent
during it (:func:`process_cpu`, from ``/proc/PID/stat``).  Those servers stand in for a
remote machine but share our cores: their CPU divided by the cores is a floor under the
wall time that no client can go below on this machine (:attr:`Figure.floor`).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: BENCH_QUICK=1: fewer runs and a smaller namespace (a quick sanity run, not for the README)
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def runs(default: int, quick: int = 1) -> int:
    """Repetitions: ``BENCH_RUNS`` if set, else ``quick`` in quick mode, else ``default``."""
    if os.environ.get("BENCH_RUNS"):
        return max(1, int(os.environ["BENCH_RUNS"]))
    return quick if QUICK else default


def ocitrace_cmd() -> list[str]:
    """How a user starts ocitrace: the venv's console script (``python -m`` adds runpy)."""
    script = Path(sys.executable).with_name("ocitrace")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ocitrace"]


def bench_env() -> dict[str, str]:
    """The environment of every measured process: bytecode caching on, as in any install.

    With ``PYTHONDONTWRITEBYTECODE`` set (as in some shells and CI jobs) every run would
    compile ocitrace from source (for ``api.py`` alone more than the whole start-up
    budget), so it is dropped, and the caches go to ``PYTHONPYCACHEPREFIX`` outside the
    tree (the warm-up runs fill it)."""
    import tempfile

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / f"ocitrace-bench-{os.getuid()}")
    )
    return env


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class Sample:
    """One child process: wall seconds, CPU seconds (user + sys), exit code, output."""

    wall: float
    cpu: float
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""


def run_once(
    cmd: Sequence[str] | str,
    *,
    stdin: bytes | None = None,
    shell: bool = False,
    env: dict[str, str] | None = None,
    capture: bool = False,
) -> Sample:
    """Run ``cmd`` to completion (in :func:`bench_env` unless ``env`` is given); wall time
    from fork to reap, CPU time of it and its children (``RUSAGE_CHILDREN`` delta: a shell
    loop's skopeo processes count)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(
        cmd,
        input=stdin,
        shell=shell,
        env=bench_env() if env is None else env,
        cwd=ROOT,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, res.returncode, res.stdout or b"", res.stderr or b"")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads; not its children) that process ``pid`` has
    used so far, from ``/proc/PID/stat`` (fields 14 and 15, in clock ticks)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "PID (comm) ": state is field 3
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def cpu_count() -> int:
    """The cores this process may run on (what the machine floor divides by)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check(sample: Sample, cmd: Sequence[str] | str) -> Sample:
    """``sample`` when it exited 0; otherwise stop the benchmark loudly."""
    if sample.returncode != 0:
        text = cmd if isinstance(cmd, str) else " ".join(cmd)
        tail = sample.stderr.decode(errors="replace")[-800:]
        raise SystemExit(f"benchmark command failed (exit {sample.returncode}): {text}\n{tail}")
    return sample


@dataclass
class Figure:
    """One measured thing: per-run wall and CPU seconds, and what it is compared with."""

    name: str
    group: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    requests: int | None = None
    peers: list[str] = field(default_factory=list)  # names of the Figures it is compared with
    note: str = ""
    target: str = ""  # the target, as text ("≥ 20× the skopeo loop")
    ok: bool | None = None  # the target met (None: no target, or not checked)
    #: the direction of the target's ratios: True = "N× faster" (peer median ÷ this median,
    #: higher is better), False = "N× the peer's time" (this median ÷ peer median)
    faster: bool = False
    #: per run, CPU seconds the registry process used meanwhile (empty: not measured)
    server_cpu: list[float] = field(default_factory=list)
    #: per run, CPU seconds the latency proxy process used meanwhile (empty: not measured)
    proxy_cpu: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.wall)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def max(self) -> float:
        return max(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def server_cpu_median(self) -> float:
        return statistics.median(self.server_cpu) if self.server_cpu else float("nan")

    @property
    def proxy_cpu_median(self) -> float:
        return statistics.median(self.proxy_cpu) if self.proxy_cpu else float("nan")

    @property
    def floor(self) -> float | None:
        """The machine's floor under this figure's wall time: the median over runs of
        (registry + proxy CPU) ÷ the cores — the servers' work alone, spread perfectly over
        every core, leaves no CPU for the client.  None when the servers were not measured."""
        if not self.server_cpu:
            return None
        proxy = self.proxy_cpu or [0.0] * len(self.server_cpu)
        return (
            statistics.median([a + b for a, b in zip(self.server_cpu, proxy, strict=True)])
            / cpu_count()
        )

    def add(
        self, sample: Sample, *, server_cpu: float | None = None, proxy_cpu: float | None = None
    ) -> None:
        self.wall.append(sample.wall)
        self.cpu.append(sample.cpu)
        if server_cpu is not None:  # whole clock ticks: round off the float noise
            self.server_cpu.append(round(server_cpu, 3))
        if proxy_cpu is not None:
            self.proxy_cpu.append(round(proxy_cpu, 3))

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.wall:
            out |= {"min": self.min, "median": self.median, "max": self.max}
            out["cpu_median"] = self.cpu_median
        if self.server_cpu:
            out["server_cpu_median"] = self.server_cpu_median
            out["floor"] = self.floor
            out["cpus"] = cpu_count()
        if self.proxy_cpu:
            out["proxy_cpu_median"] = self.proxy_cpu_median
        return out


def sample_round_robin(
    figures: Sequence[tuple[Figure, Callable[[], Sample]]], n: int, *, warmup: int = 1
) -> None:
    """Run every contender ``n`` times, interleaved (A B C A B C …) so that load changing
    during the run hits all of them alike; ``warmup`` unrecorded rounds first."""
    for i in range(warmup + n):
        for fig, fn in figures:
            sample = fn()
            if i >= warmup:
                fig.add(sample)


def ratio(fig: dict[str, Any], peer: dict[str, Any]) -> float | None:
    """The ratio of medians in the direction of ``fig``'s target (see :attr:`Figure.faster`):
    peer ÷ fig when the target is a speed-up, fig ÷ peer otherwise; None without medians."""
    a, b = fig.get("median"), peer.get("median")
    if not a or not b:
        return None
    return float(b / a if fig.get("faster") else a / b)


def ratio_label(fig: dict[str, Any], peer: dict[str, Any]) -> str:
    """``3.36× faster`` (a speed-up target) or ``0.42×`` (a share of the peer's time)."""
    r = ratio(fig, peer)
    if r is None:
        return ""
    return f"{r:.2f}× faster" if fig.get("faster") else f"{r:.2f}×"


def fmt_s(secs: float) -> str:
    """Seconds, with milliseconds below one second."""
    if secs != secs:  # nan
        return "–"
    return f"{secs * 1000:.1f} ms" if secs < 1 else f"{secs:.2f} s"


def write_results(
    path: str | os.PathLike[str] | None,
    bench: str,
    figures: Sequence[Figure],
    *,
    meta: dict[str, Any] | None = None,
    failures: Sequence[str] = (),
) -> None:
    """Write one benchmark's figures (``--json FILE``) for ``bench/run.py`` to merge."""
    if not path:
        return
    doc = {
        "bench": bench,
        "figures": [f.as_json() for f in figures],
        "meta": meta or {},
        "failures": list(failures),
        "load": loadavg(),
    }
    Path(path).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def json_arg(argv: Sequence[str]) -> str | None:
    """The FILE of ``--json FILE`` in ``argv`` (the bench scripts take no other argument)."""
    args = list(argv)
    if "--json" in args:
        i = args.index("--json")
        if i + 1 < len(args):
            return args[i + 1]
    return None


def tool_version(cmd: Sequence[str]) -> str:
    """First line of ``cmd`` (e.g. ``skopeo --version``), or '' when it is not installed."""
    if not shutil.which(cmd[0]):
        return ""
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (res.stdout or res.stderr).strip().splitlines()[0] if res.returncode == 0 else ""
