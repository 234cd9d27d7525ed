"""Conformance of ocitrace.template with Go's text/template, case by case.

Expected outputs, error messages and reprints come from Go itself:
fixtures/gotemplate/cases.jsonl is written by tools/gotemplate-oracle (`make
gotemplate-fixtures`) from tests/gotemplate/cases.in.jsonl; Go is not needed here.
Outputs must be byte-identical; error messages identical except for the commented
KNOWN_DIVERGENCES, which must stay under 5 % of the error cases.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ocitrace.template import (
    STRING,
    ExecError,
    Func,
    FuncType,
    GoError,
    ParseError,
    Template,
    TemplateError,
    json_func,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gotemplate" / "cases.jsonl"

# Error cases whose message is allowed to differ from Go's, each with the reason.
# Outputs are never allowed to differ; only messages, and only these.  Empty today: even
# Go's accidents are matched (the slice-capacity-dependent `index out of range: N` vs
# `reflect: slice index out of range`, comment newlines counted twice in line numbers).
KNOWN_DIVERGENCES: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class GoCase:
    """One oracle row: the input and what Go did with it."""

    name: str
    template: str
    data: Any
    tname: str
    delims: tuple[str, str] | None
    funcs: tuple[str, ...]
    ok: bool
    output: bytes
    error: str
    phase: str
    reprint: str | None


def _output_bytes(row: dict[str, Any]) -> bytes:
    if "output_b64" in row:
        return base64.b64decode(row["output_b64"])
    out: str = row.get("output", "")
    return out.encode("utf-8")


def load_cases(path: Path = FIXTURE) -> list[GoCase]:
    """Parse the oracle's JSON lines, resolving shared datasets."""
    datasets: dict[str, Any] = {}
    cases: list[GoCase] = []
    # split on "\n" only: str.splitlines would also split inside strings at U+0085/U+2028
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        row = json.loads(line)
        if "dataset" in row:
            datasets[row["dataset"]] = row["data"]
            continue
        data = datasets[row["data_ref"]] if "data_ref" in row else row.get("data")
        delims = row.get("delims")
        cases.append(
            GoCase(
                name=row["name"],
                template=row["template"],
                data=data,
                tname=row.get("tname", ""),
                delims=(delims[0], delims[1]) if delims else None,
                funcs=tuple(row.get("funcs") or ()),
                ok=row["ok"],
                output=_output_bytes(row),
                error=row.get("error", ""),
                phase=row.get("phase", ""),
                reprint=row.get("reprint"),
            )
        )
    return cases


def _fail() -> str:
    raise GoError("boom")


def _call_failed() -> str:
    raise GoError("call failed")


def _greet(s: str) -> str:
    return "hello " + s


_STR_TO_STR = FuncType((STRING,), STRING)
_FAILING = FuncType((), STRING, returns_error=True)

# The oracle's optional extra funcs (tools/gotemplate-oracle/main.go) with their Go signatures.
EXTRA_FUNCS: dict[str, Func] = {
    "fail": Func(_fail, _FAILING),
    "upper": Func(str.upper, _STR_TO_STR),
    "greeter": Func(lambda: Func(_greet, _STR_TO_STR), FuncType((), _STR_TO_STR)),
    "failer": Func(lambda: Func(_call_failed, _FAILING), FuncType((), _FAILING)),
}

CASES = load_cases()
OK_CASES = [c for c in CASES if c.ok]
ERROR_CASES = [c for c in CASES if not c.ok]


def _parse(case: GoCase) -> Template:
    # as buildx: template.New(name).Funcs({"json": ...}); the oracle adds the extras after
    tpl = Template(case.tname).funcs({"json": json_func})
    if case.funcs:
        tpl = tpl.funcs({name: EXTRA_FUNCS[name] for name in case.funcs})
    if case.delims is not None:
        tpl = tpl.delims(*case.delims)
    return tpl.parse(case.template)


def _encode(text: str) -> bytes:
    # the engine carries Go's non-UTF-8 byte strings as surrogate escapes
    return text.encode("utf-8", "surrogateescape")


def _partial_output(exc: BaseException) -> str | None:
    partial = getattr(exc, "partial_output", None)
    return partial if isinstance(partial, str) else None


@pytest.mark.parametrize("case", OK_CASES, ids=[c.name for c in OK_CASES])
def test_output_matches_go(case: GoCase) -> None:
    assert _encode(_parse(case).execute(case.data)) == case.output


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_error_matches_go(case: GoCase) -> None:
    with pytest.raises(TemplateError) as info:
        _parse(case).execute(case.data)
    exc = info.value
    assert isinstance(exc, ParseError if case.phase == "parse" else ExecError), repr(exc)
    if case.name not in KNOWN_DIVERGENCES:
        assert str(exc) == case.error
    partial = _partial_output(exc)
    if case.phase == "exec" and partial is not None:
        assert _encode(partial) == case.output


REPRINT_CASES = [c for c in CASES if c.reprint is not None]


@pytest.mark.parametrize("case", REPRINT_CASES, ids=[c.name for c in REPRINT_CASES])
def test_reprint_matches_go(case: GoCase) -> None:
    assert str(_parse(case).tree) == case.reprint


def test_known_divergences_are_few_and_current() -> None:
    error_names = {c.name for c in ERROR_CASES}
    stale = set(KNOWN_DIVERGENCES) - error_names
    assert not stale, f"KNOWN_DIVERGENCES lists cases that are not error cases: {sorted(stale)}"
    assert len(KNOWN_DIVERGENCES) <= 0.05 * len(ERROR_CASES)


def test_fixture_covers_the_checklist() -> None:
    assert len(CASES) >= 600
    assert len({c.name for c in CASES}) == len(CASES)
    prefixes = {c.name.split(".")[0] + "." + c.name.split(".")[1] for c in CASES}
    for wanted in (
        "lex.text",
        "lex.trim",
        "lex.comment",
        "lex.string",
        "lex.raw",
        "lex.char",
        "lex.number",
        "lex.keyword",
        "lex.delims",
        "act.pipeline",
        "act.paren",
        "act.var",
        "act.field",
        "act.if",
        "act.with",
        "range.000",
        "define.000",
        "fn.and",
        "fn.or",
        "fn.len",
        "fn.index",
        "fn.slice",
        "fn.print",
        "fn.println",
        "fn.html",
        "fn.js",
        "fn.urlquery",
        "fn.cmp",
        "fn.call",
        "json.val",
        "json.float",
        "value.num",
        "value.shape",
        "value.missing",
        "fmt.m",
        "fmt.misc",
        "err.parse",
        "err.exec",
        "real.dockerfile",
        "real.prov",
        "reprint.000",
        "stress.fmt",
        "stress.escape",
        "stress.value",
        "stress.pos",
        "rand.000",
        "rand.safe",
    ):
        assert any(p == wanted or p.startswith(wanted) for p in prefixes), wanted
    assert sum(1 for c in ERROR_CASES if c.phase == "parse") >= 100
    assert sum(1 for c in ERROR_CASES if c.phase == "exec") >= 100
