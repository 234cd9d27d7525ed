"""A small ``reflect.Value``: a static Go type plus the Python value it holds.

The executor needs Go's distinction between a value's static type (``interface {}`` for
anything read out of a JSON map or list) and its dynamic type, and between an invalid
value (a missing map key) and a nil interface (a JSON null).
"""

from __future__ import annotations

from collections.abc import Sequence

from .gotypes import (
    ANY,
    ANY_MAP,
    ANY_SLICE,
    FLOAT_KINDS,
    INT_KINDS,
    STRING,
    BasicType,
    Func,
    GoType,
    Int,
    Kind,
    Map,
    MapType,
    Named,
    Ptr,
    PtrType,
    Slice,
    SliceType,
    Struct,
    StructType,
    type_of,
    zero_value,
)

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class RV:
    """reflect.Value: ``typ`` None means the invalid (zero) Value."""

    __slots__ = ("typ", "val")

    def __init__(self, typ: GoType | None, val: Any) -> None:
        self.typ = typ
        self.val = val

    @property
    def kind(self) -> Kind:
        return self.typ.kind if self.typ is not None else Kind.INVALID

    def is_valid(self) -> bool:
        return self.typ is not None

    def type_str(self) -> str:
        return str(self.typ) if self.typ is not None else "<nil>"

    def __repr__(self) -> str:
        return f"RV({self.type_str()}, {self.val!r})"


INVALID = RV(None, None)


def value_of(obj: Any) -> RV:
    """reflect.ValueOf(obj): the dynamic type, or the invalid Value for nil."""
    if obj is None:
        return INVALID
    t = type_of(obj)
    return RV(t, _norm(t, obj))


def _norm(t: GoType | None, obj: Any) -> Any:
    if isinstance(obj, (Int, Named)):
        obj = obj.value
    if t is not None and t.kind in FLOAT_KINDS and isinstance(obj, int):
        return float(obj)
    return obj


def make(t: GoType, obj: Any) -> RV:
    """A Value of static type ``t`` holding ``obj`` (a raw element of a typed container)."""
    if t.kind == Kind.INTERFACE:
        return RV(t, obj)
    return RV(t, _norm(t, obj))


def to_interface(v: RV) -> Any:
    """Value.Interface(): the Python object an ``interface {}`` would hold."""
    t = v.typ
    if t is None:
        return None
    if isinstance(t, BasicType) and t.named:
        return Named(t, v.val)
    k = t.kind
    if k in INT_KINDS:
        return Int(int(v.val), str(t))
    if k in FLOAT_KINDS:
        return float(v.val)
    val = v.val
    # A raw payload of a typed container keeps its static type once in an interface.
    if isinstance(t, SliceType) and not isinstance(val, Slice) and t != ANY_SLICE:
        return Slice(t.elem, val)
    if isinstance(t, MapType) and not isinstance(val, Map) and t != ANY_MAP:
        return Map(t.key, t.elem, val)
    if isinstance(t, PtrType) and not isinstance(val, Ptr):
        return Ptr(t.elem, val)
    return val


def is_nil(v: RV) -> bool:
    """Value.IsNil for the nil-able kinds (false for others)."""
    k = v.kind
    val = v.val
    if k == Kind.INTERFACE:
        return val is None
    if k == Kind.POINTER:
        return val is None or (isinstance(val, Ptr) and val.value is None)
    if k == Kind.MAP:
        return val is None or (isinstance(val, Map) and val.items is None)
    if k == Kind.SLICE:
        return val is None or (isinstance(val, Slice) and val.items is None)
    if k == Kind.FUNC:
        return val is None or (isinstance(val, Func) and val.fn is None)
    return False


def elem(v: RV) -> RV:
    """Value.Elem for pointers and interfaces (invalid for nil)."""
    if v.kind == Kind.INTERFACE:
        return value_of(v.val)
    if v.kind == Kind.POINTER:
        assert isinstance(v.typ, PtrType)
        val = v.val.value if isinstance(v.val, Ptr) else None
        if val is None and v.typ.elem.kind != Kind.INTERFACE:
            return INVALID
        return make(v.typ.elem, val)
    raise TypeError("elem of non-pointer")


def indirect(v: RV) -> tuple[RV, bool]:
    """text/template's indirect: through pointers and interfaces; reports a nil stop."""
    while v.kind in (Kind.POINTER, Kind.INTERFACE):
        if is_nil(v):
            return v, True
        v = elem(v)
    return v, False


def indirect_interface(v: RV) -> RV:
    """The concrete value inside an interface Value (invalid for a nil interface)."""
    if v.kind != Kind.INTERFACE:
        return v
    if v.val is None:
        return INVALID
    return value_of(v.val)


