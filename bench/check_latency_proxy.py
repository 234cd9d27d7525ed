"""Check ``bench/latency_proxy.py``: one GET costs ≈ 2 × delay + registry time, and
N concurrent GETs (each on its own kept-alive connection) cost about the same as one
plus what the registry itself needs for N at once (measured directly beside it).

Not a benchmark of ocitrace: run it by hand (``python bench/check_latency_proxy.py``).
"""

from __future__ import annotations

import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency_proxy import latency_proxy  # noqa: E402
from tests.support.registry import fixture_dir, push_layout, start_registry  # noqa: E402

PATH = "/v2/check/proxy/manifests/v1"
ACCEPT = {"Accept": "application/vnd.oci.image.index.v1+json"}


def get(conn: http.client.HTTPConnection) -> float:
    start = time.perf_counter()
    conn.request("GET", PATH, headers=ACCEPT)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise SystemExit(f"GET {PATH}: {resp.status}")
    return time.perf_counter() - start


def concurrent(host: str, n: int) -> tuple[float, float]:
    """Median and max latency of ``n`` GETs released at once on warm connections."""
    name, port = host.split(":")
    conns = [http.client.HTTPConnection(name, int(port)) for _ in range(n)]
    for conn in conns:
        get(conn)
    times = [0.0] * n
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        barrier.wait()
        times[i] = get(conns[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statistics.median(times), max(times)


def main() -> int:
    sys.setswitchinterval(0.0005)  # let 64 measuring threads take turns quickly
    with tempfile.TemporaryDirectory() as tmp:
        reg = start_registry(Path(tmp), mode="anonymous")
        try:
            push_layout(reg, fixture_dir("multi-prov-max"), "check/proxy", "v1", auth=None)
            with latency_proxy(reg.url, delay=0.025) as proxy:
                name, port = proxy.host.split(":")
                conn = http.client.HTTPConnection(name, int(port))
                get(conn)
                single = statistics.median(get(conn) for _ in range(10))
                print(f"one GET through the proxy: {single * 1000:.1f} ms (2 × 25 ms + registry)")
                for n in (1, 16, 64, 128):
                    d_med, d_max = concurrent(reg.host, n)
                    p_med, p_max = concurrent(proxy.host, n)
                    print(
                        f"{n:4d} at once: direct median {d_med * 1000:6.1f} max {d_max * 1000:6.1f}"
                        f" | proxied median {p_med * 1000:6.1f} max {p_max * 1000:6.1f} ms"
                    )
                proxy.clear()
                get(conn)
                print(f"requests counted for one GET: {proxy.count()}")
        finally:
            reg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
