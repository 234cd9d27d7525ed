"""buildx's only extra template function: ``json`` (util/imagetools/printers.go)."""

from __future__ import annotations

from typing import Any

from .gojson import UnsupportedValue, marshal_indent
from .gotypes import ANY, STRING, Func, FuncType


def _json(v: Any) -> str:
    try:
        return marshal_indent(v)
    except UnsupportedValue:
        return ""


# func(interface{}) string: json.MarshalIndent(v, "", "  ") with the error dropped.
json_func = Func(_json, FuncType((ANY,), STRING))