def str_len(s: str) -> int:
    """Length of a Go string in bytes (surrogate escapes stand for raw bytes)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-8", "surrogateescape"))


def str_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def bytes_str(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def seq_items(v: RV) -> Sequence[Any]:
    """The elements of a slice Value (raw, to be read with ``seq_elem_type``)."""
    val = v.val
    if isinstance(val, Slice):
        return val.items or ()
    if val is None:
        return ()
    assert isinstance(val, (list, tuple))
    return val


def seq_elem_type(v: RV) -> GoType:
    assert isinstance(v.typ, SliceType)
    return v.typ.elem


def length(v: RV) -> int:
    """Value.Len for strings, slices and maps."""
    k = v.kind
    if k == Kind.STRING:
        return str_len(v.val)
    if k == Kind.SLICE:
        return len(seq_items(v))
    if k == Kind.MAP:
        return len(map_dict(v))
    raise TypeError("len of " + v.type_str())


def capacity(v: RV) -> int:
    """Value.Cap; a JSON-decoded list has the capacity Go's append growth gave it."""
    if isinstance(v.val, list) and v.typ == SliceType(ANY):
        return json_slice_cap(len(v.val))
    return len(seq_items(v))


def map_dict(v: RV) -> dict[Any, Any] | Any:
    val = v.val
    if isinstance(val, Map):
        return val.items if val.items is not None else {}
    if val is None:
        return {}
    return val


def map_key_type(v: RV) -> GoType:
    assert isinstance(v.typ, MapType)
    return v.typ.key


def map_elem_type(v: RV) -> GoType:
    assert isinstance(v.typ, MapType)
    return v.typ.elem


def map_index(v: RV, key: Any) -> RV | None:
    """Value.MapIndex with a raw key; None when absent."""
    d = map_dict(v)
    try:
        if key not in d:
            return None
    except TypeError:
        return None
    return make(map_elem_type(v), d[key])


def sort_key(kv: RV) -> Any:
    """fmtsort ordering for basic keys."""
    return kv.val


def sorted_map(v: RV) -> list[tuple[RV, RV]]:
    """fmtsort.Sort: map entries in key order."""
    d = map_dict(v)
    kt = map_key_type(v)
    et = map_elem_type(v)
    if kt == STRING:
        keys = sorted(d, key=lambda s: str_bytes(s) if not s.isascii() else s.encode())
        return [(RV(STRING, k), make(et, d[k])) for k in keys]
    entries = [(make(kt, k), make(et, d[k])) for k in d]
    try:
        entries.sort(key=lambda e: _fmtsort_key(e[0]))
    except TypeError:
        pass
    return entries


def _fmtsort_key(k: RV) -> Any:
    if k.kind == Kind.STRING:
        return str_bytes(k.val)
    if k.kind == Kind.INTERFACE:
        inner = indirect_interface(k)
        return (str(inner.typ), _fmtsort_key(inner)) if inner.is_valid() else ("", 0)
    return k.val


def struct_field(v: RV, path: tuple[str, ...]) -> RV:
    """The field reached through ``path`` (embedded structs first)."""
    cur = v
    for name in path:
        st = cur.typ
        assert isinstance(st, StructType)
        f = st._by_name[name]
        s = cur.val
        raw = s.get(name) if isinstance(s, Struct) else zero_value(f.type)
        cur = make(f.type, raw)
        if cur.kind == Kind.POINTER and name != path[-1]:
            cur = elem(cur)
    return cur


def zero(t: GoType) -> RV:
    """reflect.Zero(t)."""
    return make(t, zero_value(t))


def json_slice_cap(n: int) -> int:
    """Capacity of a ``[]interface{}`` grown one append at a time to length ``n`` (Go runtime)."""
    cap = 0
    length_ = 0
    while length_ < n:
        length_ += 1
        if length_ > cap:
            cap = _grow(length_, cap)
    return cap


_SIZE_CLASSES = (
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
    288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
    1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
    6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072,
    20480, 21760, 24576, 27264, 28672, 32768,
)  # fmt: skip


def _grow(new_len: int, old_cap: int) -> int:
    newcap = old_cap
    double = newcap + newcap
    if new_len > double:
        newcap = new_len
    elif old_cap < 256:
        newcap = double
    else:
        while newcap < new_len:
            newcap += (newcap + 3 * 256) >> 2
    size = newcap * 16
    if size <= 32768:
        for c in _SIZE_CLASSES:
            if c >= size:
                size = c
                break
    else:
        size = (size + 8191) // 8192 * 8192
    return size // 16


__all__ = ["ANY", "INVALID", "RV"]
