"""A fast, read-only fake registry for scale runs (1,000–10,000+ images): bench only.

docker-registry costs about 1 ms of CPU per request on this machine — for a 10,000-image
namespace (50,000 requests) that is the registry being measured, not the client.  This
serves the same shapes from memory with asyncio in its own process: ``REPOS`` × ``TAGS``
distinct images built from the ``git-context-max`` BuildKit fixture (a two-platform
index with SLSA provenance), each made unique as ``bench_audit.push_distinct`` does (its
provenance layers padded with ``n`` spaces), so no image shares an attestation with
another.  Layers are generated on request from (base layer, n); manifests are built at
start.  Endpoints: ``/v2/``, ``/v2/_catalog`` (one page), ``tags/list``, manifests by tag
or digest (HEAD and GET, with ``Docker-Content-Digest``) and blobs; anything else 404.
``/_stats`` (not a registry path: the benchmark's, never the client's) answers the requests
served so far by method, as JSON; ``/_stats?reset`` also sets them back to zero.

    python bench/fake_registry.py --repos 100 --tags 100   # prints "PORT <n>" when ready
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "buildkit" / "git-context-max"
_ATTESTATION = "attestation-manifest"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Content:
    """Every image's index and attestation manifests; layers described by (base, pad)."""

    def __init__(self, repos: int, tags: int) -> None:
        blobs = FIXTURE / "blobs" / "sha256"
        self.base: dict[str, bytes] = {
            "sha256:" + p.name: p.read_bytes() for p in blobs.iterdir() if p.is_file()
        }
        top = json.loads((FIXTURE / "index.json").read_text())["manifests"][0]["digest"]
        root = json.loads(self.base[top])
        if "manifests" in root and root["manifests"][0]["mediaType"].endswith("index.v1+json"):
            root = json.loads(self.base[root["manifests"][0]["digest"]])  # nested: use inner
        self.repos = [f"scale/app{r:05d}" for r in range(repos)]
        self.tags = [f"v{t}" for t in range(tags)]
        self.repo_set = frozenset(self.repos)
        self.manifests: dict[str, tuple[str, bytes]] = {}  # digest -> (media type, bytes)
        self.by_tag: dict[tuple[str, str], str] = {}
        self.layers: dict[str, tuple[str, int]] = {}  # digest -> (base digest, pad)
        n = 0
        for repo in self.repos:
            for tag in self.tags:
                n += 1
                self.by_tag[(repo, tag)] = self._image(root, n)

    def _image(self, root: dict[str, object], n: int) -> str:
        index = json.loads(json.dumps(root))
        for entry in index["manifests"]:
            ann = entry.get("annotations", {})
            if ann.get("vnd.docker.reference.type") != _ATTESTATION:
                continue
            att = json.loads(self.base[entry["digest"]])
            for layer in att["layers"]:
                data = self.base[layer["digest"]] + b" " * n
                digest = _sha(data)
                self.layers[digest] = (layer["digest"], n)
                layer["digest"], layer["size"] = digest, len(data)
            raw = json.dumps(att).encode()
            entry["digest"], entry["size"] = self._put(att["mediaType"], raw), len(raw)
        return self._put(index["mediaType"], json.dumps(index).encode())

    def _put(self, media_type: str, raw: bytes) -> str:
        digest = _sha(raw)
        self.manifests[digest] = (media_type, raw)
        return digest

    def blob(self, digest: str) -> bytes | None:
        if digest in self.layers:
            base, pad = self.layers[digest]
            return self.base[base] + b" " * pad
        return self.base.get(digest)


class Server(asyncio.Protocol):
    content: Content
    counts: ClassVar[dict[str, int]] = {}  # method → requests served (``/_stats`` not counted)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.buf[:1] == b"\x16":  # a TLS ClientHello (skopeo tries HTTPS first): refuse
            self.transport.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")  # as Go's server does
            self.transport.close()
            return
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, _ = line.split(" ", 2)
            self.answer(method, target)

    def answer(self, method: str, target: str) -> None:
        path, _, query = target.partition("?")
        if path == "/_stats":
            body = json.dumps(Server.counts).encode()
            if query == "reset":
                Server.counts = {}
            status, headers = "200 OK", ["Content-Type: application/json"]
        else:
            Server.counts[method] = Server.counts.get(method, 0) + 1
            status, headers, body = self.route(path)
        lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        if method != "HEAD":
            self.transport.write(body)

    def route(self, path: str) -> tuple[str, list[str], bytes]:
        c = self.content
        json_type = "Content-Type: application/json"
        if path in ("/v2/", "/v2"):
            return "200 OK", [json_type], b"{}"
        if path == "/v2/_catalog":
            return "200 OK", [json_type], json.dumps({"repositories": c.repos}).encode()
        if not path.startswith("/v2/"):
            return "404 Not Found", [], b""
        rest = path[4:]
        if rest.endswith("/tags/list"):
            repo = rest[: -len("/tags/list")]
            if repo not in c.repo_set:
                return "404 Not Found", [], b""
            return "200 OK", [json_type], json.dumps({"name": repo, "tags": c.tags}).encode()
        if "/manifests/" in rest:
            repo, _, ref = rest.rpartition("/manifests/")
            digest = ref if ref.startswith("sha256:") else c.by_tag.get((repo, ref), "")
            found = c.manifests.get(digest)
            if found is None:
                return "404 Not Found", [json_type], b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'
            media_type, raw = found
            return (
                "200 OK",
                [f"Content-Type: {media_type}", f"Docker-Content-Digest: {digest}"],
                raw,
            )
        if "/blobs/" not in rest:
            return "404 Not Found", [], b""
        ref = rest.rpartition("/blobs/")[2]
        data = c.blob(ref)
        if data is None:
            return "404 Not Found", [json_type], b'{"errors":[{"code":"BLOB_UNKNOWN"}]}'
        return "200 OK", ["Content-Type: application/octet-stream"], data


async def serve(content: Content, port: int) -> None:
    Server.content = content
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Server, "127.0.0.1", port, backlog=4096)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def running(repos: int, tags: int) -> Iterator[tuple[str, int]]:
    """``(host, pid)`` of this server in its own process, serving ``repos`` × ``tags``
    distinct images (stopped on exit)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--repos", str(repos), "--tags", str(tags)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"fake registry did not start: {line!r}")
        yield f"127.0.0.1:{line.split()[1]}", proc.pid
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=100)
    ap.add_argument("--tags", type=int, default=10)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    asyncio.run(serve(Content(args.repos, args.tags), args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
