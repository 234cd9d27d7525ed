"""Go types and typed values, so callers can hand the engine values shaped like Go's.

Plain Python data is read the way ``json.Unmarshal`` into ``interface{}`` would build it:
``None`` nil, ``bool``, ``str``, ``int``/``float`` -> float64, ``list`` -> ``[]interface {}``,
``dict`` -> ``map[string]interface {}``, ``complex`` -> complex128.  Everything else is typed:

* types: ``BOOL STRING INT INT8 … UINT64 FLOAT64 COMPLEX128 ANY`` (``interface {}``),
  ``SliceType(elem)``, ``MapType(key, elem)``, ``PtrType(elem)``, ``FuncType(...)``,
  ``StructType(name, fields, methods)`` with ``Field(name, type, json=None, omitempty=False,
  embedded=False)``, and ``TIME`` (``time.Time``);
* values: ``Int(v, kind="int")``, ``Float64(v)`` (a plain float), ``Struct(type, values)``,
  ``Ptr(elem_type, value_or_None)``, ``Map(key_type, elem_type, items_or_None)``,
  ``Slice(elem_type, items_or_None)``, ``Time(datetime, nanosecond=None)``, ``Func(fn, type)``.

Inside a typed container (struct field, ``Map``, ``Slice``, ``Ptr``) a raw Python value is
read as the declared element type (``Slice(INT, [1, 2])`` holds Go ints); inside an
interface slot it is read as above, and ``Named(type, payload)`` gives a named basic type.
Methods (on ``StructType`` and on named ``BasicType`` values) are ``methods[name](receiver,
*args)``; they report a Go error by raising ``GoError``, or return one as a value when
typed ``FuncType(..., ERROR)``.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence

from .frozen import Frozen

# Annotations only (PEP 563): typing and datetime stay unimported until needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any


class Kind(enum.IntEnum):
    """reflect.Kind, reduced to the kinds a template can meet."""

    INVALID = 0
    BOOL = 1
    INT = 2
    INT8 = 3
    INT16 = 4
    INT32 = 5
    INT64 = 6
    UINT = 7
    UINT8 = 8
    UINT16 = 9
    UINT32 = 10
    UINT64 = 11
    UINTPTR = 12
    FLOAT32 = 13
    FLOAT64 = 14
    COMPLEX64 = 15
    COMPLEX128 = 16
    FUNC = 19
    INTERFACE = 20
    MAP = 21
    POINTER = 22
    SLICE = 23
    STRING = 24
    STRUCT = 25


SIGNED_KINDS = frozenset({Kind.INT, Kind.INT8, Kind.INT16, Kind.INT32, Kind.INT64})
UNSIGNED_KINDS = frozenset(
    {Kind.UINT, Kind.UINT8, Kind.UINT16, Kind.UINT32, Kind.UINT64, Kind.UINTPTR}
)
INT_KINDS = SIGNED_KINDS | UNSIGNED_KINDS
FLOAT_KINDS = frozenset({Kind.FLOAT32, Kind.FLOAT64})
COMPLEX_KINDS = frozenset({Kind.COMPLEX64, Kind.COMPLEX128})


class GoType:
    """A Go type: its kind and its ``reflect.Type.String()`` spelling."""

    __slots__ = ()
    kind: Kind = Kind.INVALID

    def __str__(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class BasicType(Frozen, GoType):
    """bool, string, the int/uint/float/complex kinds, and named types over them.

    A named type (``BasicType("digest.Digest", Kind.STRING, methods={...})``) carries value
    methods like ``StructType`` does: ``methods[name](receiver, *args)`` where the receiver
    is the plain payload (a ``str`` for a string kind, an ``int`` for an integer kind).
    """

    __slots__ = ("kind", "methods", "name")
    name: str
    kind: Kind
    methods: Mapping[str, Callable[..., Any]]

    def __init__(
        self,
        name: str,
        kind: Kind = Kind.INVALID,
        methods: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self._set(name=name, kind=kind, methods=methods if methods is not None else {})

    def _key(self) -> tuple[object, ...]:
        return (self.name, self.kind)

    def __repr__(self) -> str:
        return f"BasicType({self.name!r}, {self.kind!r})"

    def __str__(self) -> str:
        return self.name

    @property
    def named(self) -> bool:
        """True unless this is one of Go's predeclared types (``int``, ``string`` …)."""
        return self.name not in _PREDECLARED

    def method(self, name: str) -> Callable[..., Any] | None:
        return self.methods.get(name)


