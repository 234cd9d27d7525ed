"""The Template API (template.go + helper.go): named templates sharing definitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .errors import ExecError
from .gotypes import Func, func_of

# The parser and the executor are imported when first used, so importing the package
# stays cheap for callers that never render.  Annotations only (PEP 563) below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .funcs import Builtin
    from .parse import Tree

    FuncLike = Callable[..., Any] | Func


class _Common:
    """State shared by associated templates: the definitions and the function map."""

    def __init__(self) -> None:
        from .funcs import BUILTINS

        self.tmpl: dict[str, Template] = {}
        self.funcs: dict[str, Func] = {}
        self.builtins = BUILTINS


class Template:
    """``Template(name).funcs({...}).parse(text)``, then ``execute(data) -> str``."""

    def __init__(self, name: str = "", common: _Common | None = None) -> None:
        self.name = name
        self.tree: Tree | None = None
        self.common = common or _Common()
        self.left_delim = ""
        self.right_delim = ""

    def new(self, name: str) -> Template:
        t = Template(name, self.common)
        t.left_delim = self.left_delim
        t.right_delim = self.right_delim
        return t

    def funcs(self, funcs: Mapping[str, FuncLike]) -> Template:
        for name, fn in funcs.items():
            if not callable(fn):
                raise TypeError(f"value for {name} not a function")
            self.common.funcs[name] = func_of(fn)
        return self

    def delims(self, left: str, right: str) -> Template:
        self.left_delim = left
        self.right_delim = right
        return self

    def lookup(self, name: str) -> Template | None:
        return self.common.tmpl.get(name)

    def find_function(self, name: str) -> Builtin | Func | None:
        fn = self.common.funcs.get(name)
        if fn is not None:
            return fn
        return self.common.builtins.get(name)

    def parse(self, text: str) -> Template:
        """Parse ``text``; its defines join this template's set.  Raises ParseError."""
        from .parse import parse

        names = set(self.common.builtins) | set(self.common.funcs)
        trees = parse(self.name, text, self.left_delim, self.right_delim, names)
        for name, tree in trees.items():
            self.add_parse_tree(name, tree)
        return self

    def add_parse_tree(self, name: str, tree: Tree) -> Template:
        nt = self if name == self.name else self.new(name)
        if self._associate(nt, tree) or nt.tree is None:
            nt.tree = tree
        return nt

    def _associate(self, new: Template, tree: Tree) -> bool:
        from .node import is_empty_tree

        old = self.common.tmpl.get(new.name)
        if old is not None and is_empty_tree(tree.root) and old.tree is not None:
            return False
        self.common.tmpl[new.name] = new
        return True

    def execute(self, data: Any = None) -> str:
        """Run the template over ``data``; raises ExecError (with ``partial_output``)."""
        from .exec import State, _Fail, data_value

        out: list[str] = []
        dot = data_value(data)
        state = State(self, out, dot)
        try:
            if self.tree is None or self.tree.root is None:
                state.errorf(f"{_q(self.name)} is an incomplete or empty template")
            assert self.tree is not None and self.tree.root is not None
            state.walk(dot, self.tree.root)
        except _Fail as f:
            raise ExecError(f.message, f.name, "".join(out)) from None
        except RecursionError:
            raise ExecError(
                f"template: {self.name}: exceeded maximum template depth (100000)",
                self.name,
                "".join(out),
            ) from None
        return "".join(out)

    def execute_template(self, name: str, data: Any = None) -> str:
        t = self.lookup(name)
        if t is None:
            raise ExecError(
                f"template: no template {_q(name)} associated with template {_q(self.name)}", name
            )
        return t.execute(data)

    def __str__(self) -> str:
        return str(self.tree) if self.tree is not None else ""


def _q(s: str) -> str:
    from .strconv import quote

    return quote(s)


def render(text: str, data: Any, funcs: Mapping[str, FuncLike] | None = None) -> str:
    """Parse ``text`` as template ``""`` with ``funcs`` and execute it over ``data``."""
    t = Template("")
    if funcs:
        t.funcs(funcs)
    return t.parse(text).execute(data)
