"""Client CPU per request of candidate HTTP stacks against the real docker-registry.

Sequential ``GET /v2/<repo>/manifests/<digest>`` on one kept-alive connection, the
client's own CPU (``time.process_time``) divided by the requests; the registry runs in
its own process and is not counted.  Candidates: a ``requests.Session`` as the transport
used it, ``urllib3.HTTPConnectionPool.urlopen`` directly (``preload_content=False``,
streamed like the transport), plain ``http.client``, and ocitrace's own ``Transport``
(whatever stack it uses now: since issue 14's fifth session, ``transport/pool.py`` over
``transport/wire.py``, its own HTTP/1.1 reader and writer — so the Transport, with auth,
deadlines, retries and caps, comes close to the bare ``http.client`` figure: 0.28 ms
against 0.23 ms per request on 2026-12-04, from 0.44 ms over ``http.client``).

    .venv/bin/python bench/profile_http.py [N]
"""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import urllib3  # noqa: E402

from ocitrace.transport import Transport, TransportOptions  # noqa: E402
from tests.support.registry import fixture_dir, push_layout, start_registry  # noqa: E402

ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"


def per_request(fn: Callable[[], bytes], n: int) -> float:
    for _ in range(20):
        fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1000


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        reg = start_registry(Path(tmp))
        try:
            layout = fixture_dir("git-context-max")
            push_layout(reg, layout, "bench/http", "v1")
            index = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
            path = f"/v2/bench/http/manifests/{index}"
            url = reg.url + path
            headers = {"Accept": ACCEPT, "User-Agent": "bench", "Accept-Encoding": "identity"}

            sess = requests.Session()
            sess.trust_env = False

            def via_requests() -> bytes:
                r = sess.request(
                    "GET",
                    url,
                    headers=headers,
                    stream=True,
                    timeout=30,
                    allow_redirects=False,
                    verify=True,
                    proxies={},
                )
                body = b"".join(r.iter_content(65536))
                r.close()
                return body

            pool = urllib3.HTTPConnectionPool(
                reg.host.split(":")[0], int(reg.host.split(":")[1]), maxsize=4, retries=False
            )

            def via_urllib3() -> bytes:
                r = pool.urlopen(
                    "GET",
                    path,
                    headers=headers,
                    preload_content=False,
                    redirect=False,
                    retries=False,
                    timeout=urllib3.Timeout(30),
                )
                chunks = []
                while chunk := r.read(65536):
                    chunks.append(chunk)
                r.release_conn()
                return b"".join(chunks)

            conn = http.client.HTTPConnection(reg.host, timeout=30)

            def via_http_client() -> bytes:
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                return r.read()

            transport = Transport(TransportOptions(), environ={})

            def via_transport() -> bytes:
                r = transport.request(
                    "GET",
                    url,
                    registry=reg.host,
                    scope="repository:bench/http:pull",
                    headers={"Accept": ACCEPT},
                    stream=False,
                )
                return bytes(r.content)

            for name, fn in (
                ("requests.Session", via_requests),
                ("urllib3 pool", via_urllib3),
                ("http.client", via_http_client),
                ("ocitrace Transport", via_transport),
            ):
                print(f"  {name:20s} {per_request(fn, n):.3f} ms CPU per request")
            transport.close()
        finally:
            reg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