class InterfaceType(Frozen, GoType):
    """The empty interface (``interface {}`` / ``any``), or a named interface such as error."""

    __slots__ = ("name",)
    name: str
    kind = Kind.INTERFACE

    def __init__(self, name: str = "interface {}") -> None:
        self._set(name=name)

    def __str__(self) -> str:
        return self.name


class SliceType(Frozen, GoType):
    """``[]elem``."""

    __slots__ = ("elem",)
    elem: GoType
    kind = Kind.SLICE

    def __init__(self, elem: GoType) -> None:
        self._set(elem=elem)

    def __str__(self) -> str:
        return "[]" + str(self.elem)


class MapType(Frozen, GoType):
    """``map[key]elem``."""

    __slots__ = ("elem", "key")
    key: GoType
    elem: GoType
    kind = Kind.MAP

    def __init__(self, key: GoType, elem: GoType) -> None:
        self._set(key=key, elem=elem)

    def __str__(self) -> str:
        return f"map[{self.key}]{self.elem}"


class PtrType(Frozen, GoType):
    """``*elem``."""

    __slots__ = ("elem",)
    elem: GoType
    kind = Kind.POINTER

    def __init__(self, elem: GoType) -> None:
        self._set(elem=elem)

    def __str__(self) -> str:
        return "*" + str(self.elem)


class FuncType(Frozen, GoType):
    """``func(params) result``; ``variadic`` makes the last param ``...elem`` (give the elem).

    ``result=None`` means "the dynamic type of whatever the Python function returns".

    ``returns_error`` adds a second ``error`` result.
    """

    __slots__ = ("params", "result", "returns_error", "variadic")
    params: tuple[GoType, ...]
    result: GoType | None
    variadic: bool
    returns_error: bool
    kind = Kind.FUNC

    def __init__(
        self,
        params: tuple[GoType, ...] = (),
        result: GoType | None = None,
        variadic: bool = False,
        returns_error: bool = False,
    ) -> None:
        self._set(params=params, result=result, variadic=variadic, returns_error=returns_error)

    def __str__(self) -> str:
        ps = [str(p) for p in self.params]
        if self.variadic and ps:
            ps[-1] = "..." + ps[-1]
        res = str(self.result) if self.result is not None else "interface {}"
        if self.returns_error:
            res = f"({res}, error)"
        return f"func({', '.join(ps)}) {res}"


class Field(Frozen):
    """A struct field: Go name, Go type, JSON key (``None``: the Go name; ``"-"``: skipped)."""

    __slots__ = ("embedded", "json", "name", "omitempty", "type")
    name: str
    type: GoType
    json: str | None
    omitempty: bool
    embedded: bool

    def __init__(
        self,
        name: str,
        type: GoType,
        json: str | None = None,
        omitempty: bool = False,
        embedded: bool = False,
    ) -> None:
        self._set(name=name, type=type, json=json, omitempty=omitempty, embedded=embedded)

    @property
    def exported(self) -> bool:
        return self.name[:1].isupper()

    def tag(self) -> str:
        if self.json is None and not self.omitempty:
            return ""
        opts = (self.json or "") + (",omitempty" if self.omitempty else "")
        return f'json:"{opts}"'


