"""Emit tests/gotemplate/cases.in.jsonl: the template conformance cases, from compact tables.

Only the *inputs* live here; the expected outputs and error messages come from Go
(`make gotemplate-fixtures` runs tools/gotemplate-oracle over this file).  Run
`python tests/gotemplate/make_cases.py` after editing, then regenerate the fixtures.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "cases.in.jsonl"

# Blob digest prefixes of real in-toto statements in fixtures/buildkit (see its README).
SLSA02_BLOB = ("classic-slsa02-max", "b5b317561230")
SLSA1_BLOB = ("classic-slsa1-max", "0eb2f8f93d19")

# The generic data document most cases run against (decoded by Go into interface{}).
DATA: dict[str, Any] = {
    "s": "hello",
    "n": 3,
    "f": 1.5,
    "neg": -2,
    "big": 1000000,
    "b": True,
    "no": False,
    "z": 0,
    "e": "",
    "nul": None,
    "l": ["a", "b", "c"],
    "nl": [1, 2, 3],
    "m": {"b": "x", "a": 1},
    "em": {},
    "el": [],
    "nested": {"a": {"b": {"c": "deep"}}},
    "html": "<a href='x'>&\"</a>",
    "u": "héllo wörld",
    "k-dash": "dash",
    "lm": [{"name": "x", "v": 1}, {"name": "y", "v": 2}],
    "ll": [[1, 2], [3, 4]],
    "mixed": [1, "two", None, True, {"k": "v"}, [1.5]],
    "zero_str": "0",
    "false_str": "false",
}


@dataclass(frozen=True)
class DataRef:
    """A named dataset defined earlier in the file."""

    name: str


@dataclass
class Cases:
    """Accumulates uniquely named cases in order."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def add(
        self,
        name: str,
        template: str,
        data: Any = DATA,
        *,
        tname: str | None = None,
        delims: tuple[str, str] | None = None,
        funcs: list[str] | None = None,
    ) -> None:
        if name in self.names:
            raise SystemExit(f"duplicate case name {name}")
        self.names.add(name)
        row: dict[str, Any] = {"name": name, "template": template}
        if data is DATA:
            row["data_ref"] = "common"
        elif isinstance(data, DataRef):
            row["data_ref"] = data.name
        else:
            row["data"] = data
        if tname is not None:
            row["tname"] = tname
        if delims is not None:
            row["delims"] = list(delims)
        if funcs is not None:
            row["funcs"] = funcs
        self.rows.append(row)

    def dataset(self, name: str, data: Any) -> DataRef:
        """Define data shared by later cases (the oracle resolves ``data_ref``)."""
        self.rows.append({"dataset": name, "data": data})
        return DataRef(name)

    def table(self, prefix: str, templates: list[str], data: Any = DATA) -> None:
        for i, t in enumerate(templates):
            self.add(f"{prefix}.{i:03d}", t, data)


def load_statement(fixture: str, prefix: str) -> dict[str, Any]:
    blobs = ROOT / "fixtures" / "buildkit" / fixture / "blobs" / "sha256"
    (path,) = list(blobs.glob(prefix + "*"))
    stmt: dict[str, Any] = json.loads(path.read_bytes())
    return stmt


def lexing(c: Cases) -> None:
    c.table(
        "lex.text",
        [
            "",
            "plain text",
            "a { b } c",
            "{ {not an action} }",
            "}}",
            "multi\nline\ntext",
            "héllo 世界 🎉",
            "{{`{{`}}",
            '{{"}}"}}',
            "tab\there",
            "x{{/* c */}}y",
            "{",
            "a {{.s}} b {{.n}} c",
        ],
    )
    ws = {
        "sp": " ",
        "tab": "\t",
        "cr": "\r",
        "nl": "\n",
        "crlf": "\r\n",
        "vt": "\v",
        "ff": "\f",
        "nbsp": "\u00a0",
        "emsp": "\u2003",
        "mix": " \t\r\n \n",
    }
    for wname, w in ws.items():
        c.add(f"lex.trim.left.{wname}", f"a{w}{w}{{{{- .s}}}}{w}b")
        c.add(f"lex.trim.right.{wname}", f"a{w}{{{{.s -}}}}{w}{w}b")
        c.add(f"lex.trim.both.{wname}", f"x{w}{{{{- .s -}}}}{w}y")
        c.add(f"lex.trim.marker-ws.{wname}", f"x {{{{-{w}.s{w}-}}}} y")
    c.table(
        "lex.trim.misc",
        [
            "{{-2}}",
            "{{- -2}}",
            "{{-.s}}",
            "{{3 -}}",
            "{{3-}}",
            "a  {{- /* c */ -}}  b",
            "a  {{-/* c */-}}  b",
            'a\n\n{{- "x" -}}\n\nb',
            "{{- .s -}}",
            "   {{- if .b -}}   yes   {{- else -}}   no   {{- end -}}   ",
            "{{range .l -}}\n  {{.}}\n{{- end}}",
            "a {{- -}} b",
            "a {{-}} b",
            "{{ - .s}}",
            "{{.s - }}",
        ],
    )
    c.table(
        "lex.comment",
        [
            "{{/* a comment */}}",
            "a{{/* multi\nline\ncomment */}}b",
            "{{ /* x */ }}",
            "{{/* x */ }}",
            "{{/* x */ .s}}",
            "{{/* unterminated }}",
            "{{/* a /* b */}}",
            "{{- /* trimmed */ -}}",
            "x {{- /* left */}} y",
            "x {{/* right */ -}} y",
            "{{/**/}}",
            "{{/* */}}\n{{.s}}",
            "{{.s /* c */}}",
            "{{/*x*/}}{{/*y*/}}",
        ],
    )
    strings_ = [
        r'{{"plain"}}',
        r'{{"a\tb\nc"}}',
        r'{{"\a\b\f\v\\\""}}',
        r'{{"\x41\x42"}}',
        r'{{"\101\102"}}',
        r'{{"\u00e9\u4e16"}}',
        r'{{"\U0001F600"}}',
        r'{{"\q"}}',
        '{{"raw\nnewline"}}',
        r'{{"unterminated}}',
        r'{{"\x4"}}',
        r'{{"\400"}}',
        r'{{"\ud800"}}',
        r'{{""}}',
        r'{{"\'"}}',
        r'{{printf "%q" "\x00\x7f"}}',
        r'{{"é" | printf "%x"}}',
    ]
    c.table("lex.string", strings_)
    c.table(
        "lex.raw",
        [
            "{{`raw`}}",
            "{{`a\\nb`}}",
            "{{`multi\nline`}}",
            "{{`cr\r\nlf`}}",
            "{{`unterminated}}",
            '{{`"quoted"`}}',
            "{{``}}",
            "{{printf `%s-%s` .s .s}}",
        ],
    )
    c.table(
        "lex.char",
        [
            "{{'a'}}",
            "{{'\\n'}}",
            "{{'\\u00fc'}}",
            "{{'ü'}}",
            "{{'\\''}}",
            "{{'\\x41'}}",
            "{{'\\101'}}",
            "{{'ab'}}",
            "{{''}}",
            "{{'a}}",
            "{{printf \"%c\" 'x'}}",
            "{{printf \"%T\" 'a'}}",
            "{{printf \"%q\" 'a'}}",
            "{{'\\U0001F600'}}",
            "{{'\"'}}",
            "{{'\\\"'}}",
        ],
    )
    numbers = [
        "0",
        "7",
        "-7",
        "+7",
        "0x1F",
        "0X1f",
        "0o17",
        "0O17",
        "017",
        "0b101",
        "0B11",
        "1_000",
        "0x_1F",
        "0b_1",
        "1__0",
        "1_",
        "_1",
        "1.5",
        ".5",
        "1.",
        "1e3",
        "1E3",
        "1e-3",
        "1e+3",
        "0x1p-2",
        "0x1.8p3",
        "0x1e3",
        "09.5",
        "09",
        "08",
        "1e400",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "2i",
        "1+2i",
        "0i",
        "1.5i",
        "0x",
        "0b2",
        "1e",
        "1.2.3",
        "00",
        "0.0",
        "-0.0",
        "-0",
        "1e6",
        "100000000000000000000.0",
        "123456789012",
        "1_2.3_4",
        "0x1P+2",
        "0o",
        "--1",
        "1e+06",
    ]
    for i, num in enumerate(numbers):
        c.add(f"lex.number.{i:03d}.plain", "{{" + num + "}}")
        c.add(f"lex.number.{i:03d}.type", '{{printf "%T %v" ' + num + " " + num + "}}")
    c.table(
        "lex.keyword",
        [
            "{{true}}",
            "{{false}}",
            "{{nil}}",
            "{{print nil}}",
            '{{printf "%T %T" true nil}}',
            "{{if nil}}x{{end}}",
            "{{with nil}}x{{end}}",
            "{{not nil}}",
            "{{eq nil nil}}",
            "{{.s | nil}}",
            "{{true | not}}",
            '{{printf "%v" nil}}',
            "{{len nil}}",
            "{{index nil 1}}",
            "{{and true false}}",
            "{{$x := nil}}{{$x}}",
        ],
    )
    delims: list[tuple[str, str, str]] = [
        ("[[", "]]", "a [[.s]] b {{.s}}"),
        ("[[", "]]", "[[- .s -]] x"),
        ("[[", "]]", "[[/* c */]]ok"),
        ("<%", "%>", "<% range .l %><% . %>,<% end %>"),
        ("<<", ">>", "<<.s>> <<if .b>>yes<<end>>"),
        ("{%", "%}", "{% .n %} {{.n}}"),
        ("(", ")", "(.s)"),
        ("[[", "]]", "[[.s"),
        ("[[", "]]", '[["]]"]]'),
        ("", "", "{{.s}}"),
        ("|", "|", "|.s| |.n|"),
        ("[[", "]]", "[[ /* c */ ]]"),
        ("é", "ü", 'éprintf "%d" 3ü'),
    ]
    for i, (left, right, t) in enumerate(delims):
        c.add(f"lex.delims.{i:03d}", t, delims=(left, right))


