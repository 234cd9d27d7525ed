"""text/template's builtin functions (funcs.go), working on reflect-style values.

Each builtin receives its arguments as ``RV`` and returns an ``RV``; a Go error is
raised as ``GoError`` and reported by the executor as ``error calling NAME: …``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import fmt, strconv
from .errors import GoError
from .frozen import Frozen
from .gotypes import (
    ANY,
    BOOL,
    COMPLEX_KINDS,
    FLOAT_KINDS,
    INT,
    SIGNED_KINDS,
    STRING,
    UINT8,
    UNSIGNED_KINDS,
    FuncType,
    GoType,
    Kind,
    StructType,
)
from .reflect import (
    INVALID,
    RV,
    bytes_str,
    capacity,
    indirect,
    indirect_interface,
    is_nil,
    length,
    make,
    map_elem_type,
    map_index,
    map_key_type,
    seq_elem_type,
    seq_items,
    str_bytes,
    zero,
)

# reflect.Value as a parameter type: the argument is passed through unconverted.
REFLECT_VALUE = StructType("reflect.Value", ())


def can_be_nil(t: GoType) -> bool:
    if t is REFLECT_VALUE:
        return True
    return t.kind in (Kind.FUNC, Kind.INTERFACE, Kind.MAP, Kind.POINTER, Kind.SLICE)


class Builtin(Frozen):
    """A builtin: its Go signature (for arity and argument conversion) and its body."""

    __slots__ = ("impl", "name", "type")
    name: str
    type: FuncType
    impl: Callable[..., RV]

    def __init__(self, name: str, type: FuncType, impl: Callable[..., RV]) -> None:
        self._set(name=name, type=type, impl=impl)


def is_true(v: RV) -> tuple[bool, bool]:
    """isTrue: (truth, ok)."""
    if not v.is_valid():
        return False, True
    k = v.kind
    val = v.val
    if k in (Kind.SLICE, Kind.MAP, Kind.STRING):
        if k == Kind.STRING:
            return val != "", True
        return length(v) > 0, True
    if k == Kind.BOOL:
        return bool(val), True
    if k in COMPLEX_KINDS:
        return complex(val) != 0, True
    if k in (Kind.FUNC, Kind.POINTER, Kind.INTERFACE):
        return not is_nil(v), True
    if k in SIGNED_KINDS or k in UNSIGNED_KINDS:
        return int(val) != 0, True
    if k in FLOAT_KINDS:
        return float(val) != 0, True
    if k == Kind.STRUCT:
        return True, True
    return False, False


def truth(v: RV) -> bool:
    return is_true(indirect_interface(v))[0]


def _not(arg: RV) -> RV:
    return RV(BOOL, not truth(arg))


def _passthrough(*args: RV) -> RV:  # and/or are evaluated by the executor
    return args[-1]


def _length(item: RV) -> RV:
    item, nil = indirect(item)
    if nil:
        raise GoError("len of nil pointer")
    k = item.kind
    if k in (Kind.SLICE, Kind.MAP, Kind.STRING):
        return RV(INT, length(item))
    if k == Kind.INVALID:
        raise GoError("reflect: call of reflect.Value.Type on zero Value")
    raise GoError(f"len of type {item.type_str()}")


def _index_arg(index: RV, cap: int) -> int:
    k = index.kind
    if k in SIGNED_KINDS:
        x = int(index.val)
    elif k in UNSIGNED_KINDS:
        x = int(index.val)
        if x >= 1 << 63:
            x -= 1 << 64
    elif k == Kind.INVALID:
        raise GoError("cannot index slice/array with nil")
    else:
        raise GoError(f"cannot index slice/array with type {index.type_str()}")
    if x < 0 or x > cap:
        raise GoError(f"index out of range: {x}")
    return x


def _prepare_arg(value: RV, arg_type: GoType) -> RV:
    if not value.is_valid():
        if not can_be_nil(arg_type):
            raise GoError(f"value is nil; should be of type {arg_type}")
        return zero(arg_type)
    if assignable(value.typ, arg_type):
        return value
    if value.kind in (SIGNED_KINDS | UNSIGNED_KINDS) and arg_type.kind in (
        SIGNED_KINDS | UNSIGNED_KINDS
    ):
        return RV(arg_type, value.val)
    raise GoError(f"value has type {value.type_str()}; should be {arg_type}")


def assignable(v: GoType | None, t: GoType) -> bool:
    if v is None:
        return False
    if v == t:
        return True
    return t.kind == Kind.INTERFACE and str(t) == "interface {}"


def _index(item: RV, *indexes: RV) -> RV:
    item = indirect_interface(item)
    if not item.is_valid():
        raise GoError("index of untyped nil")
    for index in indexes:
        index = indirect_interface(index)
        item, nil = indirect(item)
        if nil:
            raise GoError("index of nil pointer")
        k = item.kind
        if k == Kind.SLICE:
            items = seq_items(item)
            x = _index_arg(index, len(items))
            if x >= len(items):
                raise GoError("reflect: slice index out of range")
            item = make(seq_elem_type(item), items[x])
        elif k == Kind.STRING:
            b = str_bytes(item.val)
            x = _index_arg(index, len(b))
            if x >= len(b):
                raise GoError("reflect: string index out of range")
            item = RV(UINT8, b[x])
        elif k == Kind.MAP:
            key = _prepare_arg(index, map_key_type(item))
            found = map_index(item, key.val)
            item = found if found is not None else zero(map_elem_type(item))
        else:
            raise GoError(f"can't index item of type {item.type_str()}")
    return item


def _slice(item: RV, *indexes: RV) -> RV:
    item = indirect_interface(item)
    if not item.is_valid():
        raise GoError("slice of untyped nil")
    if len(indexes) > 3:
        raise GoError(f"too many slice indexes: {len(indexes)}")
    k = item.kind
    if k == Kind.STRING:
        if len(indexes) == 3:
            raise GoError("cannot 3-index slice a string")
        b = str_bytes(item.val)
        cap = len(b)
        n = len(b)
    elif k == Kind.SLICE:
        cap = capacity(item)
        n = len(seq_items(item))
    else:
        raise GoError(f"can't slice item of type {item.type_str()}")
    idx = [0, n, 0]
    for i, index in enumerate(indexes):
        idx[i] = _index_arg(index, cap)
    if idx[0] > idx[1]:
        raise GoError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise GoError(f"invalid slice index: {idx[1]} > {idx[2]}")
    if k == Kind.STRING:
        return RV(item.typ, bytes_str(b[idx[0] : idx[1]]))
    items = list(seq_items(item))
    if idx[1] > len(items):
        items += [None] * (idx[1] - len(items))
    out = items[idx[0] : idx[1]]
    if isinstance(item.val, list):
        return RV(item.typ, out)
    from .gotypes import Slice

    return RV(item.typ, Slice(seq_elem_type(item), out))


def _concrete(args: tuple[RV, ...]) -> list[RV]:
    return [indirect_interface(a) for a in args]


def _print(*args: RV) -> RV:
    return RV(STRING, fmt.sprint(_concrete(args)))


def _println(*args: RV) -> RV:
    return RV(STRING, fmt.sprintln(_concrete(args)))


def _printf(format_: RV, *args: RV) -> RV:
    return RV(STRING, fmt.sprintf(str(format_.val), _concrete(args)))


def printable_value(v: RV) -> tuple[RV, bool]:
    """printableValue: dereference pointers; invalid becomes the string ``<no value>``."""
    if v.kind == Kind.POINTER:
        v, _ = indirect(v)
    if not v.is_valid():
        return RV(STRING, "<no value>"), True
    if v.kind == Kind.FUNC:
        return v, False
    return v, True


def eval_args(args: tuple[RV, ...]) -> str:
    conc = _concrete(args)
    if len(conc) == 1 and conc[0].kind == Kind.STRING:
        return str(conc[0].val)
    return fmt.sprint([printable_value(a)[0] for a in conc])


def html_escape(s: str) -> str:
    if not any(c in s for c in "'\"&<>\x00"):
        return s
    return (
        s.replace("&", "&amp;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\x00", "\ufffd")
    )


_JS_ASCII = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def js_escape(s: str) -> str:
    out: list[str] = []
    for r, w, c in strconv.go_runes(s):
        if r < 0x80:
            ch = chr(r)
            e = _JS_ASCII.get(ch)
            if e is not None:
                out.append(e)
            elif r < 0x20:
                out.append(f"\\u{r:04X}")
            else:
                out.append(ch)
        elif w == 1 and r == strconv.RUNE_ERROR and c >= 0x80:
            out.append(bytes_str(bytes([c])))
        elif strconv.is_print(r) and r not in (0x2028, 0x2029):
            out.append(chr(r))
        else:
            out.append(f"\\u{r:04X}")
    return "".join(out)


_URL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")


def query_escape(s: str) -> str:
    out: list[str] = []
    for b in str_bytes(s):
        ch = chr(b)
        if ch in _URL_SAFE:
            out.append(ch)
        elif ch == " ":
            out.append("+")
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def _html(*args: RV) -> RV:
    return RV(STRING, html_escape(eval_args(args)))


def _js(*args: RV) -> RV:
    return RV(STRING, js_escape(eval_args(args)))


def _urlquery(*args: RV) -> RV:
    return RV(STRING, query_escape(eval_args(args)))


# -- comparisons -------------------------------------------------------------------
_BOOL, _COMPLEX, _INT, _FLOAT, _STRING, _UINT, _INVALID = range(7)


def _basic_kind(v: RV) -> int:
    k = v.kind
    if k == Kind.BOOL:
        return _BOOL
    if k in SIGNED_KINDS:
        return _INT
    if k in UNSIGNED_KINDS:
        return _UINT
    if k in FLOAT_KINDS:
        return _FLOAT
    if k in COMPLEX_KINDS:
        return _COMPLEX
    if k == Kind.STRING:
        return _STRING
    return _INVALID


def _incompatible(a: RV, b: RV) -> GoError:
    return GoError(f"incompatible types for comparison: {a.type_str()} and {b.type_str()}")


def _cmp_val(v: RV, k: int) -> object:
    if k == _STRING:
        return str_bytes(v.val)
    if k == _FLOAT:
        return float(v.val)
    if k == _COMPLEX:
        return complex(v.val)
    return v.val


def _is_nil_any(v: RV) -> bool:
    if not v.is_valid():
        return True
    return v.kind in (Kind.FUNC, Kind.INTERFACE, Kind.MAP, Kind.POINTER, Kind.SLICE) and is_nil(v)


def _eq_bool(arg1: RV, *arg2: RV) -> bool:
    arg1 = indirect_interface(arg1)
    if not arg2:
        raise GoError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for arg in arg2:
        arg = indirect_interface(arg)
        k2 = _basic_kind(arg)
        t = False
        if k1 != k2:
            if k1 == _INT and k2 == _UINT:
                t = arg1.val >= 0 and arg1.val == arg.val
            elif k1 == _UINT and k2 == _INT:
                t = arg.val >= 0 and arg1.val == arg.val
            elif arg1.is_valid() and arg.is_valid():
                raise _incompatible(arg1, arg)
        elif k1 != _INVALID:
            t = _cmp_val(arg1, k1) == _cmp_val(arg, k1)
        else:
            if _is_nil_any(arg1) or _is_nil_any(arg):
                t = _is_nil_any(arg) == _is_nil_any(arg1)
            elif arg.kind in (Kind.SLICE, Kind.MAP, Kind.FUNC):
                raise GoError(f"non-comparable type {fmt.sprintf('%s', [arg])}: {arg.type_str()}")
            elif arg1.typ != arg.typ:
                t = False
            else:
                t = arg1.val == arg.val
        if t:
            return True
    return False


def _lt_bool(arg1: RV, arg2: RV) -> bool:
    arg1 = indirect_interface(arg1)
    k1 = _basic_kind(arg1)
    if k1 == _INVALID:
        raise GoError("invalid type for comparison")
    arg2 = indirect_interface(arg2)
    k2 = _basic_kind(arg2)
    if k2 == _INVALID:
        raise GoError("invalid type for comparison")
    if k1 != k2:
        if k1 == _INT and k2 == _UINT:
            return bool(arg1.val < 0 or arg1.val < arg2.val)
        if k1 == _UINT and k2 == _INT:
            return bool(arg2.val >= 0 and arg1.val < arg2.val)
        raise _incompatible(arg1, arg2)
    if k1 in (_BOOL, _COMPLEX):
        raise GoError("invalid type for comparison")
    return bool(_cmp_val(arg1, k1) < _cmp_val(arg2, k1))  # type: ignore[operator]


def _le_bool(a: RV, b: RV) -> bool:
    if _lt_bool(a, b):
        return True
    return _eq_bool(a, b)


def _eq(arg1: RV, *arg2: RV) -> RV:
    return RV(BOOL, _eq_bool(arg1, *arg2))


def _ne(a: RV, b: RV) -> RV:
    return RV(BOOL, not _eq_bool(a, b))


def _lt(a: RV, b: RV) -> RV:
    return RV(BOOL, _lt_bool(a, b))


def _le(a: RV, b: RV) -> RV:
    return RV(BOOL, _le_bool(a, b))


def _gt(a: RV, b: RV) -> RV:
    return RV(BOOL, not _le_bool(a, b))


def _ge(a: RV, b: RV) -> RV:
    return RV(BOOL, not _lt_bool(a, b))


def _call_placeholder(*args: RV) -> RV:  # the executor implements call
    return INVALID


_R = REFLECT_VALUE


def _sig(*params: GoType, variadic: bool = False, err: bool = False) -> FuncType:
    return FuncType(tuple(params), None, variadic=variadic, returns_error=err)


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("and", _sig(_R, _R, variadic=True), _passthrough),
        Builtin("or", _sig(_R, _R, variadic=True), _passthrough),
        Builtin("not", _sig(_R), _not),
        Builtin("call", _sig(_R, _R, variadic=True, err=True), _call_placeholder),
        Builtin("html", _sig(ANY, variadic=True), _html),
        Builtin("js", _sig(ANY, variadic=True), _js),
        Builtin("urlquery", _sig(ANY, variadic=True), _urlquery),
        Builtin("index", _sig(_R, _R, variadic=True, err=True), _index),
        Builtin("slice", _sig(_R, _R, variadic=True, err=True), _slice),
        Builtin("len", _sig(_R, err=True), _length),
        Builtin("print", _sig(ANY, variadic=True), _print),
        Builtin("printf", _sig(STRING, ANY, variadic=True), _printf),
        Builtin("println", _sig(ANY, variadic=True), _println),
        Builtin("eq", _sig(_R, _R, variadic=True, err=True), _eq),
        Builtin("ge", _sig(_R, _R, err=True), _ge),
        Builtin("gt", _sig(_R, _R, err=True), _gt),
        Builtin("le", _sig(_R, _R, err=True), _le),
        Builtin("lt", _sig(_R, _R, err=True), _lt),
        Builtin("ne", _sig(_R, _R, err=True), _ne),
    )
}
