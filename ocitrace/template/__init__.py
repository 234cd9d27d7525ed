"""A faithful port of Go's text/template and fmt, as ``docker buildx imagetools inspect
--format`` runs them.  Self-contained: imports nothing else from ocitrace.

API::

    from ocitrace.template import render, Template, TemplateError, ParseError, ExecError
    render(text, data, funcs=None) -> str
    Template(name).funcs({...}).delims(l, r).parse(text).execute(data) -> str
    str(Template(...).parse(text).tree)   # Go's tree.Root.String() reprint
    json_func                              # buildx's ``json``: funcs={"json": json_func}

Errors carry Go's exact text: ``template: NAME:LINE: msg`` (ParseError) and
``template: NAME:LINE:COL: executing "TPL" at <NODE>: msg`` (ExecError, whose
``partial_output`` is what Go would already have written).

Value model: plain data is read as ``json.Unmarshal`` into ``interface{}`` builds it
(``int``/``float`` are float64, ``dict`` is ``map[string]interface {}``, ``list`` is
``[]interface {}``, ``None`` is nil).  Go-typed values come from ``gotypes``:

* types: ``BOOL STRING INT INT8 INT16 INT32 INT64 UINT UINT8 UINT16 UINT32 UINT64
  FLOAT64 COMPLEX128 ANY TIME``, ``SliceType(elem)``, ``MapType(key, elem)``,
  ``PtrType(elem)``, ``FuncType(params, result, variadic, returns_error)``,
  ``StructType(name, fields, methods)``, ``Field(name, type, json=None,
  omitempty=False, embedded=False)``;
* values: ``Int(v, kind="int")``, ``Float64(v)``, ``Struct(type, {field: value})``,
  ``Ptr(elem_type, value_or_None)``, ``Map(key_type, elem_type, items_or_None)``,
  ``Slice(elem_type, items_or_None)``, ``Time(aware_datetime, nanosecond=None,
  zone=None)`` / ``Time.parse_rfc3339(s)``, ``Func(fn, FuncType(...))``.
* methods: ``StructType(..., methods={"Provenance": fn})``; the executor calls
  ``fn(receiver_struct, *args)``; raise ``GoError(msg)`` to return a Go error, reported as
  ``error calling Provenance: msg``.  A method named ``String`` makes the type a Stringer,
  ``Error`` an error (it wins over String), ``GoString`` is what ``%#v`` prints.
  Give a method as ``Func(fn, FuncType(params, result))`` to type its arguments and result
  (``%T``, arity and argument errors, comparisons); a plain callable takes and returns
  ``interface {}``.
* named basic types: ``BasicType("digest.Digest", Kind.STRING, methods={...})`` carries
  value methods the same way; the receiver is the plain payload (``str``/``int``).  A
  field, slice or map of that type holds plain payloads; in an ``interface {}`` slot use
  ``Named(type, payload)``.  Through a nil pointer, a value method fails as Go's does.
* errors as values: a method typed ``FuncType((), ERROR)`` returns ``None`` (nil error)
  or a ``GoError`` instance (not raised), which prints its message and has ``%T``
  ``*errors.errorString``.
* ``time.Time`` (``TIME``/``Time``) has Go's value methods: ``Year Month Day Hour Minute
  Second Nanosecond YearDay Weekday Unix UnixMilli UnixMicro UnixNano UTC IsZero String
  GoString Format(layout) Before After Equal Compare Sub Add AddDate Truncate Round``, with
  ``time.Month``/``time.Weekday``/``time.Duration`` results (Stringers; see ``gotime``).
"""

from .errors import ExecError, GoError, ParseError, TemplateError
from .gotypes import (
    ANY,
    BOOL,
    COMPLEX128,
    ERROR,
    FLOAT32,
    FLOAT64,
    INT,
    INT8,
    INT16,
    INT32,
    INT64,
    STRING,
    TIME,
    UINT,
    UINT8,
    UINT16,
    UINT32,
    UINT64,
    BasicType,
    Field,
    Float64,
    Func,
    FuncType,
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
    Time,
)
from .jsonfunc import json_func
from .template import Template, render

__all__ = [
    "ANY",
    "BOOL",
    "COMPLEX128",
    "ERROR",
    "FLOAT32",
    "FLOAT64",
    "INT",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "STRING",
    "TIME",
    "UINT",
    "UINT8",
    "UINT16",
    "UINT32",
    "UINT64",
    "BasicType",
    "ExecError",
    "Field",
    "Float64",
    "Func",
    "FuncType",
    "GoError",
    "GoType",
    "Int",
    "Kind",
    "Map",
    "MapType",
    "Named",
    "ParseError",
    "Ptr",
    "PtrType",
    "Slice",
    "SliceType",
    "Struct",
    "StructType",
    "Template",
    "TemplateError",
    "Time",
    "json_func",
    "render",
]