def actions(c: Cases) -> None:
    c.table(
        "act.pipeline",
        [
            '{{.s | printf "%s!"}}',
            '{{.n | printf "%v %v" 1}}',
            "{{.s | len}}",
            '{{.s | printf "%s" | printf "<%s>"}}',
            "{{.s |}}",
            "{{| .s}}",
            "{{.s | 1}}",
            "{{.s | .}}",
            "{{.s | nil}}",
            '{{.s | "x"}}',
            "{{.s | $}}",
            '{{.l | len | printf "%d items"}}',
            "{{1 | eq 1}}",
            "{{.s | html | js}}",
            "{{.s | upper_missing}}",
            "{{.s || len}}",
            '{{"a" | printf "%s%s" "b"}}',
            "{{.m | len}}",
        ],
    )
    c.table(
        "act.paren",
        [
            "{{(.s)}}",
            '{{(index .m "a")}}',
            '{{(len .l) | printf "%d"}}',
            "{{((1))}}",
            "{{()}}",
            "{{(.s}}",
            "{{.s)}}",
            "{{(index .lm 0).name}}",
            "{{(index .lm 1).v}}",
            "{{(.nested).a.b.c}}",
            "{{(.nested.a).b}}",
            '{{("s").x}}',
            "{{(1).x}}",
            "{{(.nul).x}}",
            "{{(.missing).x}}",
            '{{printf "%d-%d" (len .l) (len .m)}}',
            "{{(print .s) 8}}",
            "{{(.s) 8}}",
            "{{(.s | len)}}",
            "{{ ( .s ) }}",
        ],
    )
    c.table(
        "act.var",
        [
            "{{$x := 1}}{{$x}}",
            "{{$x := 1}}{{$x = 2}}{{$x}}",
            "{{$}}",
            "{{$.s}}",
            "{{$x}}",
            "{{$x = 1}}",
            "{{$x := .l}}{{$x}}",
            "{{$a, $b := 1}}",
            '{{$x := 1 | printf "%d!"}}{{$x}}',
            "{{$x := .m}}{{$x.a}} {{$x.b}}",
            "{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}",
            "{{$x := 1}}{{if true}}{{$x = 2}}{{$x}}{{end}}{{$x}}",
            "{{if true}}{{$y := 1}}{{end}}{{$y}}",
            "{{if $x := .s}}{{$x}}{{else}}{{$x}}{{end}}",
            "{{with $x := .s}}{{$x}} {{.}}{{end}}",
            "{{with $x := .e}}{{$x}}{{else}}empty:{{$x}}{{end}}",
            "{{$x := 0}}{{range .nl}}{{$x = .}}{{end}}{{$x}}",
            "{{range $i, $v := .l}}{{end}}{{$i}}",
            "{{$x := 1}}{{$x := 2}}{{$x}}",
            "{{$ := 1}}",
            "{{$x := $}}{{$x.s}}",
            "{{$x.s}}",
            "{{$x := .nested}}{{$x.a.b.c}}",
            "{{$x := 1}}{{$x 2}}",
            "{{$1 := 1}}{{$1}}",
            "{{$x := 1}}{{$x := 1 2}}",
            "{{$x=1}}",
            "{{$x:=1}}{{$x}}",
            "{{$x := .missing}}{{$x}}",
            "{{$x := .nul}}{{$x}}",
            "{{$x = $}}",
            "{{$é := 2}}{{$é}}",
            "{{range $x := .l}}{{$x}}{{end}}",
            "{{$x := 0}}{{range $x = .nl}}{{end}}{{$x}}",
            "{{$i := 9}}{{$v := 9}}{{range $i, $v = .l}}{{end}}{{$i}}{{$v}}",
            "{{$x := 5}}{{with .s}}{{$x}}{{end}}",
        ],
    )
    c.table(
        "act.field",
        [
            "{{.nested.a.b.c}}",
            "{{$.nested.a}}",
            "{{.nested.a.b.c.d}}",
            "{{.missing}}",
            "{{.missing.x.y}}",
            "{{.nul}}",
            "{{.nul.x}}",
            "{{.s.x}}",
            "{{.n.x}}",
            "{{.l.x}}",
            "{{.m.a 1}}",
            "{{.a-b}}",
            "{{.k-dash}}",
            '{{index . "k-dash"}}',
            '{{"s".x}}',
            "{{7 8}}",
            "{{.S}}",
            "{{.m.A}}",
            "{{. .s}}",
            "{{.}}",
            "{{.nested}}",
            "{{.nested.a.x.y}}",
            "{{.lm.name}}",
            "{{.s.x.y}}",
            "{{.m.b.c}}",
            "{{.1}}",
            "{{._x}}",
            "{{.x_}}",
            "{{.é}}",
            "{{..s}}",
            "{{.s.}}",
            "{{ .nested.a.b }}",
        ],
    )
    for i, (t, data) in enumerate(
        [
            ("{{.x}}", "str"),
            ("{{.x}}", 3),
            ("{{.x}}", None),
            ("{{.x}}", [1]),
            ("{{.x}}", True),
            ("{{.}}", None),
            ("{{.}}", "str"),
            ("{{.}}", 1e21),
            ("{{.x.y}}", {"x": "s"}),
            ("{{.x.y}}", {"x": None}),
            ("{{.x}}", {"x": None}),
            ("{{.é}}", {"é": "accent"}),
            ("{{.Ünï}}", {"Ünï": "u"}),
            ("{{.a1}}", {"a1": 1, "1a": 2}),
            ('{{index . ""}}', {"": "empty key"}),
            ("{{.x}}", {"X": 1}),
        ]
    ):
        c.add(f"act.field.root.{i:03d}", t, data)

    truthy_values = [
        "true",
        "false",
        "0",
        "1",
        "0.0",
        "-0.0",
        '""',
        '"0"',
        '"false"',
        "nil",
        ".b",
        ".no",
        ".z",
        ".e",
        ".nul",
        ".missing",
        ".l",
        ".el",
        ".m",
        ".em",
        ".zero_str",
        ".false_str",
        "0i",
        "1e-300",
        ".mixed",
        "(index .mixed 2)",
        "(index .mixed 3)",
        ".f",
        ".neg",
        "'a'",
    ]
    for i, v in enumerate(truthy_values):
        c.add(f"act.if.truth.{i:03d}", "{{if " + v + "}}T{{else}}F{{end}}")
        c.add(f"act.with.truth.{i:03d}", "{{with " + v + "}}T:{{.}}{{else}}F{{end}}")
    c.table(
        "act.if",
        [
            "{{if .b}}yes{{end}}",
            "{{if .no}}yes{{end}}",
            "{{if .no}}a{{else if .b}}b{{else}}c{{end}}",
            "{{if .no}}a{{else if .z}}b{{else}}c{{end}}",
            "{{if .no}}a{{else if .z}}b{{else if .s}}c{{end}}",
            "{{if}}x{{end}}",
            "{{else}}",
            "{{end}}",
            "{{if .b}}",
            "{{if .b}}{{else}}{{else}}{{end}}",
            "{{if .b}}a{{else}}b{{end}}{{end}}",
            "{{if .b .no}}x{{end}}",
            "{{if .b}}x{{else if}}y{{end}}",
            "{{if .b}}x{{else with .s}}{{.}}{{end}}",
            "{{if .no}}x{{else with .s}}{{.}}{{end}}",
            "{{if and .b .s}}both{{end}}",
            '{{if eq .s "hello"}}match{{end}}',
            "{{if .b}}\n  line\n{{end}}",
            "{{if .b}}{{.s}}{{end}}{{if .no}}{{.s}}{{end}}",
            "{{if .no}}{{.nul.x}}{{end}}ok",
            "{{if .b}}{{.nul.x}}{{end}}",
            "{{if 1}}{{else if}}{{end}}",
            "{{if .b}}{{else}}{{end}}",
            "{{if .b}}a{{ else }}b{{ end }}",
            "{{if .b -}} a {{- else -}} b {{- end}}",
        ],
    )
    c.table(
        "act.with",
        [
            "{{with .nested}}{{.a.b.c}}{{end}}",
            "{{with .m}}{{.a}}{{$.s}}{{end}}",
            "{{with .e}}x{{else}}empty{{end}}",
            "{{with .e}}x{{else with .s}}{{.}}{{end}}",
            "{{with .e}}x{{else with .z}}y{{else}}{{.}}{{end}}",
            "{{with .e}}x{{else with .z}}y{{else with .nested}}{{.a}}{{end}}",
            "{{with}}x{{end}}",
            "{{with .s}}{{.}}{{else if .b}}b{{end}}",
            "{{with .missing}}x{{else}}{{.}}{{end}}",
            "{{with .nul}}x{{else}}none{{end}}",
            "{{with .l}}{{index . 1}}{{end}}",
            "{{with $x := .m}}{{$x.b}}{{end}}",
            "{{with .s}}{{.x}}{{end}}",
            "{{with .lm}}{{range .}}{{.name}}{{end}}{{end}}",
            "{{with .s}}a{{else}}b{{else}}c{{end}}",
        ],
    )