class StructType(GoType):
    """A struct type; ``name`` like ``v1.Image`` (empty for an anonymous struct).

    ``methods`` map Go method names to ``fn(receiver, *args)``; identity is the type.
    """

    __slots__ = ("_by_name", "fields", "methods", "name", "value_methods")
    kind = Kind.STRUCT

    def __init__(
        self,
        name: str,
        fields: Sequence[Field],
        methods: Mapping[str, Callable[..., Any]] | None = None,
        *,
        value_methods: bool = False,
    ) -> None:
        self.name = name
        self.fields: tuple[Field, ...] = tuple(fields)
        self.methods: Mapping[str, Callable[..., Any]] = methods if methods is not None else {}
        # Value-receiver methods called through a nil pointer panic (as time.Time's do)
        # instead of receiving None.
        self.value_methods = value_methods
        self._by_name = {f.name: f for f in self.fields}

    def field(self, name: str) -> tuple[Field, tuple[str, ...]] | None:
        """Go's FieldByName: direct fields first, then promoted through embedded structs."""
        f = self._by_name.get(name)
        if f is not None:
            return f, (name,)
        for emb in self.fields:
            if not emb.embedded:
                continue
            inner = emb.type.elem if isinstance(emb.type, PtrType) else emb.type
            if isinstance(inner, StructType):
                found = inner.field(name)
                if found is not None:
                    return found[0], (emb.name, *found[1])
        return None

    def method(self, name: str) -> Callable[..., Any] | None:
        m = self.methods.get(name)
        if m is not None:
            return m
        for emb in self.fields:
            if not emb.embedded:
                continue
            inner = emb.type.elem if isinstance(emb.type, PtrType) else emb.type
            if isinstance(inner, StructType):
                m = inner.method(name)
                if m is not None:
                    return m
        return None

    def __str__(self) -> str:
        if self.name:
            return self.name
        parts = []
        for f in self.fields:
            s = str(f.type) if f.embedded else f"{f.name} {f.type}"
            tag = f.tag()
            if tag:
                s += " " + _go_quote_simple(tag)
            parts.append(s)
        if not parts:
            return "struct {}"
        return "struct { " + "; ".join(parts) + " }"

    def __repr__(self) -> str:
        return f"StructType({str(self)!r})"


