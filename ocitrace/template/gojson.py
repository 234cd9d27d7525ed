"""Go's ``json.MarshalIndent(v, "", "  ")`` as buildx's ``json`` template function uses it.

HTML-safe string escaping, sorted map keys, struct fields in declaration order with json
tags, omitempty and embedded-struct flattening, Go float formatting, ``time.Time`` as
RFC 3339 nano.  Unsupported values (complex, NaN, functions) raise ``UnsupportedValue``.
"""

from __future__ import annotations

import json
import math

from . import strconv
from .gotypes import (
    ANY,
    FLOAT_KINDS,
    INT_KINDS,
    TIME,
    Field,
    Func,
    GoType,
    Int,
    Kind,
    Map,
    PtrType,
    Slice,
    StructType,
    Time,
)
from .reflect import RV, is_nil, make, sorted_map, str_bytes, struct_field, value_of

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UnsupportedValue(ValueError):
    """json: unsupported type or value."""


_encode_basestring = json.encoder.encode_basestring  # type: ignore[attr-defined]


def encode_string(s: str) -> str:
    """A Go JSON string literal with SetEscapeHTML(true)."""
    if s.isascii():
        out: str = _encode_basestring(s)
    else:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
            s = str_bytes(s).decode("utf-8", "replace")
        out = _encode_basestring(s)
        if "\u2028" in out or "\u2029" in out:
            out = out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if "<" in out or ">" in out or "&" in out:
        out = out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return out


def encode_float(f: float, bits: int = 64) -> str:
    if math.isnan(f) or math.isinf(f):
        raise UnsupportedValue("json: unsupported value: " + strconv.format_float(f, "g", -1))
    a = abs(f)
    fmt = "f"
    if a != 0 and (
        (bits == 64 and (a < 1e-6 or a >= 1e21)) or (bits == 32 and (a < 1e-6 or a >= 1e21))
    ):
        fmt = "e"
    s = strconv.format_float(f, fmt, -1, bits)
    if fmt == "e":
        n = len(s)
        if n >= 4 and s[n - 4] == "e" and s[n - 3] == "-" and s[n - 2] == "0":
            s = s[: n - 2] + s[n - 1]
    return s


def marshal_indent(v: Any, static: GoType | None = None) -> str:
    """json.MarshalIndent(v, "", "  ") of an interface value; raises UnsupportedValue."""
    out: list[str] = []
    rv = make(static, v) if static is not None else value_of(v)
    _encode(out, rv, "\n")
    return "".join(out)


def _encode_plain(out: list[str], v: Any, nl: str) -> None:
    """Fast path for JSON-decoded data (dict/list/str/float/bool/None)."""
    if v is None:
        out.append("null")
    elif isinstance(v, str):
        out.append(encode_string(v))
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, float):
        out.append(encode_float(v))
    elif isinstance(v, int):
        out.append(encode_float(float(v)))
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        inner = nl + "  "
        out.append("{")
        keys = sorted(v)
        if not all(k.isascii() for k in keys):
            keys.sort(key=str_bytes)
        first = True
        for k in keys:
            out.append(inner if first else "," + inner)
            first = False
            out.append(encode_string(k))
            out.append(": ")
            _encode_plain(out, v[k], inner)
        out.append(nl + "}")
    elif isinstance(v, list):
        if not v:
            out.append("[]")
            return
        inner = nl + "  "
        out.append("[")
        first = True
        for x in v:
            out.append(inner if first else "," + inner)
            first = False
            _encode_plain(out, x, inner)
        out.append(nl + "]")
    else:
        _encode(out, value_of(v), nl)