def ranges(c: Cases) -> None:
    c.table(
        "range",
        [
            "{{range .l}}{{.}},{{end}}",
            "{{range .nl}}{{.}},{{end}}",
            "{{range .m}}{{.}},{{end}}",
            "{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}",
            "{{range $i, $v := .l}}{{$i}}:{{$v}} {{end}}",
            "{{range $i := .l}}{{$i}}{{end}}",
            "{{range $k := .m}}{{$k}}{{end}}",
            "{{range 3}}{{.}}{{end}}",
            "{{range $i := 3}}{{$i}}{{end}}",
            "{{range $i, $v := 3}}{{$i}}{{end}}",
            "{{range 0}}x{{else}}none{{end}}",
            "{{range -2}}x{{else}}none{{end}}",
            "{{range .n}}{{.}}{{end}}",
            "{{range .s}}{{.}}{{end}}",
            "{{range .b}}{{.}}{{end}}",
            "{{range .f}}{{.}}{{end}}",
            "{{range 1.5}}{{.}}{{end}}",
            "{{range .nul}}x{{else}}nul{{end}}",
            "{{range .missing}}x{{else}}missing{{end}}",
            "{{range .el}}x{{else}}empty{{end}}",
            "{{range .em}}x{{else}}empty{{end}}",
            '{{range .l}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}',
            '{{range .l}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}',
            "{{break}}",
            "{{continue}}",
            "{{range .l}}{{else}}{{break}}{{end}}",
            '{{define "a"}}{{break}}{{end}}',
            "{{range .ll}}{{range .}}{{if eq . 2.0}}{{break}}{{end}}{{.}}{{end}};{{end}}",
            "{{range .l}}{{.}}{{$.s}}{{end}}",
            "{{range .lm}}{{.name}}={{.v}} {{end}}",
            "{{range $i, $m := .lm}}{{$i}}{{$m.name}}{{end}}",
            "{{range .mixed}}[{{.}}]{{end}}",
            "{{range .l}}{{$x := .}}{{end}}{{$x}}",
            "{{range $a, $b, $c := .l}}{{end}}",
            "{{range .l}}{{break 1}}{{end}}",
            "{{range 3}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}",
            "{{range .l}}",
            "{{range}}{{end}}",
            "{{range .l .m}}{{end}}",
            "{{range $i, $v := .nested}}{{$i}}{{end}}",
            "{{range .ll}}{{index . 0}}{{end}}",
            "{{range $i, $e := .el}}x{{else}}{{$i}}{{end}}",
            "{{range 9223372036854775807}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}",
            '{{range $i, $c := "abc"}}{{$c}}{{end}}',
            "{{range .l -}}\n{{.}}\n{{- end}}",
            "{{range $v := .l}}{{break}}{{end}}{{$v}}",
            "{{range .l}}{{range .}}{{end}}{{end}}",
            "{{range (index .ll 1)}}{{.}}{{end}}",
            "{{range len .l}}{{.}}{{end}}",
            "{{range $k, $v := .}}{{$k}} {{end}}",
        ],
    )
    sort_map = {"b": 1, "a": 2, "B": 3, "_": 4, "10": 5, "9": 6, "é": 7, "Z": 8, "": 9, "aa": 10}
    c.add("range.sorted-keys", "{{range $k, $v := .}}{{$k}}={{$v}},{{end}}", sort_map)
    c.add("range.sorted-print", "{{.}}", sort_map)
    c.add("range.sorted-json", "{{json .}}", sort_map)


def templates(c: Cases) -> None:
    c.table(
        "define",
        [
            '{{define "a"}}A{{end}}{{template "a"}}',
            '{{define "a"}}[{{.}}]{{end}}{{template "a" .s}}',
            '{{define "a"}}[{{.}}]{{end}}{{template "a"}}',
            '{{define "a"}}{{$}}{{end}}{{template "a" .n}}',
            '{{template "nope"}}',
            '{{template "nope" .}}',
            '{{if true}}{{define "a"}}x{{end}}{{end}}',
            '{{define "a"}}x{{end}}{{define "a"}}y{{end}}',
            '{{define "a"}}x{{end}}{{define "a"}}{{end}}{{template "a"}}',
            '{{define "a"}}{{end}}{{define "a"}}y{{end}}{{template "a"}}',
            '{{block "b" .s}}<{{.}}>{{end}}',
            '{{block "b" .}}{{.s}}{{end}}|{{template "b" .}}',
            '{{define "a"}}only{{end}}',
            '{{define "a"}}only{{end}}\n',
            "{{template .s}}",
            '{{template "a" 1 2}}',
            "{{template}}",
            '{{define "a"}}{{.x}}{{end}}{{template "a" .n}}',
            '{{define "a"}}{{.nul.x}}{{end}}{{template "a" .}}',
            '{{define "rec"}}{{if .}}{{len .}}{{template "rec" slice . 1}}{{end}}{{end}}{{template "rec" .l}}',
            '{{$x := 1}}{{define "a"}}{{$x}}{{end}}',
            '{{define "a"}}{{$x := 1}}{{$x}}{{end}}{{template "a"}}',
            '{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}B{{.}}{{end}}{{template "a" 1}}',
            '{{define "inner"}}{{range .}}{{.}}{{end}}{{end}}{{range .ll}}{{template "inner" .}};{{end}}',
            "{{define `a`}}raw{{end}}{{template `a`}}",
            '{{define "a" "b"}}x{{end}}',
            "{{define a}}x{{end}}",
            '{{define "a"}}x',
            '{{template "a"}}{{define "a"}}late{{end}}',
            '{{block "b"}}x{{end}}',
            '{{define "a"}}{{template "a" .}}{{end}}{{template "a" 1}}',
            '{{define "x y"}}sp{{end}}{{template "x y"}}',
            '{{define ""}}main?{{end}}',
            '{{define "a"}}{{json .}}{{end}}{{template "a" .m}}',
        ],
    )
    # the template name shows up in every error message
    c.add("define.named.parse", "{{.s", tname="main")
    c.add("define.named.exec", "{{.nul.x}}", tname="main")
    c.add("define.named.ok", "{{.s}}", tname="main")
    c.add("define.named.inner", '{{define "a"}}{{len 3}}{{end}}{{template "a"}}', tname="t")
    c.add("define.named.self", '{{define "t"}}{{.}}{{end}}', tname="t")


