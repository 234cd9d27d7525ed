"""Derive the audit's practice-check fixtures from real BuildKit layouts (``make``-free).

Run ``python tests/audit/derive_fixtures.py`` to rewrite ``fixtures/audit/``.  Each derived
layout is a real fixture from ``fixtures/buildkit`` with only the provenance fields named in
``fixtures/audit/README.md`` changed; the changed statements, attestation manifests and
index are re-hashed so the layout stays consistent (subjects still name the real images).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "fixtures" / "buildkit"
DST = ROOT / "fixtures" / "audit"

Edit = Callable[[dict[str, Any]], None]


def _meta(pred: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = pred["runDetails"]["metadata"]["buildkit_metadata"]
    return meta


def _args(pred: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = pred["buildDefinition"]["externalParameters"]["request"]["args"]
    return args


def dirty(pred: dict[str, Any]) -> None:
    _meta(pred)["vcs"]["revision"] += "-dirty"


#: Values made up for the fixtures (random, never valid anywhere).
SECRET_ARGS = {
    "build-arg:NPM_TOKEN": "npm_Qx7Lr2Vb9Kd4Zt1Wm8Hs3Jp6Fc5Ny0Ga",
    "build-arg:DEPLOY_SEED": "q9Z+tR4vL2xW8mK1nB7cY3hJ6dF0sP5aG/eU",
    "build-arg:GIT_COMMIT": "07be85a7caebab7ad15da277facf6078c2e7adab",
}


def secret_args(pred: dict[str, Any]) -> None:
    _args(pred).update(SECRET_ARGS)


def source_fork(pred: dict[str, Any]) -> None:
    _meta(pred)["vcs"]["source"] = "https://github.com/ocitrace-fixtures/fork.git"


BUSYBOX_HEX = "8f3e4e5bed2c0571dec28112438afe8c4f2ffc05543680546f2a4f224aae9c8c"
#: multi-plain's linux/amd64 image manifest (real, in ../buildkit/multi-plain).
MULTI_PLAIN_AMD64_HEX = "379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"


def base_is_multi_plain(pred: dict[str, Any]) -> None:
    """Every occurrence of the busybox base digest (materials and LLB) → multi-plain amd64."""
    text = json.dumps(pred).replace(BUSYBOX_HEX, MULTI_PLAIN_AMD64_HEX)
    pred.clear()
    pred.update(json.loads(text))


DERIVED: dict[str, tuple[str, Edit]] = {
    "base-current-max": ("run-secrets-ssh-max", base_is_multi_plain),
    "dirty-tree-max": ("multi-prov-max", dirty),
    "secret-args-max": ("multi-prov-max", secret_args),
    "source-mismatch-max": ("multi-prov-max", source_fork),
}


def _blob(root: Path, digest: str) -> bytes:
    return (root / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()


def _put(root: Path, data: bytes) -> tuple[str, int]:
    hexd = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / hexd).write_bytes(data)
    return f"sha256:{hexd}", len(data)


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def derive(name: str, base: str, edit: Edit) -> None:
    out = DST / name
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(SRC / base, out)
    layout = json.loads((out / "index.json").read_text())
    top = layout["manifests"][0]
    index = json.loads(_blob(out, top["digest"]))
    for entry in index["manifests"]:
        ann = entry.get("annotations", {})
        if ann.get("vnd.docker.reference.type") != "attestation-manifest":
            continue
        manifest = json.loads(_blob(out, entry["digest"]))
        for layer in manifest["layers"]:
            if "slsa.dev/provenance" not in layer["annotations"]["in-toto.io/predicate-type"]:
                continue
            statement = json.loads(_blob(out, layer["digest"]))
            edit(statement["predicate"])
            layer["digest"], layer["size"] = _put(out, _dump(statement))
        entry["digest"], entry["size"] = _put(out, _dump(manifest))
    top["digest"], top["size"] = _put(out, _dump(index))
    (out / "index.json").write_bytes(_dump(layout))
    _prune(out, layout)


def _prune(root: Path, layout: dict[str, Any]) -> None:
    """Drop blobs no longer referenced (the replaced statements, manifests, index)."""
    keep: set[str] = set()

    def walk(desc: dict[str, Any]) -> None:
        digest = desc["digest"]
        keep.add(digest.removeprefix("sha256:"))
        obj = json.loads(_blob(root, digest))
        for child in obj.get("manifests", []):
            walk(child)
        for d in [obj.get("config"), *obj.get("layers", [])]:
            if d:
                keep.add(d["digest"].removeprefix("sha256:"))

    for d in layout["manifests"]:
        walk(d)
    for blob in (root / "blobs" / "sha256").iterdir():
        if blob.name not in keep:
            blob.unlink()


def main() -> int:
    DST.mkdir(parents=True, exist_ok=True)
    for name, (base, edit) in DERIVED.items():
        derive(name, base, edit)
        print(f"{name} <- {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
