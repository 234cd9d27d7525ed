"""Render audit rows: ``table`` (tabulate), ``json``, ``jsonl``, ``csv`` or a per-row template.

Renderers return text; only the CLI writes it.  ``table`` and ``csv`` show the display
cells of the selected columns; ``json``/``jsonl`` carry every value and the full records;
a template sees the JSON values under Go-style capitalised names (``.Repository``,
``.Digest``, ``.BuiltAt``, ``.SbomPackages``, ``.Status``…).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import UsageError
from ..textsafe import escape_line
from .rows import COLUMNS, Row

__all__ = [
    "FORMATS",
    "compile_renderer",
    "compile_streamer",
    "compile_template",
    "parse_columns",
    "render_rows",
    "template_data",
]

FORMATS = ("table", "json", "jsonl", "csv")


def parse_columns(text: str | None) -> tuple[str, ...]:
    """``repository,tag,status`` → keys, checked against :data:`COLUMNS`; all when None."""
    if text is None:
        return tuple(COLUMNS)
    from .table import TABLE_COLUMNS

    keys = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    unknown = [k for k in keys if k not in TABLE_COLUMNS]
    if unknown or not keys:
        raise UsageError(
            f"unknown column {unknown[0]!r}" if unknown else "no columns given",
            input=text,
            hint=f"columns: {','.join(TABLE_COLUMNS)}",
        )
    return keys


def render_rows(
    rows: Sequence[Row],
    *,
    output: str = "table",
    columns: Sequence[str] | None = None,
    template: str | None = None,
) -> str:
    """The whole report as text (ends with a newline unless empty)."""
    return compile_renderer(output=output, columns=columns, template=template)(rows)


def compile_renderer(
    *,
    output: str = "table",
    columns: Sequence[str] | None = None,
    template: str | None = None,
) -> Callable[[Sequence[Row]], str]:
    """A renderer checked up front: a bad template or format fails before any request."""
    cols = tuple(columns) if columns else tuple(COLUMNS)
    if template is not None:
        line = compile_template(template)
        return lambda rows: "".join(line(template_data(r)) for r in rows)
    if output not in FORMATS:
        raise UsageError(
            f"unknown output format {output!r}", input=output, hint=f"use {', '.join(FORMATS)}"
        )
    return lambda rows: _render(rows, output, cols)


def compile_streamer(
    *,
    output: str = "table",
    columns: Sequence[str] | None = None,
    template: str | None = None,
) -> Callable[[Iterable[Row]], Iterator[str]]:
    """As :func:`compile_renderer`, but the text comes in pieces, one (or a few) per row,
    so a caller writes a large report without building it whole; joined, the pieces are
    exactly :func:`compile_renderer`'s text.  ``table`` (whose column widths need every
    row) comes as one piece."""
    cols = tuple(columns) if columns else tuple(COLUMNS)
    if template is not None:
        line = compile_template(template)
        return lambda rows: (line(template_data(r)) for r in rows)
    if output not in FORMATS:
        raise UsageError(
            f"unknown output format {output!r}", input=output, hint=f"use {', '.join(FORMATS)}"
        )
    return lambda rows: _chunks(rows, output, cols)


def _render(rows: Sequence[Row], output: str, cols: Sequence[str]) -> str:
    return "".join(_chunks(rows, output, cols))


def _chunks(rows: Iterable[Row], output: str, cols: Sequence[str]) -> Iterator[str]:
    if output == "json":
        yield from _json_array(rows)
    elif output == "jsonl":
        for r in rows:
            yield json.dumps(r.to_json(), separators=(",", ":")) + "\n"
    elif output == "csv":
        yield from _csv(rows, cols)
    elif output == "table":
        yield _table(list(rows), cols)
    else:
        raise UsageError(
            f"unknown output format {output!r}", input=output, hint=f"use {', '.join(FORMATS)}"
        )


def _json_array(rows: Iterable[Row]) -> Iterator[str]:
    """``json.dumps([r.to_json() for r in rows], indent=2) + "\\n"``, one row at a time:
    an element sits one level in, so each of its lines gets two more spaces (a JSON
    string never holds a raw newline)."""
    first = True
    for r in rows:
        yield ("[\n  " if first else ",\n  ") + json.dumps(r.to_json(), indent=2).replace(
            "\n", "\n  "
        )
        first = False
    yield "[]\n" if first else "\n]\n"


def _table(rows: Sequence[Row], cols: Sequence[str]) -> str:
    if not rows:
        return ""
    from tabulate import tabulate

    body = [[escape_line(r.cells().get(c, "")) for c in cols] for r in rows]  # one line each
    return (
        tabulate(
            body,
            headers=[COLUMNS.get(c, c.upper()) for c in cols],
            tablefmt="plain",
            disable_numparse=True,
        )
        + "\n"
    )


def _csv(rows: Iterable[Row], cols: Sequence[str]) -> Iterator[str]:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for r in rows:
        cells = r.cells()
        writer.writerow([csv_cell(r.digest if c == "digest" else cells.get(c, "")) for c in cols])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """OWASP CSV-injection rule: a cell a spreadsheet would run as a formula (starting with
    ``= + - @``, tab or CR) gets a leading ``'`` so it is shown as text; the csv writer
    quotes cells holding a separator, quote or line break.  A lone ``-`` (ocitrace's
    "none") is not a formula and stays as it is."""
    text = str(value)
    return "'" + text if text != "-" and text.startswith(_FORMULA_START) else text


def template_data(row: Row) -> dict[str, Any]:
    """The row's JSON values keyed ``Repository``, ``Tag``, ``SbomPackages``… for templates."""
    data = {k[:1].upper() + k[1:]: v for k, v in row.to_json().items()}
    data["ShortDigest"] = row.cells()["digest"]
    data["StatusText"] = row.status_text
    return data


def compile_template(text: str, name: str = "format") -> Callable[[Mapping[str, Any]], str]:
    """Parse a Go template once; the result renders one line per call (newline added).

    The data is plain JSON values, read as Go's ``json.Unmarshal`` into ``interface{}``
    builds them (numbers are float64, null is nil); ``json`` is available as in buildx.
    Raises the engine's ParseError (exit code ``TEMPLATE``) when ``text`` does not parse.
    """
    try:
        from ..template import Template, json_func
    except ImportError as exc:
        raise UsageError(
            "--format is not available in this build: the Go template engine is missing",
            input=text,
            hint="use -o json/jsonl/csv/table instead",
        ) from exc
    tpl = Template(name).funcs({"json": json_func}).parse(text)

    def line(data: Mapping[str, Any]) -> str:
        out = tpl.execute(dict(data))
        return out if out.endswith("\n") else out + "\n"

    return line
