"""`make bench`: run every benchmark in bench/ in turn and print their reports.

Each bench_*.py is a standalone script printing medians and ratios against a peer measured
in the same run (skopeo from Debian).  A benchmark that fails is reported and the rest go on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        if rc != 0:
            failed.append(script.name)
            print(f"{script.name}: exit {rc}", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
