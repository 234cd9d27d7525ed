"""Audit scale: wall, CPU and peak RSS of cold (and warm) audits of 1,000–10,000+ images.

The namespace comes from ``bench/fake_registry.py`` (in-memory, its own process), so the
registry's CPU does not drown the client's; ``--delay`` puts ``bench/latency_proxy.py``
in front (25 ms each way, as the other benches).  Each size runs as a fresh
``python -m ocitrace audit HOST/scale/ -o jsonl`` with output to /dev/null (``--output``
for another format, ``--no-cache`` to leave the disk cache out of the peak RSS).

    .venv/bin/python bench/profile_scale.py --sizes 100x10,250x10,1000x10 [--delay 0.025]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fake_registry import running  # noqa: E402
from bench.latency_proxy import latency_proxy  # noqa: E402
from bench.profile_audit import run_once  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100x10,1000x10", help="REPOSxTAGS,…")
    ap.add_argument("--delay", type=float, default=0.0, help="one-way latency (s) via the proxy")
    ap.add_argument("--warm", action="store_true", help="also a warm run per size")
    ap.add_argument("--jobs", help="-j for the audit")
    ap.add_argument("--output", default="jsonl", help="-o for the audit (default jsonl)")
    ap.add_argument("--no-cache", action="store_true", help="audit with --no-cache")
    args = ap.parse_args()
    print(f"latency {args.delay * 1000:.0f} ms each way")
    for size in args.sizes.split(","):
        repos, tags = (int(x) for x in size.split("x"))
        with running(repos, tags) as (host, _), tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            with contextlib.ExitStack() as stack:
                target = host
                proxy = None
                if args.delay:
                    proxy = stack.enter_context(latency_proxy(f"http://{host}", delay=args.delay))
                    target = proxy.host
                cmd = [
                    sys.executable,
                    "-m",
                    "ocitrace",
                    "audit",
                    f"{target}/scale/",
                    "-o",
                    args.output,
                    "--no-progress",
                    *(["--no-cache"] if args.no_cache else ["--cache-dir", str(cache)]),
                ]
                cmd += ["-j", args.jobs] if args.jobs else []
                for kind in ("cold", "warm") if args.warm else ("cold",):
                    if proxy is not None:
                        proxy.clear()
                    wall, cpu, rss = run_once(cmd)
                    n = proxy.count() if proxy is not None else 0
                    reqs = f"  requests {n} ({n / (repos * tags):.2f}/image)" if n else ""
                    print(
                        f"  {repos * tags:6d} images ({repos}×{tags}) {kind}: wall {wall:6.2f} s  "
                        f"CPU {cpu:6.2f} s  peak RSS {rss / 1024:5.0f} MiB  "
                        f"{wall / (repos * tags) * 1000:.2f} ms/image{reqs}",
                        flush=True,
                    )
            shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
