"""Go text/template's executor (exec.go): walks a tree over reflect-style values.

Execution state (output buffer, variable stack, current node, depth) lives in ``State``,
one per run, so a parsed template can be executed concurrently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from . import strconv
from .errors import GoError
from .fmt import sprint
from .funcs import (
    REFLECT_VALUE,
    Builtin,
    _prepare_arg,
    assignable,
    can_be_nil,
    is_true,
    printable_value,
    truth,
)
from .gotypes import (
    BOOL,
    COMPLEX128,
    FLOAT64,
    INT,
    INT_KINDS,
    SIGNED_KINDS,
    STRING,
    UNSIGNED_KINDS,
    BasicType,
    Func,
    GoType,
    Kind,
    MapType,
    Ptr,
    PtrType,
    StructType,
    find_method,
    func_of,
    type_of,
)
from .node import (
    ActionNode,
    BoolNode,
    BreakNode,
    ChainNode,
    CommentNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NodeType,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
)
from .reflect import (
    INVALID,
    RV,
    elem,
    indirect,
    indirect_interface,
    is_nil,
    make,
    map_index,
    seq_elem_type,
    seq_items,
    sorted_map,
    struct_field,
    to_interface,
    value_of,
)

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .template import Template

MAX_EXEC_DEPTH = 100000

MISSING = RV(StructType("template.missingValType", ()), None)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Fail(Exception):
    """Internal: carries the formatted ExecError message up to Template.execute."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.message = message
        self.name = name


def error_context(n: Node) -> tuple[str, str]:
    """Tree.ErrorContext: ``NAME:LINE:COL`` (COL in bytes) and the node's reprint."""
    tree = n.tree
    text = tree.text if tree is not None else ""
    pos = n.pos
    before = text[:pos]
    nl = before.rfind("\n")
    line_text = before[nl + 1 :]
    col = len(line_text.encode("utf-8", "surrogateescape"))
    line = 1 + before.count("\n")
    name = tree.parse_name if tree is not None else ""
    return f"{name}:{line}:{col}", str(n)


Callee = Builtin | Func