def _go_quote_simple(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


BOOL = BasicType("bool", Kind.BOOL)
STRING = BasicType("string", Kind.STRING)
INT = BasicType("int", Kind.INT)
INT8 = BasicType("int8", Kind.INT8)
INT16 = BasicType("int16", Kind.INT16)
INT32 = BasicType("int32", Kind.INT32)
INT64 = BasicType("int64", Kind.INT64)
UINT = BasicType("uint", Kind.UINT)
UINT8 = BasicType("uint8", Kind.UINT8)
UINT16 = BasicType("uint16", Kind.UINT16)
UINT32 = BasicType("uint32", Kind.UINT32)
UINT64 = BasicType("uint64", Kind.UINT64)
UINTPTR = BasicType("uintptr", Kind.UINTPTR)
FLOAT32 = BasicType("float32", Kind.FLOAT32)
FLOAT64 = BasicType("float64", Kind.FLOAT64)
COMPLEX64 = BasicType("complex64", Kind.COMPLEX64)
COMPLEX128 = BasicType("complex128", Kind.COMPLEX128)
ANY = InterfaceType()
ERROR = InterfaceType("error")
ANY_SLICE = SliceType(ANY)
ANY_MAP = MapType(STRING, ANY)

INT_TYPES: dict[str, BasicType] = {
    t.name: t
    for t in (INT, INT8, INT16, INT32, INT64, UINT, UINT8, UINT16, UINT32, UINT64, UINTPTR)
}
_INT_BITS = {
    Kind.INT: 64, Kind.INT8: 8, Kind.INT16: 16, Kind.INT32: 32, Kind.INT64: 64,
    Kind.UINT: 64, Kind.UINT8: 8, Kind.UINT16: 16, Kind.UINT32: 32, Kind.UINT64: 64,
    Kind.UINTPTR: 64,
}  # fmt: skip


def wrap_int(value: int, kind: Kind) -> int:
    """Truncate ``value`` to the width and signedness of an integer kind (Go conversion)."""
    bits = _INT_BITS[kind]
    value &= (1 << bits) - 1
    if kind in SIGNED_KINDS and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


_PREDECLARED = frozenset(
    ("bool", "string", "complex64", "complex128", "float32", "float64", *INT_TYPES)
)


if TYPE_CHECKING:
    _MethodTable = Mapping[str, Callable[..., Any]]
else:
    _MethodTable = Mapping


class LazyMethods(_MethodTable):
    """A method table imported on first use (``module:attribute``), to keep imports cheap."""

    def __init__(self, module: str, attribute: str) -> None:
        self._where = (module, attribute)
        self._table: Mapping[str, Callable[..., Any]] | None = None

    def _load(self) -> Mapping[str, Callable[..., Any]]:
        if self._table is None:
            import importlib

            module, attribute = self._where
            table: Mapping[str, Callable[..., Any]] = getattr(
                importlib.import_module(module, __package__), attribute
            )
            self._table = table
        return self._table

    def __getitem__(self, name: str) -> Callable[..., Any]:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


# The time.Time struct; its fields are unexported, so only methods reach templates
# (Year, Month, Format, String, … in gotime.py).
TIME = StructType("time.Time", (), LazyMethods(".gotime", "TIME_METHODS"), value_methods=True)


def find_method(t: GoType | None, name: str) -> Callable[..., Any] | None:
    """The method ``name`` of a struct or named basic type (None when it has none)."""
    if isinstance(t, (StructType, BasicType)):
        return t.method(name)
    return None


def error_message(err: BaseException) -> str:
    """The text of a Go error value (``err.Error()``)."""
    return str(err)


# errors.New's dynamic type: what a non-nil ``error`` holding a GoError prints as ``%T``.
ERROR_STRING = PtrType(
    StructType("errors.errorString", (Field("s", STRING),), {"Error": error_message})
)


class Int(Frozen):
    """A Go integer of a named kind (``int``, ``int64``, ``uint8`` …)."""

    __slots__ = ("kind", "value")
    value: int
    kind: str

    def __init__(self, value: int, kind: str = "int") -> None:
        if kind not in INT_TYPES:
            raise ValueError(f"unknown Go integer kind {kind!r}")
        self._set(value=value, kind=kind)

    @property
    def type(self) -> BasicType:
        return INT_TYPES[self.kind]


class Named(Frozen):
    """A value of a named basic type held in an interface slot (``Named(DIGEST, "sha256:…")``).

    Inside a typed container the plain payload is enough; ``Named`` is for ``interface {}``.
    """

    __slots__ = ("type", "value")
    type: BasicType
    value: Any

    def __init__(self, type: BasicType, value: Any) -> None:
        self._set(type=type, value=value)


def Float64(value: float) -> float:
    """A float64 is a plain Python float (the same as a JSON number)."""
    return float(value)


class Struct(Frozen):
    """An instance of a StructType; missing fields hold their zero value."""

    __slots__ = ("type", "values")
    type: StructType
    values: Mapping[str, Any]

    def __init__(self, type: StructType, values: Mapping[str, Any] | None = None) -> None:
        self._set(type=type, values=values if values is not None else {})

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        f = self.type._by_name.get(name)
        return zero_value(f.type) if f is not None else None


class Ptr(Frozen):
    """A pointer to ``value`` (of ``elem_type``); ``value=None`` is a nil pointer."""

    __slots__ = ("elem_type", "value")
    elem_type: GoType
    value: Any

    def __init__(self, elem_type: GoType, value: Any = None) -> None:
        self._set(elem_type=elem_type, value=value)

    @property
    def type(self) -> PtrType:
        return PtrType(self.elem_type)


class Map(Frozen):
    """A typed Go map; ``items=None`` is a nil map."""

    __slots__ = ("elem_type", "items", "key_type")
    key_type: GoType
    elem_type: GoType
    items: Mapping[Any, Any] | None

    def __init__(
        self, key_type: GoType, elem_type: GoType, items: Mapping[Any, Any] | None = None
    ) -> None:
        self._set(key_type=key_type, elem_type=elem_type, items=items)

    @property
    def type(self) -> MapType:
        return MapType(self.key_type, self.elem_type)


class Slice(Frozen):
    """A typed Go slice; ``items=None`` is a nil slice."""

    __slots__ = ("elem_type", "items")
    elem_type: GoType
    items: Sequence[Any] | None

    def __init__(self, elem_type: GoType, items: Sequence[Any] | None = None) -> None:
        self._set(elem_type=elem_type, items=items)

    @property
    def type(self) -> SliceType:
        return SliceType(self.elem_type)


class Func(Frozen):
    """A Go function value with a declared signature (for ``call``, ``%T``, arity checks).

    Raise ``GoError`` from ``fn`` to return a non-nil error.
    """

    __slots__ = ("fn", "type")
    fn: Callable[..., Any] | None
    type: FuncType

    def __init__(self, fn: Callable[..., Any] | None, type: FuncType) -> None:
        self._set(fn=fn, type=type)

    def __call__(self, *args: Any) -> Any:
        if self.fn is None:
            raise TypeError("call of nil func")
        return self.fn(*args)


def func_of(fn: Callable[..., Any] | Func) -> Func:
    """Wrap a plain callable: each positional parameter is ``interface {}``, ``*args`` variadic.

    A parameter with a default makes the function variadic from there on.
    """
    if isinstance(fn, Func):
        return fn
    shape = _positional_shape(fn)
    if shape is None:
        return Func(fn, FuncType((ANY,), None, variadic=True, returns_error=True))
    required, variadic = shape
    params = (ANY,) * (required + (1 if variadic else 0))
    return Func(fn, FuncType(params, None, variadic=variadic, returns_error=True))


_CO_VARARGS = 0x04


def _positional_shape(fn: Callable[..., Any]) -> tuple[int, bool] | None:
    """(required positional parameters, variadic) from the code object, as inspect would."""
    if isinstance(fn, functools.partial):
        inner = _positional_shape(fn.func)
        if inner is None:
            return None
        required, variadic = inner
        bound = len(fn.args)
        if bound > required:
            return (0, True) if variadic else None
        return required - bound, variadic
    bound = 0
    target: Any = fn
    if hasattr(fn, "__func__") and hasattr(fn, "__self__"):  # a bound method
        target = fn.__func__
        bound = 1
    code = getattr(target, "__code__", None)
    if code is None:
        return _inspect_shape(fn)
    n = code.co_argcount - bound
    defaults = len(getattr(target, "__defaults__", None) or ())
    if defaults:
        return max(n - defaults, 0), True
    return n, bool(code.co_flags & _CO_VARARGS)


def _inspect_shape(fn: Callable[..., Any]) -> tuple[int, bool] | None:
    """Builtins and callable objects: ask inspect (imported only for them)."""
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    required = 0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if p.default is not p.empty:
                return required, True
            required += 1
        elif p.kind == p.VAR_POSITIONAL:
            return required, True
    return required, False


class Time(Frozen):
    """A Go ``time.Time``: an aware datetime plus nanoseconds (overriding its microseconds).

    ``zone`` is the zone abbreviation Go would print; default ``UTC`` at offset 0, else the
    numeric offset (Go's unnamed fixed zone).
    """

    __slots__ = ("dt", "nanosecond", "zone")
    dt: datetime
    nanosecond: int | None
    zone: str | None

    def __init__(
        self, dt: datetime, nanosecond: int | None = None, zone: str | None = None
    ) -> None:
        if dt.tzinfo is None:
            raise ValueError("Time needs a timezone-aware datetime")
        self._set(dt=dt, nanosecond=nanosecond, zone=zone)

    @property
    def nanos(self) -> int:
        return self.nanosecond if self.nanosecond is not None else self.dt.microsecond * 1000

    def _offset(self) -> int:
        off = self.dt.utcoffset()
        return 0 if off is None else off.days * 86400 + off.seconds

    def string(self) -> str:
        """Go's ``Time.String()``: ``2006-01-02 15:04:05.999999999 -0700 MST``."""
        d = self.dt
        s = f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        if self.nanos:
            s += ("." + f"{self.nanos:09d}").rstrip("0")
        off = self._offset()
        sign = "-" if off < 0 else "+"
        a = abs(off) // 60
        num = f"{sign}{a // 60:02d}{a % 60:02d}"
        zone = self.zone if self.zone is not None else ("UTC" if off == 0 else num)
        return f"{s} {num} {zone}"

    def rfc3339nano(self) -> str:
        """Go's ``Time.MarshalJSON`` body: RFC 3339 with trimmed nanoseconds, ``Z`` for UTC."""
        d = self.dt
        s = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        if self.nanos:
            s += ("." + f"{self.nanos:09d}").rstrip("0")
        off = self._offset()
        if off == 0:
            return s + "Z"
        sign = "-" if off < 0 else "+"
        a = abs(off) // 60
        return f"{s}{sign}{a // 60:02d}:{a % 60:02d}"

    @classmethod
    def parse_rfc3339(cls, text: str) -> Time:
        """Parse Go's RFC 3339 (nano) form; raises ValueError like Go's time.Parse would fail."""
        import re
        from datetime import UTC, datetime, timedelta, timezone

        m = re.fullmatch(
            r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
            r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
            text,
        )
        if m is None:
            raise ValueError(f"cannot parse {text!r} as RFC 3339")
        frac = m.group(7) or ""
        nanos = int(frac.ljust(9, "0")) if frac else 0
        if m.group(8):
            tz = UTC
        else:
            mins = int(m.group(10)) * 60 + int(m.group(11))
            tz = timezone(timedelta(minutes=-mins if m.group(9) == "-" else mins))
        dt = datetime(
            int(m.group(1)), int(m.group(2)), int(m.group(3)),
            int(m.group(4)), int(m.group(5)), int(m.group(6)),
            nanos // 1000, tzinfo=tz,
        )  # fmt: skip
        return cls(dt, nanos)


def zero_value(t: GoType) -> Any:
    """Go's zero value of type ``t`` in this module's representation."""
    k = t.kind
    if k == Kind.BOOL:
        return False
    if k in INT_KINDS:
        return 0
    if k in FLOAT_KINDS:
        return 0.0
    if k in COMPLEX_KINDS:
        return 0j
    if k == Kind.STRING:
        return ""
    if isinstance(t, PtrType):
        return Ptr(t.elem, None)
    if isinstance(t, MapType):
        return Map(t.key, t.elem, None)
    if isinstance(t, SliceType):
        return Slice(t.elem, None)
    if isinstance(t, StructType):
        if t is TIME:
            from datetime import UTC, datetime

            return Time(datetime(1, 1, 1, tzinfo=UTC), 0)
        return Struct(t, {})
    if isinstance(t, FuncType):
        return Func(None, t)
    return None


def type_of(v: Any) -> GoType | None:
    """The dynamic Go type of a value held in an interface (``None`` for nil)."""
    if v is None:
        return None
    if isinstance(v, str):
        return STRING
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, (int, float)):
        return FLOAT64
    if isinstance(v, dict):
        return ANY_MAP
    if isinstance(v, list):
        return ANY_SLICE
    if isinstance(v, Struct):
        return v.type
    if isinstance(v, Int):
        return v.type
    if isinstance(v, (Ptr, Map, Slice, Func)):
        return v.type
    if isinstance(v, Time):
        return TIME
    if isinstance(v, Named):
        return v.type
    if isinstance(v, BaseException):
        return ERROR_STRING
    if isinstance(v, complex):
        return COMPLEX128
    if isinstance(v, tuple):
        return ANY_SLICE
    if callable(v):
        return func_of(v).type
    raise TypeError(f"no Go type for Python value of type {type(v).__name__}")
