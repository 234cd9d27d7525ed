"""Hostile copies of real fixture layouts: one blob rewritten, every parent fixed up.

:func:`rewrite_blob` replaces one blob of a copied layout with other bytes and rewrites
every manifest, index and ``index.json`` that points at it (descriptor digest and size,
and BuildKit's ``vnd.docker.reference.digest`` annotation), up to the top, so the only
thing wrong in the layout is the one malformed document: digests all verify.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.registry import fixture_dir

__all__ = ["blob_json", "copy_fixture", "rewrite_blob", "sha"]


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def copy_fixture(name: str, dest: Path) -> Path:
    """A writable copy of ``fixtures/buildkit/NAME``."""
    shutil.copytree(fixture_dir(name), dest)
    return dest


def blob_json(layout: Path, digest: str) -> Any:
    return json.loads((layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes())


def rewrite_blob(layout: Path, old: str, data: bytes) -> str:
    """Replace blob ``old`` by ``data`` and fix up every parent; returns the new digest."""
    blobs = layout / "blobs" / "sha256"
    new = sha(data)
    (blobs / new.split(":")[1]).write_bytes(data)
    moved = {old: (new, len(data))}
    changed = True
    while changed:  # parents of rewritten blobs, until nothing points at an old digest
        changed = False
        for path in sorted(blobs.iterdir()):
            name = "sha256:" + path.name
            if name in moved or name in {n for n, _ in moved.values()}:
                continue
            raw = path.read_bytes()
            if not any(d.encode() in raw for d in moved):
                continue
            doc = json.loads(raw)
            for was, (now, size) in list(moved.items()):
                _repoint(doc, was, now, size)
            body = json.dumps(doc).encode()
            (blobs / sha(body).split(":")[1]).write_bytes(body)
            moved[name] = (sha(body), len(body))
            changed = True
    index = json.loads((layout / "index.json").read_text())
    for was, (now, size) in moved.items():
        _repoint(index, was, now, size)
    (layout / "index.json").write_text(json.dumps(index))
    return new


def _repoint(doc: Any, old: str, new: str, size: int) -> None:
    if isinstance(doc, dict):
        if doc.get("digest") == old:
            doc["digest"], doc["size"] = new, size
        for key, value in doc.items():
            if value == old:  # vnd.docker.reference.digest and the like
                doc[key] = new
            else:
                _repoint(value, old, new, size)
    elif isinstance(doc, list):
        for value in doc:
            _repoint(value, old, new, size)
