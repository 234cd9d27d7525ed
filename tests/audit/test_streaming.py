"""Flat audit memory: rows keep packed records, reports are written piece by piece.

The packed rows must give exactly the values, states and JSON of the unpacked ones, and
the pieces of every output format must join to what the stdlib writers (``json.dumps``
of the whole array, one ``csv.writer`` over every row) give for the whole report.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ocitrace.audit.output import compile_renderer, compile_streamer, csv_cell
from ocitrace.audit.policy import parse_policy
from ocitrace.audit.rows import COLUMNS, PackedRecords, Row, fold_by_image, pack_row, summarize

from .fixture_rows import FIXTURES, fixture_rows

NAMES = [
    "multi-prov-max",
    "sbom-prov-multi",
    "legacy-multi-prov-max",
    "dirty-tree-max",
    "secret-args-max",
    "multi-plain",
]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    policy = parse_policy(file=FIXTURES / "audit" / "policy.toml")
    return fixture_rows(NAMES, policy)


def test_packed_rows_read_as_the_decoded_ones(rows: list[Row]) -> None:
    packed = [pack_row(r) for r in rows]
    assert all(isinstance(p.records, PackedRecords) for p in packed)
    assert [p.to_json() for p in packed] == [r.to_json() for r in rows]
    assert [p.state for p in packed] == [r.state for r in rows]
    # packed rows keep the warn flag (legacy-*: findings only warn) and failures
    assert {"warn", "fail"} <= {r.state for r in rows}
    assert summarize(packed) == summarize(rows)
    assert packed == rows  # Mapping equality: a packed row equals its unpacked self
    for p, r in zip(packed, rows, strict=True):
        assert dict(p.records) == dict(r.records)
        assert p.records.get("findings") == r.records.get("findings")
        assert p.records["provenanceRecord"] == r.records["provenanceRecord"]
    folded = fold_by_image(packed)
    assert [f.to_json() for f in folded] == [f.to_json() for f in fold_by_image(rows)]
    assert [f.state for f in folded] == [f.state for f in fold_by_image(rows)]


def test_packed_records_are_smaller_than_their_objects(rows: list[Row]) -> None:
    record = next(r for r in rows if r.records.get("provenanceRecord")).records
    packed = PackedRecords.pack(record)
    assert isinstance(packed, PackedRecords)
    text = json.dumps(record, separators=(",", ":"))
    assert len(packed._blob) < len(text) / 2  # zlib of the compact JSON


def test_unpackable_records_are_kept_as_they_are() -> None:
    odd = {"when": object()}
    assert PackedRecords.pack(odd) is odd
    assert PackedRecords.pack({}) == {}
    row = Row(repository="r", tag="t", error="boom")
    assert pack_row(row) is row


def _reference_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cols = list(COLUMNS)
    writer.writerow(cols)
    for r in rows:
        cells = r.cells()
        writer.writerow([csv_cell(r.digest if c == "digest" else cells[c]) for c in cols])
    return buf.getvalue()


@pytest.mark.parametrize("n", [0, 1, 5])
def test_streamed_outputs_join_to_the_whole_report(rows: list[Row], n: int) -> None:
    some = [pack_row(r) for r in rows[:n]]
    plain = rows[:n]
    expected = {
        "json": json.dumps([r.to_json() for r in plain], indent=2) + "\n",
        "jsonl": "".join(json.dumps(r.to_json(), separators=(",", ":")) + "\n" for r in plain),
        "csv": _reference_csv(plain),
    }
    for output, text in expected.items():
        pieces = list(compile_streamer(output=output)(iter(some)))
        assert "".join(pieces) == text, output
        assert compile_renderer(output=output)(some) == text, output
        if n > 1:
            assert len(pieces) >= n  # one piece (at least) per row: nothing built whole
    tpl = "{{.Repository}} {{.Platform}} {{len .Findings}}"
    lines = list(compile_streamer(template=tpl)(some))
    assert lines == [f"{r.repository} {r.platform} {len(r.to_json()['findings'])}\n" for r in plain]
    table = compile_renderer(output="table")(plain)
    assert list(compile_streamer(output="table")(some)) == [table]


def test_runner_rows_come_back_packed(tmp_path: Path) -> None:
    from .test_runner import REG, audit

    rows = audit(f"{REG}/ns/multi-prov-max")
    assert rows and all(isinstance(r.records, PackedRecords) for r in rows)
    assert rows[0].to_json()["provenanceRecord"]["digest"].startswith("sha256:")