def _encode(out: list[str], v: RV, nl: str) -> None:
    t = v.typ
    if t is None:
        out.append("null")
        return
    k = t.kind
    val = v.val
    if k == Kind.INTERFACE:
        if val is None:
            out.append("null")
        elif isinstance(val, (dict, list, str, float, int, bool)):
            _encode_plain(out, val, nl)
        else:
            _encode(out, value_of(val), nl)
        return
    if k == Kind.BOOL:
        out.append("true" if val else "false")
    elif k in INT_KINDS:
        out.append(str(int(val)))
    elif k in FLOAT_KINDS:
        out.append(encode_float(float(val), 32 if k == Kind.FLOAT32 else 64))
    elif k == Kind.STRING:
        out.append(encode_string(val))
    elif t is TIME:
        if not isinstance(val, Time):
            raise UnsupportedValue("json: bad time")
        out.append('"' + val.rfc3339nano() + '"')
    elif k == Kind.POINTER:
        assert isinstance(t, PtrType)
        if is_nil(v):
            out.append("null")
        else:
            _encode(out, make(t.elem, val.value), nl)
    elif k == Kind.MAP:
        if is_nil(v):
            out.append("null")
            return
        entries = sorted_map(v)
        if not entries:
            out.append("{}")
            return
        if isinstance(val, dict) or (isinstance(val, Map) and val.key_type.kind == Kind.STRING):
            pairs = [(str(kk.val), vv) for kk, vv in entries]
        else:
            pairs = sorted(
                ((_key_string(kk), vv) for kk, vv in entries), key=lambda p: str_bytes(p[0])
            )
        inner = nl + "  "
        out.append("{")
        for i, (ks, vv) in enumerate(pairs):
            out.append(inner if i == 0 else "," + inner)
            out.append(encode_string(ks))
            out.append(": ")
            _encode(out, vv, inner)
        out.append(nl + "}")
    elif k == Kind.SLICE:
        if is_nil(v):
            out.append("null")
            return
        items = val.items if isinstance(val, Slice) else val
        if not items:
            out.append("[]")
            return
        et = val.elem_type if isinstance(val, Slice) else ANY
        if et.kind == Kind.UINT8:
            import base64

            raw = bytes(int(x.value if isinstance(x, Int) else x) & 0xFF for x in items)
            out.append('"' + base64.b64encode(raw).decode() + '"')
            return
        inner = nl + "  "
        out.append("[")
        for i, it in enumerate(items):
            out.append(inner if i == 0 else "," + inner)
            _encode(out, make(et, it), inner)
        out.append(nl + "]")
    elif k == Kind.STRUCT:
        assert isinstance(t, StructType)
        fields = _json_fields(v)
        if not fields:
            out.append("{}")
            return
        inner = nl + "  "
        out.append("{")
        for i, (name, fv) in enumerate(fields):
            out.append(inner if i == 0 else "," + inner)
            out.append(encode_string(name))
            out.append(": ")
            _encode(out, fv, inner)
        out.append(nl + "}")
    elif k == Kind.FUNC or isinstance(val, Func):
        raise UnsupportedValue(f"json: unsupported type: {t}")
    else:
        raise UnsupportedValue(f"json: unsupported type: {t}")


def _key_string(k: RV) -> str:
    if k.kind == Kind.STRING:
        return str(k.val)
    if k.kind in INT_KINDS:
        return str(int(k.val))
    raise UnsupportedValue(f"json: unsupported type: map key {k.type_str()}")


def _is_empty(v: RV) -> bool:
    k = v.kind
    if k == Kind.BOOL:
        return not bool(v.val)
    if k in INT_KINDS or k in FLOAT_KINDS:
        return bool(v.val == 0)
    if k == Kind.STRING:
        return bool(v.val == "")
    if k in (Kind.MAP, Kind.SLICE):
        if is_nil(v):
            return True
        from .reflect import length

        return length(v) == 0
    if k in (Kind.POINTER, Kind.INTERFACE, Kind.FUNC):
        return is_nil(v)
    return False


def _json_fields(v: RV) -> list[tuple[str, RV]]:
    """The encoded fields of a struct, in order, with embedded structs flattened."""
    st = v.typ
    assert isinstance(st, StructType)
    result: list[tuple[str, RV]] = []
    seen: set[str] = set()
    for f in st.fields:
        if f.json == "-":
            continue
        fv = struct_field(v, (f.name,))
        if f.embedded and f.json is None:
            inner = fv
            if inner.kind == Kind.POINTER:
                if is_nil(inner):
                    continue
                assert isinstance(inner.typ, PtrType)
                inner = make(inner.typ.elem, inner.val.value)
            if inner.kind == Kind.STRUCT and inner.typ is not TIME:
                for name, sub in _json_fields(inner):
                    if name not in seen:
                        seen.add(name)
                        result.append((name, sub))
                continue
        if not _exported(f):
            continue
        name = f.json or f.name
        if f.omitempty and _is_empty(fv):
            continue
        if name in seen:
            continue
        seen.add(name)
        result.append((name, fv))
    return result


def _exported(f: Field) -> bool:
    return f.exported
