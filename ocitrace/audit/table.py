"""The audit table for a terminal: fits the width, drops empty columns, colours on request.

:func:`render_table` lays out rows (platform rows or ``--by image`` folds) in plain
columns two spaces apart.  Repositories are shown relative to ``base`` (the target's
``registry/namespace/``); columns with nothing but ``-`` are dropped; when the table is
wider than ``width`` the widest elidable columns shrink and their values are cut with
``…`` (repositories from the left, so the name stays).  ``wide`` keeps every column and
value whole.  Colour (status and finding severities) is added after layout, so widths
are never off by an escape sequence; registry text is made terminal-safe first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from ..textsafe import escape_line
from .practices import CHECKS, Severity
from .rows import COLUMNS, Row

__all__ = [
    "TABLE_COLUMNS",
    "TableStyle",
    "colour_enabled",
    "render_table",
    "row_findings",
    "row_state",
    "target_base",
]

#: Table columns: the row model's plus FINDINGS (practice findings the policy shows).
TABLE_COLUMNS: dict[str, str] = {
    "change": "CHANGE",
    **{k: v for k, v in COLUMNS.items() if k != "status"},
    "findings": "FINDINGS",
    "status": "STATUS",
}
_KEEP = ("repository", "tag", "status")  # never dropped as empty
_CHANGE_ANSI = {"new": "1;33", "changed": "36", "gone": "2"}
#: Columns shrunk to fit, in this order, each down to this width (then the next one).
_SHRINK = (
    ("source", 16),
    ("builder", 14),
    ("signer", 32),
    ("status", 12),
    ("findings", 16),
    ("built", 10),  # the date alone
    ("platform", 11),
    ("checks", 8),
    ("repository", 16),
    ("tag", 8),
)
_LEFT_ELIDE = ("repository",)
_ANSI = {
    "ok": "32",
    "warn": "33",
    "fail": "31",
    "error": "35",
    Severity.HIGH.value: "1;31",
    Severity.MEDIUM.value: "33",
    Severity.LOW.value: "36",
    Severity.INFO.value: "2",
}


@dataclass(frozen=True, slots=True)
class TableStyle:
    width: int | None = 100  # None: no limit
    wide: bool = False
    colour: bool = False
    base: str = ""  # repository prefix to strip (``registry/namespace/``)


def colour_enabled(mode: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """``--color auto|always|never``; auto: a terminal and ``NO_COLOR`` unset or empty."""
    env = os.environ if environ is None else environ
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


def target_base(repositories: Sequence[str], targets: Sequence[str] = ()) -> str:
    """The ``registry/namespace/`` every repository shares (shown once, not per row).

    A target that names a registry or a ``namespace/`` prefix is the base when every
    repository is under it; otherwise the repositories' common leading path segments.
    """
    repos = list(dict.fromkeys(repositories))
    if not repos:
        return ""
    for t in targets:
        prefix = t if t.endswith("/") else t + "/"
        if all(r.startswith(prefix) and len(r) > len(prefix) for r in repos):
            return prefix
    parts = [r.split("/")[:-1] for r in repos]
    shared: list[str] = []
    for segs in zip(*parts, strict=False):
        if len(set(segs)) != 1:
            break
        shared.append(segs[0])
    return "/".join(shared) + "/" if shared else ""


def row_findings(row: Row) -> list[dict[str, Any]]:
    """The visible findings of a row (a folded row: its platforms', each once)."""
    out: list[dict[str, Any]] = []
    if row.parts:
        for part in row.parts:
            out += row_findings(part)
        return out
    return [f for f in row.records.get("findings") or [] if f.get("action") != "ignore"]


def row_state(row: Row) -> str:
    status = row.status.value
    if status == "ok" and any(f.get("action") == "warn" for f in row_findings(row)):
        return "warn"
    return status


def _findings_cell(row: Row) -> list[tuple[str, str]]:
    """(text, severity) pieces: distinct ids, worst severity first, ``xN`` when repeated."""
    counts: dict[str, int] = {}
    sev: dict[str, str] = {}
    for f in row_findings(row):
        fid = str(f.get("id"))
        counts[fid] = counts.get(fid, 0) + 1
        sev[fid] = str(f.get("severity", "info"))
    order = list(CHECKS)

    def rank(fid: str) -> tuple[int, int]:
        try:
            s = Severity(sev[fid]).rank
        except ValueError:
            s = 0
        return (-s, order.index(fid) if fid in order else len(order))

    return [(fid, sev[fid]) for fid in sorted(counts, key=rank)]


def _safe(text: str) -> str:
    """A cell on one line: control characters (newline and tab too) shown as ``\\xHH``."""
    return escape_line(text)


def _cells(row: Row, base: str, wide: bool) -> dict[str, str]:
    cells = {k: _safe(v) for k, v in row.cells().items()}
    repo = row.repository
    if base and repo.startswith(base) and len(repo) > len(base):
        cells["repository"] = _safe(repo[len(base) :])
    ids = [_safe(t) for t, _ in _findings_cell(row)]
    if wide:
        cells["findings"] = ",".join(ids) or "-"
    else:  # the worst one, and how many more
        cells["findings"] = (ids[0] + (f" +{len(ids) - 1}" if len(ids) > 1 else "")) if ids else "-"
    state = row_state(row)
    if state == "warn":
        cells["status"] = "warn"
    return cells


def _elide(text: str, width: int, left: bool = False) -> str:
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    return "…" + text[-(width - 1) :] if left else text[: width - 1] + "…"


def _elide_signer(text: str, width: int) -> str:
    """``verified …/workflow.yml@refs/tags/v1``: the outcome word kept, the identity cut
    from the left (its end names the workflow and ref)."""
    word, sep, rest = text.partition(" ")
    if len(text) <= width or not sep or len(word) + 3 > width:
        return _elide(text, width)
    return f"{word} {_elide(rest, width - len(word) - 1, left=True)}"


def render_table(
    rows: Sequence[Row],
    columns: Sequence[str] | None = None,
    style: TableStyle | None = None,
    *,
    change: Callable[[Row], str] | None = None,
    gone: Sequence[Row] = (),
) -> str:
    """The table as text (header and one line per row; empty string for no rows).

    With a baseline, ``change`` marks each row (``new``/``changed``/``unchanged``, shown
    in a CHANGE column) and ``gone`` rows (from the baseline) close the table.
    """
    if not rows and not gone:
        return ""
    st = style or TableStyle()
    cols = [c for c in (columns or TABLE_COLUMNS) if c in TABLE_COLUMNS]
    if change is None:
        cols = [c for c in cols if c != "change"]
    elif "change" not in cols:
        cols.insert(0, "change")
    body = [_cells(r, st.base, st.wide) for r in rows]
    for r, b in zip(rows, body, strict=True):
        b["change"] = change(r) if change is not None else ""
        if b["change"] == "unchanged":
            b["change"] = "-"
    for r in gone:
        b = _cells(r, st.base, st.wide)
        b.update(change="gone", status="gone", findings="-")
        body.append(b)
    rows = [*rows, *gone]
    if not st.wide:
        cols = [c for c in cols if c in _KEEP or any(b[c] not in ("-", "") for b in body)]
    widths = {c: max(len(TABLE_COLUMNS[c]), *(len(b[c]) for b in body)) for c in cols}
    if not st.wide and st.width is not None:
        _fit(widths, st.width, cols)  # may drop columns from ``cols``
    lines = []
    header = "  ".join(TABLE_COLUMNS[c].ljust(widths[c]) for c in cols).rstrip()
    lines.append(header)
    for row, b in zip(rows, body, strict=True):
        out = []
        for i, c in enumerate(cols):
            if c == "built" and len(b[c]) > widths[c]:
                text = b[c][: widths[c]].rstrip()  # "2026-11-22 09:56" -> "2026-11-22"
            else:
                text = (
                    _elide_signer(b[c], widths[c])
                    if c == "signer"
                    else _elide(b[c], widths[c], c in _LEFT_ELIDE)
                )
            pad = "" if i == len(cols) - 1 else " " * (widths[c] - len(text))
            out.append(_colour(row, c, text, st.colour) + pad)
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines) + "\n"


