"""The terminal table (width, empty columns, elision, colour) and --baseline comparison."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest

from ocitrace.audit.baseline import apply_baseline, change_of, compare, load_baseline
from ocitrace.audit.policy import parse_policy
from ocitrace.audit.reports import build_document
from ocitrace.audit.rows import fold_by_image
from ocitrace.audit.table import TableStyle, colour_enabled, render_table, target_base
from ocitrace.errors import FormatError
from tests.audit.fixture_rows import NOW, fixture_rows

NAMES = ["multi-prov-max", "multi-plain", "run-secrets-ssh-max", "dirty-tree-max"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def rows() -> list:  # type: ignore[type-arg]
    return fixture_rows(NAMES, parse_policy(read_config=True, fail=["high"]))


def test_table_fits_100_columns_relative_repositories(rows: list) -> None:  # type: ignore[type-arg]
    base = target_base([r.repository for r in rows], ["127.0.0.1:5000/acme/"])
    assert base == "127.0.0.1:5000/acme/"
    text = render_table(rows, style=TableStyle(width=100, base=base))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0].split() == [
        "REPOSITORY",
        "TAG",
        "PLATFORM",
        "PROVENANCE",
        "BUILT",
        "FINDINGS",
        "STATUS",
    ]  # SBOM: '-' on every row, dropped
    assert lines[1].split()[:5] == ["multi-prov-max", "v1", "linux/amd64", "v1", "max"]
    assert "127.0.0.1:5000" not in text  # shown relative to the target
    assert "dirty-tree +6" in text and "fail: dirty" in text and "…" in text
    assert "\x1b[" not in text


def test_empty_columns_dropped_and_wide_keeps_everything(rows: list) -> None:  # type: ignore[type-arg]
    narrow = render_table(rows, style=TableStyle(width=400))
    assert "CHECKS" not in narrow.splitlines()[0]  # no consistency warnings: empty, dropped
    assert "DIGEST" in narrow.splitlines()[0] and "BUILDER" in narrow.splitlines()[0]
    wide = render_table(rows, style=TableStyle(width=60, wide=True))
    header = wide.splitlines()[0].split()
    assert header == [
        "REPOSITORY",
        "TAG",
        "DIGEST",
        "PLATFORM",
        "PROVENANCE",
        "BUILDER",
        "SOURCE",
        "BUILT",
        "SBOM",
        "SIGNER",
        "CHECKS",
        "FINDINGS",
        "STATUS",
    ]
    assert "…" not in wide
    assert "https://github.com/ocitrace-fixtures/app.git@07be85a7caeb" in wide
    assert "no-vcs,unpinned-base," in wide  # every finding id


def test_colour_only_when_asked_and_widths_ignore_escapes(rows: list) -> None:  # type: ignore[type-arg]
    folded = fold_by_image(rows)
    plain = render_table(folded, style=TableStyle(width=100))
    coloured = render_table(folded, style=TableStyle(width=100, colour=True))
    assert ANSI.sub("", coloured) == plain
    assert "\x1b[33mwarn\x1b[0m" in coloured  # multi-prov-max: passes with warnings
    assert "\x1b[31mfail:" in coloured
    assert "\x1b[1;31mdirty-tree +6\x1b[0m" in coloured  # high severity


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_mode() -> None:
    assert colour_enabled("auto", _Tty(), {}) is True
    assert colour_enabled("auto", _Tty(), {"NO_COLOR": "1"}) is False
    assert colour_enabled("auto", _Tty(), {"NO_COLOR": ""}) is True  # empty: unset
    assert colour_enabled("auto", io.StringIO(), {}) is False
    assert colour_enabled("always", io.StringIO(), {"NO_COLOR": "1"}) is True
    assert colour_enabled("never", _Tty(), {}) is False


def test_terminal_escapes_in_registry_text_are_neutralised(rows: list) -> None:  # type: ignore[type-arg]
    evil = dataclasses.replace(rows[0], repository="127.0.0.1:5000/acme/\x1b]0;pwned\x07x")
    text = render_table([evil], style=TableStyle(width=200))
    assert "\x1b" not in text and "\x07" not in text


def _doc(names: list[str], **policy: object) -> dict:  # type: ignore[type-arg]
    rows = fixture_rows(names, parse_policy(read_config=True, **policy))  # type: ignore[arg-type]
    return build_document(rows, generated_at=NOW)


def test_baseline_marks_new_changed_gone_and_regressions(tmp_path: Path) -> None:
    before = _doc(["multi-prov-max", "multi-plain", "run-secrets-ssh-max"], fail=["high"])
    path = tmp_path / "before.json"
    path.write_text(json.dumps(before))
    # multi-prov-max rebuilt dirty (same repository and tag, new digest): simulate by
    # auditing dirty-tree-max under the multi-prov-max name
    now_rows = fixture_rows(
        ["multi-plain", "dirty-tree-max"], parse_policy(read_config=True, fail=["high"])
    )
    renamed = [
        dataclasses.replace(r, repository="127.0.0.1:5000/acme/multi-prov-max")
        if r.repository.endswith("dirty-tree-max")
        else r
        for r in now_rows
    ]
    doc, cmp = apply_baseline(build_document(renamed, generated_at=NOW), load_baseline(path))
    marks = {(r["repository"].rsplit("/", 1)[1], r["platform"]): r["change"] for r in doc["rows"]}
    assert marks[("multi-plain", "linux/amd64")] == "unchanged"
    assert marks[("multi-prov-max", "linux/amd64")] == "changed"
    assert marks[("run-secrets-ssh-max", "linux/arm64")] == "gone"
    changed = next(r for r in doc["rows"] if r["change"] == "changed")
    assert changed["changes"] == ["digest", "findings", "status"]  # same commit, now dirty
    # multi-plain fails in both (no regression); the dirty rebuild fails anew
    assert {r["repository"].rsplit("/", 1)[1] for r in cmp.regressions} == {"multi-prov-max"}
    assert doc["summary"]["changes"] == {"changed": 3, "gone": 2, "unchanged": 3}
    assert doc["summary"]["regressions"] == 3
    assert doc["summary"]["rows"] == 6  # gone rows are not counted as current
    assert change_of(cmp, "127.0.0.1:5000/acme/multi-plain", "v1", ["linux/amd64"]) == "unchanged"


def test_same_audit_twice_has_no_changes_and_age_messages_do_not_regress(tmp_path: Path) -> None:
    before = _doc(["multi-prov-max", "multi-plain"], max_age="30d", require=["provenance"])
    again = _doc(["multi-prov-max", "multi-plain"], max_age="30d", require=["provenance"])
    # a day later the age failure reads "built 41d ago" instead of "built 40d ago"
    for r in again["rows"]:
        r["failures"] = [re.sub(r"\d+d ago", "41d ago", m) for m in r["failures"]]
    cmp = compare(again["rows"], before["rows"])
    assert {r["change"] for r in cmp.rows} == {"unchanged"}
    assert cmp.regressions == [] and cmp.gone == []


def test_baseline_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": 3}')
    with pytest.raises(FormatError, match="has no audit rows"):
        load_baseline(bad)
    bad.write_text("not json at all")
    with pytest.raises(FormatError, match="is not a JSON audit report"):
        load_baseline(bad)
    lines = tmp_path / "rows.jsonl"
    doc = _doc(["multi-plain"])
    lines.write_text("".join(json.dumps(r) + "\n" for r in doc["rows"]))
    assert len(load_baseline(lines)) == 3