def builtins(c: Cases) -> None:
    andor_args = ["0", "1", '""', '"x"', ".nul", ".missing", ".l", ".el", "true", "false", "nil"]
    for op in ("and", "or"):
        for i, a in enumerate(andor_args):
            for j, b in enumerate(andor_args):
                if (i + j) % 3 == 0:  # a thinned matrix keeps the count reasonable
                    c.add(
                        f"fn.{op}.pair.{i:02d}.{j:02d}",
                        f'{{{{printf "%T %v" ({op} {a} {b}) ({op} {a} {b})}}}}',
                    )
    c.table(
        "fn.andor",
        [
            "{{and}}",
            "{{or}}",
            "{{and 1}}",
            "{{or 0}}",
            "{{and 1 2 3}}",
            '{{or 0 "" 3 4}}',
            "{{and 0 (index .l 10)}}",
            "{{or 1 (index .l 10)}}",
            "{{and 1 (index .l 10)}}",
            "{{or 0 (index .l 10)}}",
            "{{and .no .nul.x}}",
            "{{or .b .nul.x}}",
            "{{and .b .nul.x}}",
            "{{and .b .s}}",
            "{{or .e .s}}",
            "{{or .e .z}}",
            "{{and 0 undefinedfn}}",
            "{{not 0}}",
            "{{not 1}}",
            "{{not .s}}",
            "{{not .missing}}",
            "{{not}}",
            "{{not 1 2}}",
            "{{not .el}}",
            "{{and .l .m}}",
            "{{or .nul .missing}}",
            '{{printf "%T" (or .nul .missing)}}',
            '{{and .s | printf "%s!"}}',
            "{{.s | and 1}}",
            "{{.s | or 0}}",
        ],
    )
    c.add("fn.andor.fail-short", "{{or 1 (fail)}}{{and 0 (fail)}}", funcs=["fail"])
    c.add("fn.andor.fail-eval", "{{and 1 (fail)}}", funcs=["fail"])
    c.table(
        "fn.len",
        [
            "{{len .s}}",
            "{{len .u}}",
            "{{len .l}}",
            "{{len .m}}",
            "{{len .el}}",
            "{{len .em}}",
            "{{len .e}}",
            "{{len .n}}",
            "{{len .b}}",
            "{{len .nul}}",
            "{{len .missing}}",
            "{{len 3}}",
            "{{len}}",
            "{{len .s .s}}",
            '{{len "世界"}}',
            '{{printf "%T" (len .s)}}',
            "{{len .nested}}",
            "{{len (index .ll 0)}}",
        ],
    )
    c.table(
        "fn.index",
        [
            '{{index .m "a"}}',
            '{{index .m "b"}}',
            '{{index .m "zz"}}',
            "{{index .l 0}}",
            "{{index .l 2}}",
            "{{index .l 3}}",
            "{{index .l -1}}",
            "{{index .l 10}}",
            "{{index .l .n}}",
            "{{index .l 1.0}}",
            "{{index .s 1}}",
            '{{printf "%T" (index .s 1)}}',
            "{{index .s 5}}",
            "{{index .u 1}}",
            '{{index .nested "a" "b" "c"}}',
            "{{index .ll 1 0}}",
            "{{index .ll 1 5}}",
            "{{index .m 1}}",
            "{{index .m nil}}",
            "{{index .m}}",
            "{{index .nul 1}}",
            '{{index .missing "a"}}',
            "{{index .n 1}}",
            "{{index .b 1}}",
            "{{index}}",
            "{{index nil}}",
            '{{index .lm 1 "name"}}',
            '{{index .mixed 4 "k"}}',
            "{{index .mixed 2}}",
            '{{printf "%v" (index .mixed 2)}}',
            '{{index .m "a" "x"}}',
            '{{index .l "0"}}',
            "{{index .l 'a'}}",
            "{{index .l true}}",
            '{{index . "k-dash"}}',
            "{{index .el 0}}",
            "{{index .l 9223372036854775807}}",
            '{{index "abc" 0 0}}',
            "{{index .ll 0 1 2}}",
        ],
    )
    c.table(
        "fn.slice",
        [
            "{{slice .l 1}}",
            "{{slice .l 1 2}}",
            "{{slice .l 0 1 2}}",
            "{{slice .l}}",
            "{{slice .s 1 3}}",
            "{{slice .s 1}}",
            "{{slice .s 1 2 3}}",
            "{{slice .l 2 1}}",
            "{{slice .l 0 5}}",
            "{{slice .l 4}}",
            "{{slice .n 1}}",
            "{{slice .nul 1}}",
            "{{slice .l 1.0}}",
            "{{slice .l 0 1 2 3}}",
            "{{slice .m 1}}",
            "{{slice .u 1 3}}",
            "{{slice .l -1}}",
            "{{slice .s 5}}",
            "{{slice .s 6}}",
            '{{printf "%T" (slice .s 1)}}',
            '{{printf "%T" (slice .l 1)}}',
            "{{len (slice .l 1)}}",
            "{{slice}}",
            "{{slice .el 0 0}}",
            "{{slice .u 1 2}}",
            "{{json (slice .u 1 2)}}",
            '{{printf "%q %x" (slice .u 1 2) (slice .u 1 2)}}',
            "{{len (slice .u 1 2)}}",
        ],
    )
    print_args = [
        "1 2",
        '"a" "b"',
        '1 "a" 2',
        '"a" 1 "b"',
        "1.5 2",
        ".s .n",
        ".n .f",
        ".l .m",
        "nil 1",
        ".nul .missing",
        "true false",
        '"" ""',
        "1 2 3",
        ".mixed",
        "",
        "'a' 'b'",
        "2i 3",
    ]
    for i, a in enumerate(print_args):
        c.add(f"fn.print.{i:03d}", "{{print " + a + "}}|")
        c.add(f"fn.println.{i:03d}", "{{println " + a + "}}|")
    escapes = [
        ".html",
        ".u",
        '"a b&c=d/e?f"',
        '"\\x00\\x01\\x1f\\x7f"',
        '"\\u2028\\u2029"',
        ".nul",
        ".missing",
        "1 2",
        '"a" "b"',
        ".l",
        '"\'\\"\\\\"',
        '"<script>"',
        '"é ü 世"',
        '"~-_.!*()"',
        '"\\ufeff\\u00ad"',
        '"\\t\\n\\r"',
        "1.5",
        ".m",
        '"+%"',
        '"\\U0001F600"',
        '"="',
    ]
    for fn in ("html", "js", "urlquery"):
        for i, a in enumerate(escapes):
            c.add(f"fn.{fn}.{i:03d}", "{{" + fn + " " + a + "}}")
    cmp_vals = [
        "1",
        "2",
        "1.0",
        "2.5",
        '"a"',
        '"b"',
        "true",
        "false",
        "nil",
        ".n",
        ".f",
        ".s",
        ".b",
        ".nul",
        ".missing",
        ".l",
        ".m",
        "'a'",
        "(index .s 0)",
        "(len .l)",
        "2i",
    ]
    ops = ["eq", "ne", "lt", "le", "gt", "ge"]
    for k, op in enumerate(ops):
        for i, a in enumerate(cmp_vals):
            for j, b in enumerate(cmp_vals):
                if (i * 7 + j * 3 + k) % 5 == 0:  # thinned matrix, different per op
                    c.add(f"fn.cmp.{op}.{i:02d}.{j:02d}", f"{{{{{op} {a} {b}}}}}")
    c.table(
        "fn.cmp",
        [
            "{{eq 1 2 3 1}}",
            "{{eq 1 2 3}}",
            '{{eq 1 1 "x"}}',
            '{{eq 1 "x" 1}}',
            "{{eq 1}}",
            "{{eq}}",
            "{{ne 1 2 3}}",
            "{{lt 1 2 3}}",
            "{{lt 1}}",
            '{{eq .s "hello" "x"}}',
            "{{eq .n 3.0}}",
            "{{eq .n 3}}",
            "{{lt .n 3e0}}",
            "{{eq (len .l) 3}}",
            "{{eq .l .l}}",
            "{{eq .m .m}}",
            "{{eq .mixed .mixed}}",
            '{{lt "a" "B"}}',
            '{{lt "é" "z"}}',
            "{{eq (index .s 1) 'e'}}",
            "{{lt (index .s 1) 200}}",
            "{{eq -1 (index .s 1)}}",
            "{{lt -1 (index .s 1)}}",
            "{{eq .nul nil}}",
            "{{eq .missing .nul}}",
            "{{ne .nul 1}}",
            "{{eq 1 2i}}",
            "{{eq 1.5 1.5}}",
            "{{lt 1.5 2.5}}",
            "{{gt true false}}",
            "{{eq true true}}",
            '{{le "a" "a"}}',
            "{{eq 9223372036854775807 9223372036854775807}}",
            "{{lt .big 1e7}}",
            "{{eq .n 3 .s}}",
            "{{eq 1 .l}}",
            "{{eq .l 1}}",
            "{{ne .l .l}}",
            "{{lt .l .l}}",
        ],
    )
    c.add("fn.call.ok", '{{call (greeter) "bob"}}', funcs=["greeter"])
    c.add("fn.call.pipe", '{{"amy" | call (greeter)}}', funcs=["greeter"])
    c.add("fn.call.err", "{{call (failer)}}", funcs=["failer"])
    c.add("fn.call.fail-func", "x{{fail}}y", funcs=["fail"])
    c.add("fn.call.upper", '{{upper "abc"}} {{.s | upper}}', funcs=["upper"])
    c.add("fn.call.upper-wrong-type", "{{upper 3}}", funcs=["upper"])
    c.add("fn.call.upper-nil", "{{upper .nul}}", funcs=["upper"])
    c.add("fn.call.upper-missing", "{{upper .missing}}", funcs=["upper"])
    c.add("fn.call.upper-arity", "{{upper}}", funcs=["upper"])
    c.add("fn.call.greeter-arity", "{{call (greeter)}}", funcs=["greeter"])
    c.table(
        "fn.call",
        [
            "{{call .s}}",
            "{{call nil}}",
            "{{call}}",
            "{{call .missing}}",
            "{{call .nul}}",
            "{{call 1}}",
            "{{nofunc 1}}",
            "{{len}}",
            "{{printf}}",
            "{{printf 1}}",
            "{{printf .n}}",
            "{{printf .s}}",
            "{{html}}",
            "{{urlquery}}",
            "{{print}}",
            "{{println}}",
        ],
    )


def json_func(c: Cases) -> None:
    vals = [
        ".",
        ".s",
        ".n",
        ".f",
        ".big",
        ".b",
        ".nul",
        ".missing",
        ".l",
        ".m",
        ".em",
        ".el",
        ".nested",
        ".html",
        ".u",
        ".mixed",
        "1",
        "1.5",
        "2i",
        "'a'",
        '"<&>"',
        "nil",
        "true",
        "(len .l)",
        "(index .s 0)",
        ".lm",
        "(slice .l 1)",
        '"\\u2028\\u2029"',
        '"\\x00\\x01\\x08\\x0c\\t\\n\\r\\x1f\\x7f"',
        '"\\ufeff"',
        '"é\\U0001F600"',
    ]
    for i, v in enumerate(vals):
        c.add(f"json.val.{i:03d}", "{{json " + v + "}}")
    floats = [
        0,
        -0.0,
        1,
        1e6,
        1e20,
        1e21,
        1e-6,
        1e-7,
        0.1,
        123456789,
        3259190,
        1.5e300,
        2**53 + 1,
        18446744073709551616,
        1234567.125,
        5e-324,
        1.7976931348623157e308,
        -1e21,
        100,
        1e-5,
        0.000001234,
        12345678901234567890,
        33.333333333333336,
        9007199254740993,
    ]
    for i, f in enumerate(floats):
        c.add(f"json.float.{i:03d}", '{{json .x}}|{{.x}}|{{printf "%v %T" .x .x}}', {"x": f})
    c.add("json.arity0", "{{json}}")
    c.add("json.arity2", "{{json 1 2}}")
    c.add("json.pipe", "{{.m | json}}")
    c.add(
        "json.sortkeys", "{{json .}}", {"b": 1, "a": {"z": [], "y": {}}, "A": None, "é": "", "_": 1}
    )
    c.add("json.escapes-keys", "{{json .}}", {"<k>": "&", "\u2028": "\u2029", 'a"b': "\\"})
    c.add("json.deep", "{{json .}}", {"a": [[[{"b": [1, [2, [3]]]}]]]})


