"""The public API around the Go-conformant core (whose outputs tests/gotemplate checks)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from ocitrace.template import (
    ExecError,
    ParseError,
    Template,
    TemplateError,
    json_func,
    render,
)


def test_render_equals_template_path() -> None:
    data = {"a": {"b": [1, 2.5, None]}, "s": "x"}
    text = "{{.s}} {{.a.b}} {{index .a.b 1}} {{json .a}}"
    via_template = Template("").funcs({"json": json_func}).parse(text).execute(data)
    assert render(text, data, {"json": json_func}) == via_template


def test_error_classes_and_partial_output() -> None:
    with pytest.raises(ParseError) as p:
        render("{{.a", {})
    assert isinstance(p.value, TemplateError)
    assert str(p.value).startswith("template: :1: ")
    with pytest.raises(ExecError) as e:
        render("head {{index .l 5}} tail", {"l": [1]})
    assert e.value.partial_output == "head "
    assert str(e.value).startswith('template: :1:7: executing "" at <index .l 5>: ')


def test_json_is_not_builtin_without_funcs() -> None:
    # Go's text/template has no json; buildx adds it. Without it parsing fails like Go.
    with pytest.raises(ParseError) as info:
        render("{{json .}}", {})
    assert str(info.value) == 'template: :1: function "json" not defined'


def test_json_func_is_callable_directly() -> None:
    data = json.loads('{"b": [1, "<&>"], "a": 1e21, "c": 0.000001}')
    out = json_func(data)
    assert json.loads(out) == data
    assert "\\u003c\\u0026\\u003e" in out
    assert json_func(1j) == ""


def test_defines_shared_across_parses_and_execute_template() -> None:
    t = Template("main")
    t.parse('{{define "x"}}[{{.}}]{{end}}')
    t.parse('a{{template "x" .n}}b')
    assert t.execute({"n": "v"}) == "a[v]b"
    assert t.execute_template("x", 7) == "[7]"
    with pytest.raises(ExecError):
        t.execute_template("nope", None)


def test_one_parsed_template_renders_many_times() -> None:
    t = Template("").parse("{{range $i, $v := .}}{{$i}}={{$v}} {{end}}")
    assert t.execute(["a", "b"]) == "0=a 1=b "
    assert t.execute(["c"]) == "0=c "


def _big_doc() -> dict[str, Any]:
    return {
        "buildType": "https://mobyproject.org/buildkit@v1",
        "materials": [
            {"uri": f"pkg:docker/alpine@3.{i}", "digest": {"sha256": "ab" * 32}}
            for i in range(3000)
        ],
        "metadata": {
            "layers": {
                f"step{i}": [{"digest": "sha256:" + "cd" * 32, "size": 1234567 + i}]
                for i in range(1500)
            }
        },
    }


def test_megabyte_document_renders_quickly() -> None:
    doc = json.loads(json.dumps(_big_doc()))
    assert len(json.dumps(doc)) > 500_000
    start = time.perf_counter()
    out = render("{{json .}}", doc, {"json": json_func})
    listing = render(
        '{{range .materials}}{{.uri}} {{index .digest "sha256"}}\n{{end}}'
        "{{range $k, $v := .metadata.layers}}{{$k}}={{len $v}}\n{{end}}",
        doc,
    )
    elapsed = time.perf_counter() - start
    assert json.loads(out) == doc
    assert listing.count("\n") == 4500
    assert elapsed < 5.0
