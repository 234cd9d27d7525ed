"""Deeply nested templates are parse errors (exit 8) with Go's wording, never RecursionError."""

from __future__ import annotations

import io

import pytest

from ocitrace.cli.main import main
from ocitrace.template import render
from ocitrace.template.errors import ParseError
from ocitrace.template.parse import MAX_STACK_DEPTH

SHAPES = {
    "parens": "{{" + "(" * 5000 + "1" + ")" * 5000 + "}}",
    "if": "{{if 1}}" * 5000 + "x" + "{{end}}" * 5000,
    "range": "{{range .}}" * 5000 + "{{end}}" * 5000,
    "with-else-with": "{{with 1}}" + "{{else with 1}}" * 5000 + "{{end}}",
    "block": "".join(f'{{{{block "b{i}" .}}}}' for i in range(3000)) + "{{end}}" * 3000,
}


@pytest.mark.parametrize("name", SHAPES)
def test_deep_template_is_a_parse_error(name: str) -> None:
    with pytest.raises(ParseError, match="max expression depth exceeded"):
        render(SHAPES[name], {})


def test_depth_at_the_limit_still_renders() -> None:
    depth = MAX_STACK_DEPTH - 1
    assert render("{{" + "(" * depth + "1" + ")" * depth + "}}", {}) == "1"
    assert render("{{if 1}}" * depth + "x" + "{{end}}" * depth, {}) == "x"


def test_cli_deep_format_exits_8() -> None:
    err = io.StringIO()
    code = main(
        ["inspect", "oci-layout://fixtures/buildkit/multi-prov-max:v1", "--format", SHAPES["if"]],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=err,
        environ={},
    )
    assert code == 8, err.getvalue()
    assert "max expression depth exceeded" in err.getvalue()
