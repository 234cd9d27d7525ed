"""Helpers for the real-world producer fixtures (fixtures/realworld, see its SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.registry import RunningRegistry, _push_tree

REALWORLD = Path(__file__).resolve().parents[2] / "fixtures" / "realworld"
COSIGN_LAYOUT = REALWORLD / "cosign-save-layout-slsa-generic-container-v1.10.0"

_SUFFIX = {
    "dev.cosignproject.cosign/atts": ".att",
    "dev.cosignproject.cosign/sigs": ".sig",
    "dev.cosignproject.cosign/sboms": ".sbom",
}


def cosign_load(reg: RunningRegistry, layout: Path, repo: str, tag: str) -> str:
    """Push a ``cosign save`` layout the way ``cosign load`` does: the image entry under
    ``tag``, each store entry under the cosign tag ``sha256-<hex>.att|.sig|.sbom``, bytes
    unchanged.  Returns the image digest."""
    entries = json.loads((layout / "index.json").read_text())["manifests"]
    image = next(
        e for e in entries if e["annotations"]["kind"].rsplit("/", 1)[1] in ("image", "imageIndex")
    )
    digest = _push_tree(reg, layout, repo, image, tag, None)
    for e in entries:
        suffix = _SUFFIX.get(e["annotations"]["kind"])
        if suffix:
            _push_tree(reg, layout, repo, e, digest.replace(":", "-") + suffix, None)
    return digest
