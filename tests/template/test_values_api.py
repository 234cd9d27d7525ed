"""The typed value layer's Python-side contracts: value objects are immutable and compare
by value, plain callables get the Go signature ``inspect`` would give them, the package
imports without the modules it defers."""

from __future__ import annotations

import functools
import inspect
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from ocitrace.template import INT, STRING, Field, Func, FuncType, Int, Ptr, PtrType, render
from ocitrace.template.gotypes import ANY, BasicType, Kind, Named, func_of


def _inspect_params(fn: Callable[..., Any]) -> tuple[int, bool]:
    """What func_of did before it stopped importing inspect: the reference behaviour."""
    params = 0
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            params += 1
            if p.default is not p.empty:
                return params, True
        elif p.kind == p.VAR_POSITIONAL:
            return params + 1, True
    return params, False


class _Obj:
    def method(self, a: Any, b: Any = 1) -> Any:
        return a

    def __call__(self, x: Any) -> Any:
        return x


def _plain(a: Any, b: Any) -> Any:
    return a


def _star(a: Any, *rest: Any) -> Any:
    return a


def _kwonly(a: Any, *, k: Any = 1) -> Any:
    return a


CALLABLES: list[Callable[..., Any]] = [
    _plain,
    _star,
    _kwonly,
    lambda: 1,
    lambda x, y=2: x,
    _Obj().method,
    _Obj(),
    functools.partial(_plain, 1),
    functools.partial(_star, 1, 2),
    functools.partial(functools.partial(_plain, 1), 2),
    len,
    str.upper,
]


@pytest.mark.parametrize("fn", CALLABLES, ids=repr)
def test_func_of_matches_inspect_signature(fn: Callable[..., Any]) -> None:
    ft = func_of(fn).type
    assert (len(ft.params), ft.variadic) == _inspect_params(fn)
    assert all(p == ANY for p in ft.params)
    assert ft.returns_error


def test_value_objects_are_frozen_and_compare_by_value() -> None:
    f = Field("Size", INT, json="size")
    assert f == Field("Size", INT, json="size")
    assert hash(f) == hash(Field("Size", INT, json="size"))
    assert f != Field("Size", INT)
    with pytest.raises(AttributeError):
        f.name = "x"  # type: ignore[misc]
    assert Ptr(INT, 3) == Ptr(INT, 3) and PtrType(INT) == PtrType(INT)
    assert Int(3, "int64") != Int(3, "int")
    with pytest.raises(ValueError):
        Int(1, "int128")
    assert FuncType((INT,), STRING) == FuncType((INT,), STRING)


def test_named_basic_types_compare_by_name_and_kind_only() -> None:
    a = BasicType("x.Name", Kind.STRING, {"Len": lambda s: len(s)})
    b = BasicType("x.Name", Kind.STRING)
    assert a == b and hash(a) == hash(b)
    assert a.named and not STRING.named
    assert a != BasicType("x.Name", Kind.INT)


def test_named_value_in_an_interface_keeps_its_type_and_methods() -> None:
    digest = BasicType(
        "digest.Digest",
        Kind.STRING,
        {"Encoded": Func(lambda d: d.split(":", 1)[1], FuncType((), STRING))},
    )
    data = {"d": Named(digest, "sha256:abc")}
    assert render('{{.d.Encoded}} {{printf "%T %v" .d .d}}', data) == "abc digest.Digest sha256:abc"


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_defers_parser_executor_json_and_time() -> None:
    loaded = _modules_after("import ocitrace.template") - _modules_after("import ocitrace")
    deferred = {
        "ocitrace.template.exec",
        "ocitrace.template.parse",
        "ocitrace.template.lex",
        "ocitrace.template.gojson",
        "ocitrace.template.gotime",
        "inspect",
        "dataclasses",
        "json",
        "datetime",
    }
    assert loaded & deferred == set()
    assert "ocitrace.template.gotypes" in loaded