def value_model(c: Cases) -> None:
    nums = [
        0,
        1,
        -1,
        3,
        1.5,
        1000000,
        3259190,
        123456,
        1234567,
        999999,
        0.0001,
        0.00001,
        1e21,
        1e20,
        1e100,
        -0.0,
        2**53,
        2**53 + 1,
        18446744073709551616,
        0.1,
        1 / 3,
        1e-7,
        5e-324,
        1.7976931348623157e308,
        100000,
        12345678901234567890,
        1.25,
        2.5e-5,
        7e22,
        123456.7,
        -1234567.5,
        30,
    ]
    for i, x in enumerate(nums):
        c.add(f"value.num.{i:03d}", "{{.x}}", {"x": x})
    shapes: list[Any] = [
        {"a": 1, "b": "x"},
        ["a", "b", "c"],
        ["a b", ""],
        [],
        {},
        None,
        [1, None],
        {"k": None},
        {"m": {"n": {"o": [1, {"p": True}]}}},
        [[1, 2], [], {}],
        [1e6, 0.5, -0.0],
        "plain",
        True,
        ["<&>", "\u2028"],
        {"": ""},
        [None],
    ]
    for i, shp in enumerate(shapes):
        c.add(f"value.shape.{i:03d}.dot", "{{.}}", shp)
        c.add(f"value.shape.{i:03d}.field", "{{.x}}", {"x": shp})
        c.add(
            f"value.shape.{i:03d}.printf",
            '{{printf "%v|%+v|%#v|%T|%s|%d" .x .x .x .x .x .x}}',
            {"x": shp},
        )
    c.table(
        "value.missing",
        [
            "{{.missing}}",
            "{{.nul}}",
            "{{print .missing}}",
            "{{print .nul}}",
            '{{printf "%v %v" .missing .nul}}',
            '{{printf "%T %T" .missing .nul}}',
            '{{printf "%d" .missing}}',
            '{{printf "%s" .nul}}',
            "{{.mixed}}",
            "{{index .mixed 2}}",
            "{{$x := index .mixed 2}}{{$x}}",
            "{{range .mixed}}{{.}},{{end}}",
            "{{with .mixed}}{{index . 2}}{{end}}",
            "{{json .missing}} {{json .nul}}",
            "{{html .missing}} {{js .nul}} {{urlquery .missing}}",
        ],
    )


def fmt_verbs(c: Cases) -> None:
    values = [
        ".s",
        ".u",
        ".n",
        ".f",
        ".neg",
        ".big",
        ".b",
        ".nul",
        ".missing",
        ".l",
        ".nl",
        ".m",
        "1",
        "-42",
        "3.14159",
        "1e21",
        "'x'",
        "true",
        '"x\\ty"',
        "2i",
        "(index .s 0)",
        ".mixed",
        "nil",
        "0",
        "255",
        '""',
    ]
    verbs = [
        "%v",
        "%+v",
        "%#v",
        "%s",
        "%d",
        "%q",
        "%x",
        "%X",
        "%t",
        "%f",
        "%e",
        "%g",
        "%T",
        "%5v",
        "%-5v|",
        "%05d",
        "%.2f",
        "%8.3f",
        "%+d",
        "% d",
        "%#x",
        "%o",
        "%b",
        "%c",
        "%U",
        "%E",
        "%G",
        "%.3s",
        "%10.2e",
        "%-8s|",
        "%#q",
        "%+q",
        "% x",
        "%F",
        "%O",
        "%.0f",
        "%.1f",
        "%6.2g",
        "%#o",
        "%x.",
        "%08.3f",
        "%+.2e",
        "%3c",
        "%-6d|",
        "%#v",
        "%.10g",
        "%.20f",
    ]
    for vi, v in enumerate(values):
        for wi, verb in enumerate(verbs):
            if (vi * 5 + wi * 3) % 7 == 0 or verb in ("%v", "%d", "%s"):
                c.add(f"fmt.m.{vi:02d}.{wi:02d}", f'{{{{printf "{verb}" {v}}}}}')
    c.table(
        "fmt.misc",
        [
            '{{printf "%%"}}',
            '{{printf "%d %s" 1}}',
            '{{printf "%d" 1 2}}',
            '{{printf "%d" 1 "x" 2.5}}',
            '{{printf "%"}}',
            '{{printf "%z" 1}}',
            '{{printf "%!" 1}}',
            '{{printf "%[2]d %[1]d" 1 2}}',
            '{{printf "%[3]d" 1 2}}',
            '{{printf "%[0]d" 1}}',
            '{{printf "%*d" 5 1}}',
            '{{printf "%-*d|" 5 1}}',
            '{{printf "%.*f" 2 3.14159}}',
            '{{printf "%*d" "x" 1}}',
            '{{printf "%*d" 5.0 1}}',
            '{{printf "%d" "x"}}',
            '{{printf "%s" true}}',
            '{{printf "%d" .f}}',
            '{{printf "%d" nil}}',
            '{{printf "%s" nil}}',
            '{{printf "%v" nil}}',
            '{{printf "%x" "hello"}}',
            '{{printf "% X" "hi"}}',
            '{{printf "%x" 1.5}}',
            '{{printf "%b" 1.5}}',
            '{{printf "%03.0f" .nl}}',
            '{{printf "%5s|" .l}}',
            '{{printf "%q" .l}}',
            '{{printf "%x" .l}}',
            '{{printf "%d" .m}}',
            '{{printf "%5.1f" .m}}',
            '{{printf "%q" "\\a\\u00e9\\ufeff"}}',
            '{{printf "%+q" "é世"}}',
            '{{printf "%#q" "back`tick"}}',
            '{{printf "%#q" "plain"}}',
            '{{printf "%q" 65}}',
            '{{printf "%.1f %.1f %.1f %.1f" 0.25 0.35 2.5 0.05}}',
            '{{printf "%.0f %.0f %.0f" 0.5 1.5 2.5}}',
            '{{printf "%5.2s|" "héllo"}}',
            '{{printf "%-10q|" "a"}}',
            '{{printf "%v" 1e6}}',
            '{{printf "%.3v" 3.14159}}',
            '{{printf "%10v|" .f}}',
            '{{printf "%t" 1}}',
            '{{printf "%#x %#X %#o %#b" 255 255 8 5}}',
            '{{printf "%x %X" -255 -255}}',
            '{{printf "%c %c" 65 0x1F600}}',
            '{{printf "%U %#U" 0x1F600 0x41}}',
            '{{printf "%e %E" 123456.789 0.000123}}',
            '{{printf "%g %g %g" 1e-5 1e21 123456789.0}}',
            '{{printf "%08.3f|%-8.3f|%+08d" -3.14159 2.5 42}}',
            '{{printf "%v %d" .big .big}}',
            '{{printf "%s" .big}}',
            '{{printf "%T %T %T %T %T" .s .n .l .m .b}}',
            '{{printf "%T %T %T" 1 1.0 2i}}',
            '{{printf "%v %.2f" 2i 1+2i}}',
            '{{printf "%6.2v|" "abcdef"}}',
            '{{printf "%#v %#v %#v" .s .n .b}}',
            '{{printf "%#v" .mixed}}',
            '{{printf "%+v" .m}}',
            '{{printf "%x" .s | printf "%q"}}',
            '{{printf "%s %s" .s}}',
            '{{printf "%d %!d" 1}}',
            '{{printf "%-20s %s\\n" "name" "value"}}',
            '{{printf "%v" .nested}}',
            '{{printf "%5t|%-6t|" true false}}',
            '{{printf "%x" .nl}}',
            '{{printf "%.2x" "hello"}}',
            '{{printf "%o %O" 64 64}}',
            '{{printf "%d" .nl}}',
            '{{printf "%s" .nl}}',
            '{{printf "%q" .mixed}}',
            '{{printf "%d" "%d"}}',
            '{{printf "%[1]d %[1]x %[1]o" 10}}',
            '{{printf "%[2]*[1]d|" 7 4}}',
            '{{printf "%.[2]*[1]f" 3.14159 2}}',
            '{{printf "%[1]d %d" 1 2}}',
            '{{printf "%-0+ #5d|" 3}}',
            '{{printf "%.f" 2.5}}',
            '{{printf "%.e" 2.5}}',
            '{{printf "% .3e" 2.5}}',
            '{{printf "%#g %#.3g" 1.0 2.0}}',
            '{{printf "%#e" 1.0}}',
            '{{printf "%x %X" 3.0 -0.5}}',
            '{{printf "%.3x" 1.0}}',
            '{{printf "%+.3g" -0.0}}',
            '{{printf "%v %v %v" 1e-320 -1e-7 123456789012.0}}',
            '{{printf "%10.4v|" 3.14159265}}',
            '{{printf "%t" .nul}}',
            '{{printf "%s" (index .s 0)}}',
            '{{printf "%v" (index .s 0)}}',
            '{{printf "%q" (index .s 0)}}',
            '{{printf "%c" (index .u 1)}}',
        ],
    )


