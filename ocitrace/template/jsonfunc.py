"""buildx's only extra template function: ``json`` (util/imagetools/printers.go)."""

from __future__ import annotations

from .gotypes import ANY, STRING, Func, FuncType

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _json(v: Any) -> str:
    from .gojson import UnsupportedValue, marshal_indent  # json is loaded on first use

    try:
        return marshal_indent(v)
    except UnsupportedValue:
        return ""


# func(interface{}) string: json.MarshalIndent(v, "", "  ") with the error dropped.
json_func = Func(_json, FuncType((ANY,), STRING))
