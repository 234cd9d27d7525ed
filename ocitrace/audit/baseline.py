"""Compare an audit with a previous JSON report (``--baseline FILE``).

Rows are matched by (repository, tag, platform).  Each current row is ``new`` (not in the
baseline), ``changed`` (another digest, provenance — builder, source, revision, mode,
build time — or other findings / failures) or ``unchanged``; baseline rows with no
current match come back as ``gone``.  A **regression** is a failing row whose failures
were not failures in the baseline (a new failing row, or a row that fails for a new
reason); ``--fail-on new`` fails CI on regressions only.  Failure messages are compared
with their numbers blanked (``built 120d ago`` and ``built 121d ago`` are the same reason).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FormatError, UsageError

__all__ = ["Comparison", "apply_baseline", "change_of", "compare", "load_baseline"]

_PROVENANCE_KEYS = ("provenance", "builder", "source", "revision", "mode", "slsaVersion", "builtAt")
#: Bound on a baseline file (a JSON report of a large registry is a few MiB).
MAX_BASELINE_SIZE = 256 * 1024 * 1024

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The current rows marked, the gone ones, and the regressions (row indexes)."""

    rows: list[dict[str, Any]]  # current rows with "change" (and "changes": what differs)
    gone: list[dict[str, Any]]  # baseline rows not seen now, with "change": "gone"
    regressions: list[dict[str, Any]]

    def all_rows(self) -> list[dict[str, Any]]:
        return [*self.rows, *self.gone]


def load_baseline(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a previous report: an audit JSON document, or a plain ``-o json``
    array / ``-o jsonl`` lines; FormatError when it is none of them."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BASELINE_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read baseline {p}: {exc.strerror or exc}", input=str(p)) from exc
    if len(data) > MAX_BASELINE_SIZE:
        raise FormatError(f"baseline {p} is larger than {MAX_BASELINE_SIZE} bytes", input=str(p))
    try:
        text = data.decode("utf-8")
        try:
            doc: Any = json.loads(text)
        except ValueError:
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, RecursionError) as exc:
        raise FormatError(
            f"baseline {p} is not a JSON audit report: {exc}",
            input=str(p),
            hint="write one with ocitrace audit --report json=FILE (or -o json)",
        ) from exc
    rows = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and isinstance(r.get("repository"), str) for r in rows
    ):
        raise FormatError(
            f"baseline {p} has no audit rows",
            input=str(p),
            hint="write one with ocitrace audit --report json=FILE (or -o json)",
        )
    return [r for r in rows if r.get("change") != "gone"]


def _key(row: Mapping[str, Any]) -> Key:
    return (str(row.get("repository")), str(row.get("tag") or ""), str(row.get("platform") or ""))


_NUMBER = re.compile(r"\d+")


def _reasons(row: Mapping[str, Any]) -> set[str]:
    """Why a row fails, numbers blanked; an error row fails for its error."""
    if row.get("status") == "error":
        return {"error"}
    return {_NUMBER.sub("#", str(m)) for m in row.get("failures") or []}


def _finding_ids(row: Mapping[str, Any]) -> list[str]:
    return sorted(
        f"{f.get('id')}:{json.dumps(f.get('evidence'), sort_keys=True)}"
        for f in row.get("findings") or []
        if f.get("action") != "ignore"
    )


def _differences(now: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
    out = []
    if now.get("digest") != before.get("digest"):
        out.append("digest")
    if any(now.get(k) != before.get(k) for k in _PROVENANCE_KEYS):
        out.append("provenance")
    if _finding_ids(now) != _finding_ids(before):
        out.append("findings")
    if now.get("status") != before.get("status") or _reasons(now) != _reasons(before):
        out.append("status")
    return out


def compare(
    current: Sequence[Mapping[str, Any]], baseline: Sequence[Mapping[str, Any]]
) -> Comparison:
    """Mark ``current`` rows (JSON) against ``baseline`` rows (JSON)."""
    before = {_key(r): r for r in baseline}
    seen: set[Key] = set()
    rows: list[dict[str, Any]] = []
    regressions: list[dict[str, Any]] = []
    for r in current:
        key = _key(r)
        seen.add(key)
        out = dict(r)
        old = before.get(key)
        if old is None:
            out["change"] = "new"
            regressed = r.get("status") in ("fail", "error")
        else:
            diffs = _differences(r, old)
            out["change"] = "changed" if diffs else "unchanged"
            if diffs:
                out["changes"] = diffs
            regressed = r.get("status") in ("fail", "error") and bool(_reasons(r) - _reasons(old))
        rows.append(out)
        if regressed:
            regressions.append(out)
    gone = [{**r, "change": "gone"} for k, r in before.items() if k not in seen]
    return Comparison(rows, gone, regressions)


def apply_baseline(
    doc: dict[str, Any], baseline: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], Comparison]:
    """``doc`` (a :func:`~.reports.build_document` report) with its rows marked, the gone
    rows appended and the summary recounted (``summary.changes``, ``summary.regressions``)."""
    from .reports import summarize_rows

    cmp = compare(doc["rows"], baseline)
    out = dict(doc)
    out["rows"] = cmp.all_rows()
    summary = summarize_rows(out["rows"])
    summary["regressions"] = len(cmp.regressions)
    out["summary"] = summary
    return out, cmp


def change_of(comparison: Comparison, repository: str, tag: str, platforms: Sequence[str]) -> str:
    """The mark for a table row (a ``--by image`` row covers several platforms)."""
    marks = {
        (r.get("repository"), r.get("tag") or "", r.get("platform") or ""): str(r["change"])
        for r in comparison.rows
    }
    found = [marks.get((repository, tag, p), "unchanged") for p in platforms]
    if found and all(m == "new" for m in found):
        return "new"
    return "changed" if any(m != "unchanged" for m in found) else "unchanged"