def errors(c: Cases) -> None:
    c.table(
        "err.parse",
        [
            "{{",
            "{{.s",
            "{{.s}",
            "{{.s}}}}",
            "line1\nline2\n{{.s",
            "line1\n{{if .b}}\nline3",
            "{{if .b}}{{end}}{{end}}",
            "a\nb\n{{nofunc}}",
            "{{range .l}}{{else}}{{else}}{{end}}",
            "{{with .s}}{{else if .b}}{{end}}",
            '{{.s | printf "%d" | }}',
            "{{ $x := }}",
            "{{$x := := 1}}",
            "{{:= 1}}",
            "{{= 1}}",
            "{{.s = 1}}",
            "{{@}}",
            "{{#}}",
            '{{"a" "b"}}',
            "{{.s .n}}",
            "{{(1 2)}}",
            '{{printf "%d" (}}',
            "{{end}}{{.s}}",
            "{{else}}{{end}}",
            "{{if .b}}x{{else}}y",
            "{{range .l}}x",
            '{{define "a"}}',
            "{{block}}",
            "{{with}}{{end}}",
            "{{if .b}}{{range .l}}{{end}}",
            "\n\n\n{{.s}}\n{{.x.}}",
            "{{\n.s\n}}",
            "{{.s\n}}",
            "{{if\n.b}}ok{{end}}",
            "{{/* c */}}\n{{/* d\n */}}\n{{bad}}",
            "{{`a\nb` | nofunc}}",
            "{{range $i, $v := .l}}{{end}}{{$v}}",
            '{{printf "%s" $undefined}}',
            "{{$x := 1}}{{$y}}",
            "{{else if .b}}",
            "{{if .b}}{{else if .b}}{{else}}{{else if .b}}{{end}}",
            "{{break}}{{range .l}}{{end}}",
            '{{range .l}}{{define "a"}}{{end}}{{end}}',
            '{{template "a" | printf}}',
            "{{$x := 1 | $y := 2}}",
            "{{.s | $x := 1}}",
            '{{ .s | printf "%s" .}}',
            "{{3 | printf}}",
            "{{printf | 3}}",
            '{{.s|}}ok{{"x" | printf "%s%s" "y"}}',
            "{{nil 1}}",
            "{{true 1}}",
            "{{1 | true}}",
            "{{'}}",
            '{{"\\u12"}}',
            "{{1x}}",
            "{{0x1.8}}",
            "{{0x1.8p}}",
            "{{$}}{{$$}}",
            "{{.s.n.}}",
            "{{..}}",
            "{{. .}}",
            "{{$ .}}",
            "{{ if .b }}{{ else if }}{{ end }}",
            "{{}}",
            "{{ }}",
            "{{-}}",
            "{{- }}",
            "{{ -}}",
        ],
    )
    c.table(
        "err.exec",
        [
            "abc{{.nul.x}}def",
            "line1\n  héllo {{.nul.x}}",
            "{{.s}}{{.n.x.y}}",
            "{{.nested.a.b.c.d.e}}",
            "{{index .l 5}}",
            "{{ index .l 5 }}",
            "ok\n{{len .n}}",
            '{{printf "%s" .s | len | index .l}}',
            "{{range .l}}{{index $.l 9}}{{end}}",
            '{{range .l}}{{.}}{{if eq . "b"}}{{.x}}{{end}}{{end}}',
            "{{with .m}}{{.a.b}}{{end}}",
            "{{(index .lm 0).name.x}}",
            "{{(index .lm 5).name}}",
            "{{$x := .nul}}{{$x.y}}",
            "{{$x := .s}}{{$x.y}}",
            '{{template "a" .}}{{define "a"}}\n  {{.nul.q}}{{end}}',
            "{{eq .n 3}}",
            "{{lt .s 1.0}}",
            "{{.m.a.b.c}}",
            "{{println .s}}{{.s.x}}",
            "世界{{.s.x}}",
            '{{"世界"}}{{.s.x}}',
            "{{len .b}}{{len .n}}",
            "{{if .b}}{{index .m 1}}{{end}}",
            "{{range .nl}}{{.}}:{{if eq . 2.0}}{{.x}}{{end}}{{end}}",
            "{{slice .l 3 1}}",
            "{{$x := 1}}{{$x = .nul.y}}",
            '{{printf "%d" (index .l 7)}}',
            "{{(.s).x}}",
            '{{.s | printf "%s" | .x}}',
        ],
    )


def realistic(c: Cases) -> None:
    v1 = load_statement(*SLSA1_BLOB)
    v02 = load_statement(*SLSA02_BLOB)
    prov1 = c.dataset(
        "slsa1",
        {
            "Name": "127.0.0.1:5200/ocitrace/classic-slsa1-max:v1",
            "Provenance": {"SLSA": v1["predicate"]},
        },
    )
    prov02 = c.dataset(
        "slsa02",
        {
            "Name": "127.0.0.1:5200/ocitrace/classic-slsa02-max:v1",
            "Provenance": {"SLSA": v02["predicate"]},
        },
    )
    dockerfile_v02 = (
        '{{ range (index .Provenance.SLSA.metadata "https://mobyproject.org/buildkit@v1#metadata").source.infos }}'
        '{{ if eq .filename "Dockerfile" }}{{ .data }}{{ end }}{{ end }}'
    )
    dockerfile_v1 = (
        "{{ range .Provenance.SLSA.runDetails.metadata.buildkit_metadata.source.infos }}"
        '{{ if eq .filename "Dockerfile" }}{{ .data }}{{ end }}{{ end }}'
    )
    c.add("real.dockerfile.v02", dockerfile_v02, prov02)
    c.add("real.dockerfile.v1", dockerfile_v1, prov1)
    c.add("real.dockerfile.v02-on-v1", dockerfile_v02, prov1)
    c.add("real.dockerfile.v1-on-v02", dockerfile_v1, prov02)
    for label, data in (("v1", prov1), ("v02", prov02)):
        ts = [
            "{{json .Provenance}}",
            "{{json .Provenance.SLSA}}",
            "{{.Provenance.SLSA}}",
            "{{range $k, $v := .Provenance.SLSA}}{{$k}}\n{{end}}",
            '{{range $k, $v := .Provenance.SLSA}}{{printf "%-20s %T\\n" $k $v}}{{end}}',
            "{{with .Provenance.SLSA.buildDefinition}}{{.buildType}}\n"
            "{{range .resolvedDependencies}}{{.uri}} {{.digest.sha256}}\n{{end}}{{end}}",
            "{{with .Provenance.SLSA.invocation}}{{.configSource.entryPoint}} "
            "{{.environment.platform}}{{end}}",
            "{{range .Provenance.SLSA.materials}}{{.uri}}\n{{else}}no materials{{end}}",
            "{{$m := .Provenance.SLSA.metadata}}{{if $m}}{{$m.buildStartedOn}} "
            "{{$m.reproducible}} {{json $m.completeness}}{{end}}",
            "{{with .Provenance.SLSA.runDetails.metadata}}{{.invocationId}} {{.startedOn}} "
            "{{.buildkit_completeness}}{{end}}",
            "{{range $k, $v := .Provenance.SLSA.buildDefinition.externalParameters.request.args}}"
            '{{printf "%-40s %s\\n" $k $v}}{{end}}',
            "{{range $k, $v := .Provenance.SLSA.invocation.parameters.args}}"
            '{{printf "%-40s %q\\n" $k $v}}{{end}}',
            "{{with .Provenance.SLSA.runDetails.metadata.buildkit_metadata}}"
            "{{range $k, $v := .layers}}{{$k}}: {{range $v}}{{.digest}} {{.size}} {{end}}\n{{end}}{{end}}",
            "{{with .Provenance.SLSA.runDetails.metadata.buildkit_metadata.vcs}}{{.source}}@{{.revision}}{{end}}",
            '{{with index .Provenance.SLSA.metadata "https://mobyproject.org/buildkit@v1#metadata"}}'
            "{{.vcs.source}}@{{.vcs.revision}} {{len .source.locations}}{{end}}",
            "{{len .Provenance.SLSA.buildDefinition.internalParameters.buildConfig.llbDefinition}}",
            "{{range .Provenance.SLSA.buildConfig.llbDefinition}}{{.id}} {{end}}",
            '{{.Name}} {{printf "%.12s" .Provenance.SLSA.buildType}}',
            "{{range $s, $l := .Provenance.SLSA.runDetails.metadata.buildkit_metadata.source.locations}}"
            "{{$s}}={{with $l.locations}}{{(index (index . 0).ranges 0).start.line}}{{else}}-{{end}} {{end}}",
            '{{if eq .Provenance.SLSA.buildType "https://mobyproject.org/buildkit@v1"}}v0.2{{else}}other{{end}}',
            "{{.Provenance.SLSA.runDetails.builder.id}}|{{.Provenance.SLSA.builder.id}}",
            "{{range .Provenance.SLSA.buildConfig.llbDefinition}}{{.op.Op}}\n{{end}}",
            "{{json .Provenance.SLSA.buildDefinition.internalParameters.buildConfig.digestMapping}}",
            "{{range $i, $d := .Provenance.SLSA.runDetails.metadata.buildkit_metadata.source.infos}}"
            "{{$i}} {{$d.filename}} {{$d.language}} {{len $d.data}}{{end}}",
            "{{.Provenance.SLSA.nope.nope}}|{{.Provenance.SLSA.buildType.x}}",
        ]
        for i, t in enumerate(ts):
            c.add(f"real.prov.{label}.{i:03d}", t, data)
    # data.base64 decodes to the Dockerfile: a string with newlines and `#` through json
    infos = v1["predicate"]["runDetails"]["metadata"]["buildkit_metadata"]["source"]["infos"]
    dockerfile = base64.b64decode(infos[0]["data"]).decode()
    c.add("real.dockerfile-text", "{{.}}", dockerfile)
    c.add("real.dockerfile-json", "{{json .}}", dockerfile)
    c.add("real.statement-subject", "{{range .subject}}{{.name}} {{.digest.sha256}}\n{{end}}", v1)


