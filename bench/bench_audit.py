"""Benchmark: ``ocitrace audit`` (cold, warm) and ``ocitrace digest`` against skopeo.

A namespace of 50 repositories × 4 tags (two-platform BuildKit indexes with SLSA
provenance, the ``git-context-max`` fixture) in Debian's docker-registry, reached
through a loopback proxy adding 25 ms each way.  Measured in one run, medians of
``BENCH_RUNS`` (default 3) repetitions:

* ``ocitrace audit`` with an empty cache (fetches index, attestation manifests and
  provenance blobs) and again with the warm cache;
* ``ocitrace digest`` of the 200 references from stdin;
* ``skopeo inspect --raw`` over the same references, sequentially and with ``xargs -P8``
  (raw manifest only: less work than the audit does).
"""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.registry import fixture_dir, push_layout, start_registry  # noqa: E402

REPOS, TAGS, DELAY = 50, 4, 0.025
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SKOPEO_RUNS = int(os.environ.get("BENCH_SKOPEO_RUNS", "1"))
OCITRACE = [sys.executable, "-m", "ocitrace"]


class _LatencyProxy(BaseHTTPRequestHandler):
    """Forward to the registry, sleeping ``DELAY`` before and after each exchange."""

    protocol_version = "HTTP/1.1"
    upstream = ("127.0.0.1", 0)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        time.sleep(DELAY)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        time.sleep(DELAY)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = _forward


def start_proxy(upstream: str) -> tuple[str, ThreadingHTTPServer]:
    host, port = upstream.split(":")
    handler = type("Proxy", (_LatencyProxy,), {"upstream": (host, int(port))})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"127.0.0.1:{server.server_address[1]}", server


def timed(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sh(cmd: list[str] | str, *, stdin: str | None = None, shell: bool = False) -> None:
    res = subprocess.run(
        cmd,
        input=stdin,
        text=True,
        shell=shell,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        cwd=ROOT,
    )
    if res.returncode not in (0,):
        raise SystemExit(
            f"{cmd if isinstance(cmd, str) else ' '.join(cmd)}: exit {res.returncode}: {res.stderr[-500:]}"
        )


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ocitrace-bench-"))
    reg = start_registry(tmp / "registry")
    try:
        print(f"populating {REPOS} repositories × {TAGS} tags …", flush=True)
        fixture = fixture_dir("git-context-max")
        for r in range(REPOS):
            for t in range(TAGS):
                push_layout(reg, fixture, f"bench/app{r:02d}", f"v{t}")
        proxy, server = start_proxy(reg.host)
        refs = [f"{proxy}/bench/app{r:02d}:v{t}" for r in range(REPOS) for t in range(TAGS)]
        refs_text = "\n".join(refs) + "\n"
        cache = tmp / "cache"
        env_skopeo = "skopeo inspect --raw --tls-verify=false"

        def audit_cold() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            sh(
                [
                    *OCITRACE,
                    "audit",
                    f"{proxy}/bench/",
                    "-o",
                    "jsonl",
                    "--no-progress",
                    "--cache-dir",
                    str(cache),
                ]
            )

        def audit_warm() -> None:
            sh(
                [
                    *OCITRACE,
                    "audit",
                    f"{proxy}/bench/",
                    "-o",
                    "jsonl",
                    "--no-progress",
                    "--cache-dir",
                    str(cache),
                ]
            )

        results: dict[str, float] = {}
        results["ocitrace audit (cold)"] = timed(audit_cold, RUNS)
        audit_cold()
        results["ocitrace audit (warm)"] = timed(audit_warm, RUNS)
        results["ocitrace digest × 200"] = timed(
            lambda: sh([*OCITRACE, "digest", "-"], stdin=refs_text), RUNS
        )
        if shutil.which("skopeo"):
            listfile = tmp / "refs.txt"
            listfile.write_text(refs_text)
            loop = f'while read r; do {env_skopeo} "docker://$r" >/dev/null || exit 1; done < {listfile}'
            xargs = f"xargs -P8 -I{{}} {env_skopeo} docker://{{}} < {listfile} >/dev/null"
            results["skopeo loop (sequential)"] = timed(lambda: sh(loop, shell=True), SKOPEO_RUNS)
            results["skopeo xargs -P8"] = timed(lambda: sh(xargs, shell=True), SKOPEO_RUNS)
        server.shutdown()
    finally:
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{REPOS}×{TAGS} images, +{DELAY * 1000:.0f} ms each way; medians of {RUNS} runs")
    for name, secs in results.items():
        print(f"  {name:28s} {secs:8.2f} s")
    cold, warm = results["ocitrace audit (cold)"], results["ocitrace audit (warm)"]
    print(f"\n  warm vs cold audit: {cold / warm:.1f}× faster (target ≥ 3×)")
    print(f"  200 digests: {results['ocitrace digest × 200']:.2f} s (target < 1.5 s)")
    if "skopeo loop (sequential)" in results:
        print(
            f"  cold audit vs skopeo loop: {results['skopeo loop (sequential)'] / cold:.1f}× faster (target ≥ 20×)"
        )
        print(
            f"  cold audit vs skopeo xargs -P8: {results['skopeo xargs -P8'] / cold:.1f}× faster (target > 1×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
