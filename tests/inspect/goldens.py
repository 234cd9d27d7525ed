"""Golden buildx outputs under fixtures/golden and helpers to compare against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden" / "buildx"
QUIRKS = ROOT / "fixtures" / "golden" / "buildx-quirks"
QUIRKS_CASES = QUIRKS / "cases"
QUIRKS_LAYOUT = QUIRKS / "input-images" / "quirks-layout"
BUILDKIT = ROOT / "fixtures" / "buildkit"
GOLDEN_PREFIX = "127.0.0.1:5200/ocitrace/"
QUIRKS_PREFIX = "127.0.0.1:5100/quirks/"


def golden_index() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "index.json").read_text())
    return data


def fixtures() -> list[str]:
    return [str(f["name"]) for f in golden_index()["fixtures"]]


def cases() -> list[tuple[str, list[str]]]:
    return [(str(c["id"]), list(c["args"])) for c in golden_index()["cases"]]


def golden(fixture: str, case: str, prefix: str = GOLDEN_PREFIX) -> bytes:
    """A golden output with the registry prefix replaced (only the full ``HOST:PORT/ocitrace/``)."""
    data = (GOLDEN / fixture / f"{case}.out").read_bytes()
    return data.replace(GOLDEN_PREFIX.encode(), prefix.encode())


def sort_annotation_blocks(text: str) -> str:
    """Sort the lines inside each annotation block (buildx prints them in Go map order)."""
    out: list[str] = []
    block: list[str] = []
    for line in text.split("\n"):
        if line.startswith("    ") and line.strip():
            block.append(line)
            continue
        out += sorted(block)
        block = []
        out.append(line)
    out += sorted(block)
    return "\n".join(out)


def quirks_layout_tags() -> dict[str, str]:
    """Layout tag (``multi-v1``) -> the reference it was served under in the goldens."""
    idx = json.loads((QUIRKS_LAYOUT / "index.json").read_text())
    return {
        m["annotations"]["org.opencontainers.image.ref.name"]: m["annotations"][
            "io.containerd.image.name"
        ]
        for m in idx["manifests"]
    }