#: Dropped, in this order, when shrinking alone does not fit (``--wide`` shows them).
_DROP = ("builder", "checks", "source", "digest", "sbom", "built", "provenance", "signer")


def _fit(widths: dict[str, int], limit: int, cols: list[str]) -> None:
    """Fit ``limit``: shrink columns in :data:`_SHRINK` order down to their floors, then
    drop columns in :data:`_DROP` order, then shrink to the header widths."""

    def excess() -> int:
        return sum(widths[c] for c in cols) + 2 * (len(cols) - 1) - limit

    def shrink(hard: bool) -> None:
        for col, floor in _SHRINK:
            if col in cols and excess() > 0:
                low = max(len(TABLE_COLUMNS[col]), 4) if hard else floor
                widths[col] = min(widths[col], max(low, widths[col] - excess()))

    natural = dict(widths)
    drops = [c for c in _DROP if c in cols]
    while True:
        widths.update(natural)
        shrink(False)
        if excess() <= 0 or not drops:
            break
        cols.remove(drops.pop(0))
    shrink(True)


def _colour(row: Row, column: str, text: str, enabled: bool) -> str:
    if not enabled:
        return text
    if column == "change":
        code = _CHANGE_ANSI.get(text)
        return f"\x1b[{code}m{text}\x1b[0m" if code else text
    if column == "status":
        code = _ANSI.get(row_state(row)) if text != "gone" else _CHANGE_ANSI["gone"]
        return f"\x1b[{code}m{text}\x1b[0m" if code else text
    if column == "findings" and text != "-":
        sev = dict(_findings_cell(row))
        pieces = []
        for piece in text.split(","):
            fid = piece.split(" ")[0].rstrip("…")
            code = _ANSI.get(sev.get(fid, ""))
            pieces.append(f"\x1b[{code}m{piece}\x1b[0m" if code else piece)
        return ",".join(pieces)
    return text