RAND_FIELDS = [
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
    ".mixed",
    ".lm",
    ".html",
    ".u",
    ".big",
    "$",
    "$.s",
    "$x",
    "$v",
]
RAND_LITERALS = [
    "0",
    "1",
    "-2",
    "0x1F",
    "0b11",
    "1.5",
    "1e3",
    "2i",
    "'a'",
    '"str"',
    '"%v|%d"',
    '"%s"',
    "`raw`",
    "true",
    "false",
    "nil",
]
RAND_FUNCS = [
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
]


RAND_ARITY = {
    "len": 1,
    "index": 2,
    "slice": 2,
    "print": 2,
    "printf": 2,
    "println": 1,
    "html": 1,
    "js": 1,
    "urlquery": 1,
    "and": 2,
    "or": 2,
    "not": 1,
    "eq": 2,
    "ne": 2,
    "lt": 2,
    "le": 2,
    "gt": 2,
    "ge": 2,
    "json": 1,
}


class RandomTemplates:
    """A seeded generator of random templates (valid and not) for differential cases."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def operand(self, depth: int) -> str:
        r = self.r
        if depth <= 0 or r.random() < 0.7:
            return r.choice(RAND_FIELDS + RAND_LITERALS)
        return "(" + self.chain(depth - 1) + ")" + r.choice(["", "", "", ".a", ".s"])

    def nargs(self, fn: str, piped: bool) -> int:
        """Mostly the right number of arguments, sometimes any."""
        if self.r.random() < 0.8:
            return max(RAND_ARITY[fn] - piped, 0)
        return self.r.randint(0, 3)

    def call(self, depth: int, piped: bool) -> str:
        fn = self.r.choice(RAND_FUNCS)
        return " ".join([fn, *(self.operand(depth) for _ in range(self.nargs(fn, piped)))])

    def command(self, depth: int) -> str:
        if self.r.random() < 0.35:
            return self.operand(depth)
        return self.call(depth, piped=False)

    def chain(self, depth: int) -> str:
        r = self.r
        parts = [self.command(depth)]
        for _ in range(r.choice([0, 0, 0, 1, 2])):
            # after `|` only functions and fields execute
            parts.append(".s" if r.random() < 0.1 else self.call(depth, piped=True))
        return " | ".join(parts)

    def pipeline(self, depth: int, decls: tuple[str, ...] = ("", "", "", "$y := ", "$x = ")) -> str:
        return self.r.choice(decls) + self.chain(depth)

    def segment(self, depth: int) -> str:
        r = self.r
        roll = r.random()
        if roll < 0.2:
            return r.choice(["a", " ", "\n", "x y", "é", "\t"])
        if roll < 0.6 or depth <= 0:
            left = r.choice(["{{", "{{", "{{- "])
            right = r.choice(["}}", "}}", " -}}"])
            return left + self.pipeline(2) + right
        if roll < 0.65:
            return "{{/* c */}}"
        keyword = r.choice(["if", "with", "range", "range $i, $e :=", "range $e :="])
        body = "".join(self.segment(depth - 1) for _ in range(r.randint(0, 3)))
        loop = (
            r.choice(["", "", "{{break}}", "{{continue}}"]) if keyword.startswith("range") else ""
        )
        tails = ["", "{{else}}" + self.segment(depth - 1)]
        if keyword in ("if", "with"):
            tails.append("{{else " + keyword + " " + self.chain(1) + "}}x")
        tail = r.choice(tails)
        head = (
            self.chain(1) if keyword.startswith("range $") else self.pipeline(1, ("", "", "$y := "))
        )
        return "{{" + keyword + " " + head + "}}" + body + loop + tail + "{{end}}"

    def template(self) -> str:
        prelude = "{{$x := 1}}{{$v := .l}}" if self.r.random() < 0.8 else ""
        return prelude + "".join(self.segment(2) for _ in range(self.r.randint(1, 4)))


SAFE_OPERANDS = [
    "$.s",
    "$.n",
    "$.f",
    "$.b",
    "$.e",
    "$.nul",
    "$.l",
    "$.nl",
    "$.m",
    "$.m.a",
    "$.nested",
    "$.missing",
    "$.mixed",
    "$.lm",
    "$.html",
    "$.u",
    "$.big",
    "$.neg",
    "$.z",
    ".",
    "$",
    "$x",
    "$v",
    "0",
    "-2",
    "1.5",
    "1e6",
    "2i",
    "'a'",
    '"str"',
    "`r`",
    "true",
    "nil",
]
SAFE_CALLS = [
    "print",
    "println",
    'printf "%v"',
    'printf "%#v"',
    'printf "%T"',
    'printf "%q|%v"',
    'printf "%5.2v|"',
    "json",
    "html",
    "js",
    "urlquery",
    "not",
    "and",
    "or",
]


class SafeTemplates(RandomTemplates):
    """Random templates built only from total functions and `$`-rooted fields: they run."""

    def operand(self, depth: int) -> str:
        if depth <= 0 or self.r.random() < 0.75:
            return self.r.choice(SAFE_OPERANDS)
        return "(" + self.chain(depth - 1) + ")"

    def call(self, depth: int, piped: bool) -> str:
        fn = self.r.choice(SAFE_CALLS)
        if fn in ("not", "json"):  # exactly one argument
            return fn if piped else f"{fn} {self.operand(depth)}"
        args = [self.operand(depth) for _ in range(self.r.randint(0 if piped else 1, 3))]
        return " ".join([fn, *args])

    def chain(self, depth: int) -> str:
        parts = [self.call(depth, piped=False) if self.r.random() < 0.6 else self.operand(depth)]
        for _ in range(self.r.choice([0, 0, 1, 2])):
            parts.append(self.call(depth, piped=True))
        return " | ".join(parts)

    def segment(self, depth: int) -> str:
        r = self.r
        roll = r.random()
        if roll < 0.2:
            return r.choice(["a", " ", "\n", "é", "\t"])
        if roll < 0.6 or depth <= 0:
            return r.choice(["{{", "{{- "]) + self.chain(2) + r.choice(["}}", " -}}"])
        keyword = r.choice(["if", "with", "range", "range $i, $e :=", "range $e :="])
        head = r.choice(
            ["$.l", "$.m", "$.nl", "$.lm", "$.mixed", "$.em", "$.el", "$.nul", "3", "$.s", "$.z"]
        )
        if not keyword.startswith("range"):
            head = self.chain(1)
        body = "".join(self.segment(depth - 1) for _ in range(r.randint(0, 3)))
        if keyword.startswith("range $i"):
            body += "{{$i}}:{{$e}}"
        if keyword.startswith("range") and head in ("$.s", "$.z") and keyword != "range":
            head = "$.l"
        if head == "$.s" and keyword.startswith("range"):
            head = "$.lm"
        tail = r.choice(["", "{{else}}" + self.segment(depth - 1)])
        return "{{" + keyword + " " + head + "}}" + body + tail + "{{end}}"


def random_templates(c: Cases) -> None:
    """Seeded random templates: Go decides every output and message (a differential test)."""
    gen = RandomTemplates(20261123)
    for i in range(300):
        c.add(f"rand.{i:03d}", gen.template())
    safe = SafeTemplates(1123)
    for i in range(300):
        c.add(f"rand.safe.{i:03d}", safe.template())


def stress(c: Cases) -> None:
    """Corners where a port most easily drifts from Go: fmt, quoting, floats, escapes."""
    c.table(
        "stress.fmt",
        [
            '{{printf "%08s|%-08s|%08q" "ab" "ab" "ab"}}',
            '{{printf "%-08d|%+08.3e|% 5d|%#8x" 42 3.14159 7 255}}',
            '{{printf "%.3q|%5.1q|%#s" "abcdef" "xyz" "s"}}',
            '{{printf "%U %c %q" -1 -1 -1}}',
            '{{printf "%c %q" 0x110000 0x110000}}',
            '{{printf "%e|%x|%t|%s" 1 true 1 1.5}}',
            '{{printf "%d" .l}}',
            '{{printf "%v" 1e-320}}',
            '{{printf "%.100f" 0.1}}',
            '{{printf "%.30g" 0.1}}',
            '{{printf "%b %o %O %x" -5 -8 -8 -255}}',
            '{{printf "%x %X" .m .m}}',
            '{{printf "%v %.2e %.0e %.3g" 0.30000000000000004 1.125 2.5 0.0001235}}',
            '{{printf "%v %v %v" 1e23 9.999999999999999e22 123456789012345680000.0}}',
            '{{printf "%6.3v|%-6.3v|" 3.14159 "abcdef"}}',
            '{{printf "%+v %+d %+s" -1 5 "x"}}',
            '{{printf "%#v %#v %#v %#v" 1.0 1e21 -0.0 2i}}',
            '{{printf "%#v" .nested}}',
            '{{printf "%v" .mixed}}',
            '{{printf "%+v" .mixed}}',
            '{{printf "%s" .mixed}}',
            '{{printf "%d" .mixed}}',
            '{{printf "%5v|%-5v|%05v" .nl .l .nl}}',
            '{{printf "%.1f" .m}}',
            '{{printf "%T" (index .mixed 4)}}',
            '{{printf "%T %v" (slice .s 1 2) (slice .s 1 2)}}',
            '{{printf "%q" (index .s 0)}}',
            '{{printf "%x % X %#x" (slice .u 0 3) "héllo" "hi"}}',
            '{{printf "%[2]d %[2]d %d" 1 2}}',
            '{{printf "%[-1]d" 1}}',
            '{{printf "%[1]" 1}}',
            '{{printf "%.*d|%*.*f" -1 5 8 2 3.14159}}',
            '{{printf "%*d" 10000000 1 | len}}',
            '{{printf "%-*d|" -5 1}}',
            '{{printf "%!%d" 1}}',
            '{{printf "%+ d|%0-5d|" 3 4}}',
            '{{printf "%v %s" (index .l 0) (index .nl 0)}}',
            '{{printf "%t %t" .b .nul}}',
            '{{printf "%08.3f|%+.0f|%#.0f" -1.5 2.5 3.0}}',
            '{{printf "%g %G %e" 1e-7 1e+21 0.0}}',
            '{{printf "%.3e %.3E" 123456789.0 -0.00012345}}',
            '{{printf "%5.2f%%" 99.5}}',
            '{{printf "%c%c%c" 72 105 0x263A}}',
            '{{printf "%-4c|%4c|" 65 66}}',
            '{{printf "%#U" 0x0}}',
            '{{printf "%q %+q %#q" "\u00a0\u200b\ue000" "\U0010ffff" "tab\there"}}',
            '{{printf "%q" "\u0085\u00ad\u2028\U000e0001"}}',
            '{{printf "%x" 0.1}}',
            '{{printf "%.2x %X" 1.5 -2.75}}',
            '{{printf "%b" 0.1}}',
            '{{printf "%v %d" 9223372036854775807 -9223372036854775808}}',
            '{{printf "%v %v" 0x8000000000000000 1}}',
            '{{printf "%6.2f|%-8.3e|%+g" .f .big .neg}}',
        ],
    )
    c.table(
        "stress.escape",
        [
            '{{js "\u0085\u00a0\U000e0001\U0001f600\x7f"}}',
            '{{js "a\u2028b\u2029c"}}',
            '{{js "</script><!-- x=1 & y>2 -->"}}',
            '{{js "\x00\x1f\x0b\x0c"}}',
            '{{html "\x00\u00a0&amp;"}}',
            '{{urlquery "é/ü?&=#+%~*\u2028"}}',
            "{{urlquery (slice .u 1 2)}}",
            "{{js (slice .u 1 2)}}",
            "{{html (slice .u 1 2)}}",
            '{{json "\ufffd\x7f\u0085"}}',
            "{{json (index .s 0)}}",
            "{{json 9223372036854775807}}",
            "{{json -0.0}} {{json 1e-7}} {{json 1e21}} {{json 123456789.123}}",
            "{{json (slice .mixed 0 3)}}",
            "{{js .l}} {{html .m}} {{urlquery .nl}}",
            '{{js 1 2 "a" 3}}',
            "{{html nil}}",
            "{{print (slice .u 1 2)}}",
            '{{len (printf "%c" 0x1F600)}}',
        ],
    )
    c.table(
        "stress.value",
        [
            "{{eq 'a' 97}}",
            "{{eq 1.0 1}}",
            "{{eq 2i 2i}} {{ne 2i 3i}}",
            "{{lt 2i 3i}}",
            "{{lt (index .s 0) -1}}",
            "{{gt (index .s 0) -1}}",
            "{{eq (index .s 0) 104}}",
            "{{eq (index .s 0) 104.0}}",
            "{{slice .l (index .s 0)}}",
            '{{index .l (index "\\x01" 0)}}',
            "{{len (index .s 0)}}",
            '{{range (index "\\x03" 0)}}{{.}}{{end}}',
            "{{range $i, $e := .m}}{{$i}}{{$e}}{{end}}",
            "{{range $i := .l}}{{$i = 5}}{{$i}}{{end}}",
            "{{print 1e21 1e20 1.0 2i -0.0}}",
            '{{println 1e6 "x" nil}}',
            '{{print .b 1 "a" .nul .l}}',
            '{{not 0.0}} {{not 0i}} {{not ""}} {{not .em}}',
            '{{and 1}} {{or 0}} {{printf "%T" (and 1 1.5)}}',
            "{{0x1p-1074}} {{1e-400}}",
            "{{0x8000000000000000}}",
            "{{-0x8000000000000000}}",
            '{{1e19}} {{printf "%T" 1e19}}',
            "{{100000000000000000000}}",
            "{{'\\400'}}",
            "{{'\\377'}}",
            "{{with .e}}x{{else with .em}}y{{else with .m}}{{.a}}{{end}}",
            '{{block "a" .}}x{{end}}{{define "a"}}y{{end}}',
            '{{define "a"}}y{{end}}{{block "a" .}}x{{end}}',
            "{{.}}",
            "{{.m.b | len}}",
            '{{index .nested "a" "b" "c" 0}}',
            "{{slice (index .nested.a.b.c) 1 3}}",
        ],
    )
    c.table(
        "stress.pos",
        [
            "{{`a\nb\nc`}}\n{{.nul.x}}",
            "{{/* a\nb */}}\n\n{{.nul.x}}",
            "a\r\nb\r\n{{.nul.x}}",
            "\t\t{{.nul.x}}",
            "é世🎉{{.nul.x}}",
            "{{if .b}}\n  {{range .l}}\n    {{.x}}\n  {{end}}\n{{end}}",
            "{{\n  .nul.x\n}}",
            "{{.s}}{{\n.s.x}}",
            "{{/* a\nb */}}\n{{.s",
            "{{`a\nb`}}\n{{.s",
            '{{"a"}}\n\n\n{{end}}',
            "{{if .b}}\n{{else}}\n{{else}}\n{{end}}",
            "{{- /* x\ny */ -}}\n{{nofunc}}",
            '\n{{define "a"}}\n{{.nul.x}}{{end}}{{template "a" .}}',
            '{{range .l}}{{if eq . "c"}}\n{{index $.l 7}}{{end}}{{end}}',
            "ab{{(index .lm 0).zz.y}}",
            "{{$x := .nested}}\n  {{$x.a.b.c.d}}",
            '{{printf "%s" .s | printf "%d" | len | index .l}}',
        ],
    )


def reprints(c: Cases) -> None:
    """Parse-tree reprints (every parsed case records one; these target the printer)."""
    c.table(
        "reprint",
        [
            "{{ .Manifest }}",
            "{{- .Manifest -}}",
            "{{.Manifest}}{{/* c */}}",
            "  {{ .Manifest }}  ",
            "{{.Manifest}}\n",
            "\n{{ .Manifest }}\n",
            "{{ .Manifest.Digest }}",
            "{{if .b}}a{{else if .s}}b{{else}}c{{end}}",
            "{{with .e}}a{{else with .s}}b{{else}}c{{end}}",
            '{{block "n" .}}x{{end}}',
            '{{define "a"}}x{{end}}y{{template "a" .s}}',
            "{{range $i, $v := .l}}{{$i}}{{break}}{{continue}}{{else}}e{{end}}",
            "{{with $x := .s}}{{$x}}{{end}}{{$y := 1}}{{$y = 2}}",
            "{{ 0x1F }} {{1_000}} {{`raw`}} {{'a'}} {{\"s\\t\"}} {{1e3}} {{2i}} {{-0.0}} {{+7}}",
            '{{(.s).x}} {{(index .m "a")}} {{((.s))}}',
            '{{.s | printf "%s" | len}}',
            "{{ nil }} {{ true }} {{ false }}",
            "{{ $ }} {{ $.s }} {{ . }}",
            "{{range 3}}{{.}}{{end}}",
            "{{if and .b (not .e) (or .s .n)}}x{{end}}",
            "a {{- /* trim */ -}} b",
            '{{`multi\nline`}}{{"\\n"}}',
        ],
    )


def main() -> int:
    c = Cases()
    c.dataset("common", DATA)
    for part in (
        lexing,
        actions,
        ranges,
        templates,
        builtins,
        json_func,
        value_model,
        fmt_verbs,
        errors,
        realistic,
        reprints,
        stress,
        random_templates,
    ):
        part(c)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in c.rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(c.names)} cases -> {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