class State:
    """One execution: the template being run, output, variables, position, depth."""

    def __init__(self, tmpl: Template, out: list[str], dot: RV, depth: int = 0) -> None:
        self.tmpl = tmpl
        self.out = out
        self.node: Node | None = None
        self.vars: list[list[Any]] = [["$", dot]]
        self.depth = depth

    # -- variables ---------------------------------------------------------------------
    def push(self, name: str, value: RV) -> None:
        self.vars.append([name, value])

    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: RV) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i][1] = value
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: RV) -> None:
        self.vars[len(self.vars) - n][1] = value

    def var_value(self, name: str) -> RV:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                v: RV = self.vars[i][1]
                return v
        self.errorf(f"undefined variable: {name}")
        raise AssertionError

    def at(self, node: Node) -> None:
        self.node = node

    def errorf(self, msg: str) -> None:
        name = self.tmpl.name
        if self.node is None:
            text = f"template: {name}: {msg}"
        else:
            location, context = error_context(self.node)
            text = f"template: {location}: executing {strconv.quote(name)} at <{context}>: {msg}"
        raise _Fail(text, name)

    # -- walk --------------------------------------------------------------------------
    def walk(self, dot: RV, node: Node) -> None:
        self.at(node)
        if isinstance(node, TextNode):
            self.out.append(node.text)
        elif isinstance(node, ListNode):
            for n in node.nodes:
                self.walk(dot, n)
        elif isinstance(node, ActionNode):
            val = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, val)
        elif isinstance(node, IfNode):
            self.walk_if_or_with(False, dot, node.pipe, node.list, node.else_list)
        elif isinstance(node, WithNode):
            self.walk_if_or_with(True, dot, node.pipe, node.list, node.else_list)
        elif isinstance(node, RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, BreakNode):
            raise _Break()
        elif isinstance(node, ContinueNode):
            raise _Continue()
        elif isinstance(node, CommentNode):
            pass
        else:
            self.errorf(f"unknown node: {node}")

    def walk_if_or_with(
        self,
        is_with: bool,
        dot: RV,
        pipe: PipeNode,
        lst: ListNode,
        else_list: ListNode | None,
    ) -> None:
        mark = self.mark()
        try:
            val = self.eval_pipeline(dot, pipe)
            t, ok = is_true(indirect_interface(val))
            if not ok:
                self.errorf(f"if/with can't use {sprint([val])}")
            if t:
                self.walk(val if is_with else dot, lst)
            elif else_list is not None:
                self.walk(dot, else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: RV, r: RangeNode) -> None:
        self.at(r)
        mark0 = self.mark()
        try:
            self._walk_range(dot, r)
        except _Break:
            pass
        finally:
            self.pop(mark0)

    def _walk_range(self, dot: RV, r: RangeNode) -> None:
        val, _ = indirect(self.eval_pipeline(dot, r.pipe))
        mark = self.mark()
        decl = r.pipe.decl

        def one(index: RV, el: RV) -> None:
            if decl:
                if r.pipe.is_assign:
                    if len(decl) > 1:
                        self.set_var(decl[0].ident[0], index)
                    else:
                        self.set_var(decl[0].ident[0], el)
                else:
                    self.set_top_var(1, el)
            if len(decl) > 1:
                if r.pipe.is_assign:
                    self.set_var(decl[1].ident[0], el)
                else:
                    self.set_top_var(2, index)
            try:
                self.walk(el, r.list)
            except _Continue:
                pass
            finally:
                self.pop(mark)

        k = val.kind
        if k == Kind.SLICE:
            items = seq_items(val)
            if items:
                et = seq_elem_type(val)
                for i, it in enumerate(items):
                    one(RV(INT, i), make(et, it))
                return
        elif k == Kind.MAP:
            entries = sorted_map(val)
            if entries:
                for kv, vv in entries:
                    one(kv, vv)
                return
        elif k in INT_KINDS:
            if len(decl) > 1:
                self.errorf(f"can't use {sprint([val])} to iterate over more than one variable")
            n = int(val.val)
            if n > 0:
                for i in range(n):
                    one(INVALID, RV(val.typ, i))
                return
        elif k == Kind.INVALID:
            pass
        else:
            self.errorf(f"range can't iterate over {sprint([val])}")
        if r.else_list is not None:
            self.walk(dot, r.else_list)

    def walk_template(self, dot: RV, t: TemplateNode) -> None:
        self.at(t)
        tmpl = self.tmpl.lookup(t.name)
        if tmpl is None:
            self.errorf(f"template {strconv.quote(t.name)} not defined")
            raise AssertionError
        if self.depth == MAX_EXEC_DEPTH:
            self.errorf(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")
        dot = self.eval_pipeline(dot, t.pipe)
        new = State(tmpl, self.out, dot, self.depth + 1)
        new.node = self.node
        assert tmpl.tree is not None and tmpl.tree.root is not None
        try:
            new.walk(dot, tmpl.tree.root)
        except RecursionError:
            # Python's stack ends before Go's 100000 nested templates; report Go's error.
            self.at(t)
            self.errorf(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")

    # -- eval --------------------------------------------------------------------------
    def eval_pipeline(self, dot: RV, pipe: PipeNode | None) -> RV:
        if pipe is None:
            return INVALID
        self.at(pipe)
        value = MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            # Only the empty interface is unwrapped; an ``error`` result stays an interface.
            if value.kind == Kind.INTERFACE and str(value.typ) == "interface {}":
                value = indirect_interface(value)
        for variable in pipe.decl:
            if pipe.is_assign:
                self.set_var(variable.ident[0], value)
            else:
                self.push(variable.ident[0], value)
        return value

    def not_a_function(self, args: list[Node], final: RV) -> None:
        if len(args) > 1 or final is not MISSING:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: RV, cmd: Any, final: RV) -> RV:
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return RV(BOOL, first.true)
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, StringNode):
            return RV(STRING, first.text)
        self.errorf(f"can't evaluate command {strconv.quote(str(first))}")
        raise AssertionError

    def ideal_constant(self, c: NumberNode) -> RV:
        self.at(c)
        text = c.text
        if c.is_complex:
            return RV(COMPLEX128, c.complex128)
        is_hex_int = (
            len(text) > 2
            and text[0] == "0"
            and text[1] in "xX"
            and not any(ch in text for ch in "pP")
        )
        is_rune = text.startswith("'")
        if c.is_float and not is_hex_int and not is_rune and any(ch in text for ch in ".eEpP"):
            return RV(FLOAT64, c.float64)
        if c.is_int:
            return RV(INT, c.int64)
        if c.is_uint:
            self.errorf(f"{text} overflows int")
        return INVALID

    def eval_field_node(self, dot: RV, field: FieldNode, args: list[Node], final: RV) -> RV:
        self.at(field)
        return self.eval_field_chain(dot, dot, field, field.ident, args, final)

    def eval_chain_node(self, dot: RV, chain: ChainNode, args: list[Node] | None, final: RV) -> RV:
        self.at(chain)
        if not chain.field:
            self.errorf("internal error: no fields in evalChainNode")
        if chain.node.type == NodeType.NIL:
            self.errorf(f"indirection through explicit nil in {chain}")
        pipe = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, pipe, chain, chain.field, args, final)

    def eval_variable_node(
        self, dot: RV, variable: VariableNode, args: list[Node] | None, final: RV
    ) -> RV:
        self.at(variable)
        value = self.var_value(variable.ident[0])
        if len(variable.ident) == 1:
            self.not_a_function(args or [variable], final)
            return value
        return self.eval_field_chain(dot, value, variable, variable.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: RV,
        receiver: RV,
        node: Node,
        ident: list[str],
        args: list[Node] | None,
        final: RV,
    ) -> RV:
        n = len(ident)
        for i in range(n - 1):
            receiver = self.eval_field(dot, ident[i], node, None, MISSING, receiver)
        return self.eval_field(dot, ident[n - 1], node, args, final, receiver)

    def eval_function(
        self,
        dot: RV,
        node: IdentifierNode,
        cmd: Node,
        args: list[Node] | None,
        final: RV,
    ) -> RV:
        self.at(node)
        name = node.ident
        fn = self.tmpl.find_function(name)
        if fn is None:
            self.errorf(f"{strconv.quote(name)} is not a defined function")
            raise AssertionError
        return self.eval_call(dot, fn, isinstance(fn, Builtin), cmd, name, args, final)

    def eval_field(
        self,
        dot: RV,
        field_name: str,
        node: Node,
        args: list[Node] | None,
        final: RV,
        receiver: RV,
    ) -> RV:
        if not receiver.is_valid():
            return INVALID
        typ = receiver.type_str()
        receiver, nil = indirect(receiver)
        if receiver.kind == Kind.INTERFACE and nil:
            self.errorf(f"nil pointer evaluating {typ}.{field_name}")
        method = self._method(receiver, field_name)
        if method is not None:
            return self.eval_call(dot, method, False, node, field_name, args, final)
        has_args = (args is not None and len(args) > 1) or final is not MISSING
        k = receiver.kind
        if k == Kind.STRUCT:
            st = receiver.typ
            assert isinstance(st, StructType)
            found = st.field(field_name)
            if found is not None:
                f, path = found
                if not f.exported:
                    self.errorf(f"{field_name} is an unexported field of struct type {typ}")
                if has_args:
                    self.errorf(f"{field_name} has arguments but cannot be invoked as function")
                return struct_field(receiver, path)
        elif k == Kind.MAP:
            mt = receiver.typ
            assert isinstance(mt, MapType)
            if assignable(STRING, mt.key):
                if has_args:
                    self.errorf(f"{field_name} is not a method but has arguments")
                result = map_index(receiver, field_name)
                return result if result is not None else INVALID
        elif k == Kind.POINTER:
            pt = receiver.typ
            assert isinstance(pt, PtrType)
            et = pt.elem
            if not (isinstance(et, StructType) and et.field(field_name) is None) and nil:
                self.errorf(f"nil pointer evaluating {typ}.{field_name}")
        self.errorf(f"can't evaluate field {field_name} in type {typ}")
        raise AssertionError

    def _method(self, receiver: RV, name: str) -> Func | None:
        t = receiver.typ
        recv: Any = receiver.val
        via_ptr = isinstance(t, PtrType)
        if isinstance(t, PtrType):
            t = t.elem
            recv = recv.value if isinstance(recv, Ptr) else None
        m = find_method(t, name)
        if m is None:
            return None
        fn = m.fn if isinstance(m, Func) else m
        if fn is None:
            return None
        if via_ptr and recv is None and t is not None and _value_methods(t):
            fn = functools.partial(_nil_receiver, f"{t}.{name}", str(t).rsplit(".", 1)[-1])
            recv = None
        bound = functools.partial(fn, recv)
        if isinstance(m, Func):
            return Func(bound, m.type)
        return func_of(bound)

    def eval_call(
        self,
        dot: RV,
        fun: Callee,
        is_builtin: bool,
        node: Node,
        name: str,
        args: list[Node] | None,
        final: RV,
    ) -> RV:
        if args is not None:
            args = args[1:]
        else:
            args = []
        typ = fun.type
        nparams = len(typ.params)
        num_in = len(args) + (0 if final is MISSING else 1)
        num_fixed = len(args)
        if typ.variadic:
            num_fixed = nparams - 1
            if num_in < num_fixed:
                self.errorf(
                    f"wrong number of args for {name}: want at least {nparams - 1} got {len(args)}"
                )
        elif num_in != nparams:
            self.errorf(f"wrong number of args for {name}: want {nparams} got {num_in}")

        if is_builtin and name in ("and", "or"):
            arg_type = typ.params[0]
            v = INVALID
            for arg in args:
                v = self.eval_arg(dot, arg_type, arg)
                if truth(v) == (name == "or"):
                    return v
            if final is not MISSING:
                v = self.validate_type(final, arg_type)
            return v

        argv: list[RV] = []
        i = 0
        while i < num_fixed and i < len(args):
            argv.append(self.eval_arg(dot, typ.params[i], args[i]))
            i += 1
        if typ.variadic:
            at = typ.params[-1]
            while i < len(args):
                argv.append(self.eval_arg(dot, at, args[i]))
                i += 1
        if final is not MISSING:
            t = typ.params[-1]
            if typ.variadic and num_in - 1 < num_fixed:
                t = typ.params[num_in - 1]
            argv.append(self.validate_type(final, t))

        try:
            if is_builtin and name == "call":
                return self._call(str(args[0]) if args else "", argv)
            return self._invoke(fun, argv)
        except _Fail:
            raise
        except GoError as e:
            self.at(node)
            self.errorf(f"error calling {name}: {e}")
        except (_Break, _Continue):
            raise
        except Exception as e:  # a Go panic inside the function, recovered by safeCall
            self.at(node)
            self.errorf(f"error calling {name}: {e}")
        raise AssertionError

    def _invoke(self, fun: Callee, argv: list[RV]) -> RV:
        if isinstance(fun, Builtin):
            return fun.impl(*argv)
        ft = fun.type
        params = ft.params
        last = len(params) - 1
        pyargs = [
            _to_param(a, params[min(i, last)] if params else None) for i, a in enumerate(argv)
        ]
        if fun.fn is None:
            raise GoError("reflect.Value.Call: call of nil function")
        result = fun.fn(*pyargs)
        if ft.result is not None:
            return make(ft.result, result)
        return value_of(result)

    def _call(self, name: str, argv: list[RV]) -> RV:
        fn = indirect_interface(argv[0])
        args = argv[1:]
        if not fn.is_valid():
            raise GoError("call of nil")
        if fn.kind != Kind.FUNC:
            raise GoError(f"non-function {name} of type {fn.type_str()}")
        f = fn.val if isinstance(fn.val, Func) else func_of(fn.val)
        ft = f.type
        num_in = len(ft.params)
        if ft.variadic:
            if len(args) < num_in - 1:
                raise GoError(
                    f"wrong number of args for {name}: got {len(args)} want at least {num_in - 1}"
                )
        elif len(args) != num_in:
            raise GoError(f"wrong number of args for {name}: got {len(args)} want {num_in}")
        prepared: list[RV] = []
        for i, arg in enumerate(args):
            a = indirect_interface(arg)
            at = ft.params[-1] if ft.variadic and i >= num_in - 1 else ft.params[i]
            try:
                prepared.append(_prepare_arg(a, at))
            except GoError as e:
                raise GoError(f"arg {i}: {e}") from None
        return self._invoke(f, prepared)

    def validate_type(self, value: RV, typ: GoType | None) -> RV:
        if not value.is_valid():
            if typ is None:
                return INVALID
            if can_be_nil(typ):
                if typ is REFLECT_VALUE:
                    return INVALID
                from .reflect import zero

                return zero(typ)
            self.errorf(f"invalid value; expected {typ}")
        if typ is REFLECT_VALUE or typ is None:
            return value
        if not assignable(value.typ, typ):
            if value.kind == Kind.INTERFACE and not is_nil(value):
                value = elem(value)
                if assignable(value.typ, typ):
                    return value
            if (
                value.kind == Kind.POINTER
                and isinstance(value.typ, PtrType)
                and assignable(value.typ.elem, typ)
            ):
                value = elem(value)
                if not value.is_valid():
                    self.errorf(f"dereference of nil pointer of type {typ}")
            else:
                self.errorf(f"wrong type for value; expected {typ}; got {value.type_str()}")
        return value

    def eval_arg(self, dot: RV, typ: GoType | None, n: Node) -> RV:
        self.at(n)
        if isinstance(n, DotNode):
            return self.validate_type(dot, typ)
        if isinstance(n, NilNode):
            if typ is not None and can_be_nil(typ):
                if typ is REFLECT_VALUE:
                    return INVALID
                from .reflect import zero

                return zero(typ)
            self.errorf(f"cannot assign nil to {typ}")
        if isinstance(n, FieldNode):
            return self.validate_type(self.eval_field_node(dot, n, [n], MISSING), typ)
        if isinstance(n, VariableNode):
            return self.validate_type(self.eval_variable_node(dot, n, None, MISSING), typ)
        if isinstance(n, PipeNode):
            return self.validate_type(self.eval_pipeline(dot, n), typ)
        if isinstance(n, IdentifierNode):
            return self.validate_type(self.eval_function(dot, n, n, None, MISSING), typ)
        if isinstance(n, ChainNode):
            return self.validate_type(self.eval_chain_node(dot, n, None, MISSING), typ)
        if typ is None:
            self.errorf(f"can't handle {n} for arg of type <nil>")
            raise AssertionError
        k = typ.kind
        if typ is REFLECT_VALUE or (k == Kind.INTERFACE and str(typ) == "interface {}"):
            return self.eval_empty_interface(dot, n)
        if k == Kind.BOOL:
            if isinstance(n, BoolNode):
                return RV(typ, n.true)
            self.errorf(f"expected bool; found {n}")
        if k in (Kind.COMPLEX64, Kind.COMPLEX128):
            if isinstance(n, NumberNode) and n.is_complex:
                return RV(typ, n.complex128)
            self.errorf(f"expected complex; found {n}")
        if k in (Kind.FLOAT32, Kind.FLOAT64):
            self.at(n)
            if isinstance(n, NumberNode) and n.is_float:
                return RV(typ, n.float64)
            self.errorf(f"expected float; found {n}")
        if k in SIGNED_KINDS:
            if isinstance(n, NumberNode) and n.is_int:
                return RV(typ, n.int64)
            self.errorf(f"expected integer; found {n}")
        if k in UNSIGNED_KINDS:
            if isinstance(n, NumberNode) and n.is_uint:
                return RV(typ, n.uint64)
            self.errorf(f"expected unsigned integer; found {n}")
        if k == Kind.STRING:
            if isinstance(n, StringNode):
                return RV(typ, n.text)
            self.errorf(f"expected string; found {n}")
        self.errorf(f"can't handle {n} for arg of type {typ}")
        raise AssertionError

    def eval_empty_interface(self, dot: RV, n: Node) -> RV:
        self.at(n)
        if isinstance(n, BoolNode):
            return RV(BOOL, n.true)
        if isinstance(n, DotNode):
            return dot
        if isinstance(n, FieldNode):
            return self.eval_field_node(dot, n, [], MISSING)
        if isinstance(n, IdentifierNode):
            return self.eval_function(dot, n, n, None, MISSING)
        if isinstance(n, NumberNode):
            return self.ideal_constant(n)
        if isinstance(n, StringNode):
            return RV(STRING, n.text)
        if isinstance(n, VariableNode):
            return self.eval_variable_node(dot, n, None, MISSING)
        if isinstance(n, PipeNode):
            return self.eval_pipeline(dot, n)
        self.errorf(f"can't handle assignment of {n} to empty interface argument")
        raise AssertionError

    def print_value(self, n: Node, v: RV) -> None:
        self.at(n)
        pv, ok = printable_value(v)
        if not ok:
            self.errorf(f"can't print {n} of type {v.type_str()}")
        if pv.typ is STRING:
            self.out.append(pv.val)
            return
        if pv.typ is FLOAT64 and type(pv.val) is float:
            self.out.append(strconv.format_float(pv.val, "g", -1))
            return
        if pv.kind == Kind.INTERFACE:  # a non-empty interface (error): print what it holds
            pv = indirect_interface(pv)
        self.out.append(sprint([pv]))


def _to_param(a: RV, param: GoType | None) -> Any:
    """The Python argument for a Go parameter: a concrete type gets the plain payload."""
    if param is None or param.kind == Kind.INTERFACE or a.typ is None:
        return to_interface(a)
    return a.val


def _value_methods(t: GoType) -> bool:
    """Whether ``t``'s methods have value receivers (Go panics calling them through nil)."""
    return isinstance(t, BasicType) or (isinstance(t, StructType) and t.value_methods)


def _nil_receiver(method: str, short: str, *_args: Any) -> Any:
    raise GoError(f"value method {method} called using nil *{short} pointer")


def plain_func(fn: Callable[..., Any] | Func) -> Func:
    """A FuncMap entry as a Func (plain callables get ``interface {}`` parameters)."""
    return func_of(fn)


def data_value(data: Any) -> RV:
    """reflect.ValueOf(data) for the template's root data."""
    return value_of(data)


__all__ = ["MISSING", "State", "data_value", "error_context", "plain_func", "type_of"]
