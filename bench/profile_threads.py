"""Run a module under cProfile in EVERY thread and write one merged profile.

``python -m cProfile`` profiles the main thread only (in wall time), and an audit's work
happens on its worker threads.  This wraps ``threading.Thread.run`` so each thread gets
its own ``cProfile.Profile`` timed by that thread's CPU time (``time.thread_time``:
waits cost nothing, so the profile shows where CPU goes); at exit the main thread's and
every thread's stats are merged.

    python bench/profile_threads.py OUT.prof -m ocitrace audit ...
"""

from __future__ import annotations

import cProfile
import os
import pstats
import runpy
import sys
import threading
import time
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_original_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    prof = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(prof)
    prof.enable()
    try:
        _original_run(self)
    finally:
        prof.disable()


def main() -> int:
    out = sys.argv[1]
    if sys.argv[2] != "-m":
        raise SystemExit("usage: profile_threads.py OUT.prof -m MODULE [ARGS...]")
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    # as ``python -m``: the working directory first, not this script's (an installed
    # ocitrace, e.g. the editable one, must not shadow the tree being profiled)
    sys.path[0] = os.getcwd()
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    main_prof = cProfile.Profile(time.thread_time)
    code: Any = 0
    main_prof.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    finally:
        main_prof.disable()
        stats = pstats.Stats(main_prof)
        for prof in _profiles:
            try:
                stats.add(prof)
            except TypeError:  # never enabled (no calls recorded)
                pass
        stats.dump_stats(out)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
