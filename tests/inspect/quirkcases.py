"""The ``--format`` runs of buildx on the hand-built quirks images (README table in the goldens)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from .goldens import QUIRKS, QUIRKS_CASES, QUIRKS_PREFIX


@dataclass(frozen=True, slots=True)
class QuirkCase:
    """One buildx run: its stem, reference, template, TZ and what it printed."""

    stem: str
    ref: str  # as typed, with QUIRKS_PREFIX
    template: str
    tz: str | None
    exit_code: int

    @property
    def stdout(self) -> bytes:
        return (QUIRKS_CASES / f"{self.stem}.txt").read_bytes()

    @property
    def stderr(self) -> str:
        path = QUIRKS_CASES / f"{self.stem}.stderr.txt"
        return path.read_text() if path.exists() else ""


def _rows() -> list[tuple[str, str, int]]:
    rows = []
    for line in (QUIRKS / "README.md").read_text().splitlines():
        if not line.startswith("| `") or "imagetools inspect" not in line:
            continue
        cells = [c.strip() for c in line.replace("\\|", "\0").strip("|").split(" | ")]
        stem, command, code = (c.replace("\0", "|") for c in cells)
        rows.append((stem.strip("`"), command.strip("`"), int(code)))
    return rows


def format_cases() -> list[QuirkCase]:
    """Every README run of ``imagetools inspect REF --format TEMPLATE`` on 127.0.0.1:5100."""
    out = []
    for stem, command, code in _rows():
        tz = None
        if command.startswith("TZ="):
            env, command = command.split(" ", 1)
            tz = env[3:]
        argv = shlex.split(command)
        if argv[:2] != ["imagetools", "inspect"] or "--format" not in argv or "--raw" in argv:
            continue
        rest = argv[2:]
        template = rest[rest.index("--format") + 1]
        refs = [
            a
            for i, a in enumerate(rest)
            if a != "--format" and (i == 0 or rest[i - 1] != "--format")
        ]
        if len(refs) != 1 or not refs[0].startswith(QUIRKS_PREFIX):
            continue
        if stem == "multi.format-Manifest-newline":
            template = template.replace("\\n", "\n")  # the only row with a real newline
        out.append(QuirkCase(stem, refs[0], template, tz, code))
    return out


def layout_entry(layout: Path, ref: str) -> dict[str, object]:
    """The quirks layout's ``index.json`` entry served as ``ref`` (tag ``:latest`` when none)."""
    if "@" not in ref.rsplit("/", 1)[-1] and ":" not in ref.rsplit("/", 1)[-1]:
        ref += ":latest"
    for m in json.loads((layout / "index.json").read_text())["manifests"]:
        if m["annotations"]["io.containerd.image.name"] == ref:
            return dict(m)
    raise KeyError(ref)
