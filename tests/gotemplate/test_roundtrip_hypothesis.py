"""Properties of ocitrace.template on random templates from a small Go-template grammar.

1. Robustness: parsing and executing anything (valid or not) raises only TemplateError
   subclasses — never IndexError, RecursionError, KeyError and the like.
2. Reprint round-trip: for a template that parses, Go's reprint (`tree.Root.String()`,
   here `str(tpl.tree)`) parses again and reprints identically.  buildx branches on
   this reprint, so it must be stable.  (Go itself has this property on this grammar:
   checked by tests/gotemplate/check_grammar_in_go.py through tools/gotemplate-oracle.)
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ocitrace.template import ExecError, ParseError, Template, TemplateError, json_func

DATA: dict[str, Any] = json.loads(
    json.dumps(
        {
            "s": "hello",
            "n": 3,
            "f": 1.5,
            "b": True,
            "e": "",
            "nul": None,
            "l": ["a", "b"],
            "nl": [1, 2],
            "m": {"a": 1, "b": "x"},
            "nested": {"a": {"b": "deep"}},
        }
    )
)

FIELDS = [
    ".",
    ".s",
    ".n",
    ".f",
    ".b",
    ".e",
    ".nul",
    ".l",
    ".nl",
    ".m",
    ".m.a",
    ".nested.a.b",
    ".missing",
    "$",
    "$.s",
]
LITERALS = [
    "0",
    "1",
    "-2",
    "0x1F",
    "0o7",
    "0b11",
    "1_0",
    "1.5",
    "1e3",
    "0x1p-2",
    "2i",
    "'a'",
    '"str"',
    '"a\\tb"',
    "`raw`",
    "true",
    "false",
    "nil",
]
FUNCS = [
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "println",
    "html",
    "js",
    "urlquery",
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "json",
    "call",
]
TEXTS = ["a", " ", "\n", "x y", "é", "\t", "}", "{"]
JUNK = [
    "{{",
    "}}",
    "{{end}}",
    "{{else}}",
    "(",
    ")",
    "|",
    ":=",
    '"',
    "`",
    "{{/*",
    "*/}}",
    "{{-",
    "-}}",
    "$",
    ".",
    "'",
]
VARS = ["$x", "$y", "$i", "$v"]


def _chains(operand: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    command = st.one_of(
        operand,
        st.builds(
            lambda f, args: " ".join([f, *args]),
            st.sampled_from(FUNCS),
            st.lists(operand, max_size=3),
        ),
    )
    # after a `|` only functions and field chains execute (Go: "non executable command")
    later = st.one_of(
        st.sampled_from([".s", ".m.a", "$.s"]),
        st.builds(
            lambda f, args: " ".join([f, *args]),
            st.sampled_from(FUNCS),
            st.lists(operand, max_size=2),
        ),
    )
    return st.builds(
        lambda first, rest: " | ".join([first, *rest]), command, st.lists(later, max_size=2)
    )


def _operands() -> st.SearchStrategy[str]:
    base = st.sampled_from(FIELDS + LITERALS + VARS)
    return st.recursive(
        base,
        lambda inner: st.one_of(
            _chains(inner).map(lambda p: f"({p})"),
            st.builds(
                lambda p, f: f"({p}){f}", _chains(inner), st.sampled_from([".a", ".s", ".a.b"])
            ),
        ),
        max_leaves=6,
    )


PIPELINES = st.builds(
    lambda decl, chain: decl + chain,
    st.sampled_from(["", "", "$x := ", "$y := ", "$x = "]),
    _chains(_operands()),
)


def _action(pipe: str, left_trim: bool, right_trim: bool) -> str:
    return "{{" + ("- " if left_trim else "") + pipe + (" -" if right_trim else "") + "}}"


ACTIONS = st.builds(_action, PIPELINES, st.booleans(), st.booleans())
COMMENTS = st.sampled_from(["{{/* c */}}", "{{- /* c */ -}}", "{{/* multi\nline */}}"])


def _control(body: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    keyword = st.sampled_from(["if", "with", "range", "range $i, $v :=", "range $v :="])
    else_part = st.one_of(
        st.just(""),
        body.map(lambda b: "{{else}}" + b),
        st.builds(lambda p, b: "{{else if " + p + "}}" + b, PIPELINES, body),
        st.builds(lambda p, b: "{{else with " + p + "}}" + b, PIPELINES, body),
    )
    loop_ctl = st.sampled_from(["", "{{break}}", "{{continue}}"])
    return st.builds(
        lambda k, p, b, c, e: "{{" + k + " " + p + "}}" + b + c + e + "{{end}}",
        keyword,
        PIPELINES,
        body,
        loop_ctl,
        else_part,
    )


LEAVES = st.one_of(st.sampled_from(TEXTS), ACTIONS, COMMENTS)
# define/block bodies hold no template calls, so no example recurses without end
FLAT_BODIES = st.lists(LEAVES, max_size=3).map("".join)


def _segments() -> st.SearchStrategy[str]:
    return st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            _control(st.lists(inner, max_size=3).map("".join)),
            FLAT_BODIES.map(lambda b: '{{define "t"}}' + b + "{{end}}"),
            PIPELINES.map(lambda p: '{{template "t" ' + p + "}}"),
            FLAT_BODIES.map(lambda b: '{{block "t" .}}' + b + "{{end}}"),
        ),
        max_leaves=8,
    )


PRELUDE = "{{$x := 1}}{{$y := .s}}{{$i := 0}}{{$v := .l}}"
TEMPLATES = st.builds(
    lambda declare, segs: (PRELUDE if declare else "") + "".join(segs),
    st.booleans(),
    st.lists(_segments(), max_size=5),
)
MAYBE_BROKEN = st.builds(
    lambda t, junk, pos: t[:pos] + junk + t[pos:],
    TEMPLATES,
    st.sampled_from(JUNK),
    st.integers(min_value=0, max_value=200),
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.one_of(TEMPLATES, MAYBE_BROKEN))
def test_only_template_errors(text: str) -> None:
    try:
        tpl = Template("x").parse(text)
    except TemplateError as exc:
        assert isinstance(exc, ParseError), repr(exc)
        event("parse error")
        return
    try:
        tpl.execute(DATA)
        event("executed")
    except TemplateError as exc:
        assert isinstance(exc, ExecError), repr(exc)
        event("exec error")


@SETTINGS
@given(TEMPLATES)
def test_reprint_round_trips(text: str) -> None:
    try:
        tpl = Template("x").parse(text)
    except ParseError:
        event("parse error")
        return
    event("round-tripped")
    printed = str(tpl.tree)
    again = Template("x").parse(printed)
    assert str(again.tree) == printed


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
DATA_TEMPLATES = [
    "{{.}}",
    "{{json .}}",
    "{{.a.b}}",
    '{{index . "a"}}',
    "{{index . 0}}",
    "{{len .}}",
    "{{slice . 1}}",
    "{{range $k, $v := .}}{{$k}}={{$v}};{{end}}",
    "{{range .}}{{.}}{{else}}none{{end}}",
    '{{printf "%v|%+v|%#v|%T|%s|%d|%q|%x|%X|%e|%g|%5.2f|%t|%c|%U" . . . . . . . . . . . . . . .}}',
    "{{eq . .}} {{lt . .}}",
    "{{if .}}t{{else}}f{{end}}",
    "{{html .}} {{js .}} {{urlquery .}} {{print . .}} {{println .}}",
    "{{with .x}}{{.}}{{end}}",
    "{{and . 1}} {{or . 1}} {{not .}}",
]


def _as_go_float64(v: Any) -> Any:
    """What a JSON document means once Go decoded it into interface{}: numbers are float64."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, list):
        return [_as_go_float64(x) for x in v]
    return {k: _as_go_float64(x) for k, x in v.items()}


@SETTINGS
@given(st.sampled_from(DATA_TEMPLATES), JSON_VALUES)
def test_any_json_data_only_template_errors(text: str, data: Any) -> None:
    tpl = Template("x").funcs({"json": json_func}).parse(text)
    try:
        tpl.execute(data)
    except TemplateError as exc:
        assert isinstance(exc, ExecError), repr(exc)


@SETTINGS
@given(JSON_VALUES)
def test_json_func_round_trips_go_values(data: Any) -> None:
    out = Template("x").funcs({"json": json_func}).parse("{{json .}}").execute(data)
    # Go prints float64 with the shortest digits that round-trip, so reading them back as
    # float64 (parse_int=float) must give the very same values
    assert json.loads(out, parse_int=float) == _as_go_float64(data)
