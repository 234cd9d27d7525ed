"""The audit's client work without its HTTP: record a namespace once, replay it in-process.

``record HOST/NAMESPACE/`` audits a registry (no disk cache) and pickles every answer the
audit's sources gave (catalog, tag lists, manifests, blobs).  ``replay`` runs the same
``Client.audit`` with sources that answer from the recording: what is left is the
parsing, discovery, record building, policy, practice checks and row packing (with
``--cache``: also a fresh disk cache's writes), measured as process CPU.  Cold audit CPU
minus this figure is what the HTTP side costs.  For a per-thread CPU profile, run it
under ``bench/profile_threads.py`` (heavy overhead: compare shares, not seconds).

    .venv/bin/python bench/profile_replay.py record 127.0.0.1:PORT/bench/
    .venv/bin/python bench/profile_replay.py replay [--cache]
    .venv/bin/python bench/profile_threads.py OUT.prof -m bench.profile_replay replay

The recording holds the registry's bytes: it is read back only by this script.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocitrace.errors import NotFound  # noqa: E402
from ocitrace.oci.model import Descriptor  # noqa: E402
from ocitrace.source import Fetched, Referrers, SourceWrapper  # noqa: E402

RECORDING = Path(tempfile.gettempdir()) / "ocitrace-replay.pkl"
Key = tuple[str, str]


def record(target: str, path: Path) -> None:
    from ocitrace.api import Client

    data: dict[str, dict[Any, Any]] = {"catalog": {}, "manifest": {}, "blob": {}, "tags": {}}

    class Recorder(SourceWrapper):
        def __init__(self, inner: Any, key: Key) -> None:
            super().__init__(inner)
            self.key = key

        @property
        def name(self) -> str:
            return str(self._inner.name)

        def manifest(self, ref: str) -> Fetched:
            got: Fetched = self._inner.manifest(ref)
            data["manifest"][(self.key, ref)] = got
            return got

        def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
            got: bytes = self._inner.blob(desc, max_size=max_size)
            data["blob"][(self.key, desc.digest)] = got
            return got

        def tags(self) -> Iterator[str]:
            tags = list(self._inner.tags())
            data["tags"][self.key] = tags
            return iter(tags)

    with Client() as client:
        registry = client.registry
        open_repo, list_repos = registry.repository, registry.catalog

        def repository(host: str, name: str) -> Any:
            return Recorder(open_repo(host, name), (host, name))

        def catalog(host: str, prefix: str = "") -> Iterator[str]:
            names = list(list_repos(host, prefix))
            data["catalog"][(host, prefix)] = names
            return iter(names)

        registry.repository = repository  # type: ignore[method-assign]
        registry.catalog = catalog  # type: ignore[method-assign]
        result = client.audit([target])
    data["target"] = {"": target}
    path.write_bytes(pickle.dumps(data))
    print(
        f"recorded {len(result.rows)} rows: " + ", ".join(f"{k} {len(v)}" for k, v in data.items())
    )


def replay(path: Path, cache: bool) -> None:
    import ocitrace.api as api
    from ocitrace.api import Client
    from ocitrace.audit.cache import DiskCache

    data = pickle.loads(path.read_bytes())
    for (key, _), fetched in list(data["manifest"].items()):  # a tag's manifest by digest too
        data["manifest"].setdefault((key, fetched.descriptor.digest), fetched)

    class Replayed:
        def __init__(self, key: Key) -> None:
            self.key = key

        @property
        def name(self) -> str:
            return "/".join(self.key)

        def resolve(self, ref: str) -> Descriptor:
            fetched: Fetched = data["manifest"][(self.key, ref)]
            return fetched.descriptor

        def manifest(self, ref: str) -> Fetched:
            fetched: Fetched = data["manifest"][(self.key, ref)]
            return fetched

        def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:
            blob: bytes = data["blob"][(self.key, desc.digest)]
            return blob

        def tags(self) -> Iterator[str]:
            return iter(data["tags"][self.key])

        def referrers(self, digest: str, artifact_type: str | None = None) -> Referrers:
            raise NotFound(f"{digest}: not recorded")

    class Catalog:
        def repository(self, host: str, name: str) -> Replayed:
            return Replayed((host, name))

        def catalog(self, host: str, prefix: str = "") -> Iterator[str]:
            return iter(data["catalog"][(host, prefix)])

    api._LazyCatalog = lambda client: Catalog()  # type: ignore[assignment,misc]
    with Client() as client, tempfile.TemporaryDirectory() as tmp:
        client.registry.repository = Catalog().repository  # type: ignore[assignment,method-assign]
        disk = DiskCache(tmp, write_behind=True) if cache else None
        cpu, wall = time.process_time(), time.perf_counter()
        result = client.audit([data["target"][""]], cache=disk)
        if disk is not None:
            disk.close()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    images = len({(r.repository, r.tag) for r in result.rows})
    print(
        f"replay: {len(result.rows)} rows, {images} images: CPU {cpu:.3f} s "
        f"({cpu / max(images, 1) * 1000:.2f} ms/image), wall {wall:.3f} s"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="audit TARGET and keep every answer")
    rec.add_argument("target", help="HOST/NAMESPACE/ as for ocitrace audit")
    rep = sub.add_parser("replay", help="audit the recording in-process, no HTTP")
    rep.add_argument("--cache", action="store_true", help="with a fresh disk cache")
    for p in (rec, rep):
        p.add_argument("--file", type=Path, default=RECORDING, help=f"default {RECORDING}")
    args = ap.parse_args()
    if args.command == "record":
        record(args.target, args.file)
    else:
        replay(args.file, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
