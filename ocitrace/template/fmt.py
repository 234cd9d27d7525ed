"""Go's fmt (Sprint, Sprintln, Sprintf) over reflect-style values, shaped like print.go.

Arguments are ``RV`` values holding the dynamic value of an ``interface {}`` (the invalid
RV is a nil interface).
"""

from __future__ import annotations

import math

from . import strconv
from .gotypes import (
    COMPLEX_KINDS,
    FLOAT_KINDS,
    INT_KINDS,
    SIGNED_KINDS,
    BasicType,
    Kind,
    Ptr,
    PtrType,
    Struct,
    StructType,
    Time,
    find_method,
)
from .reflect import (
    RV,
    elem,
    indirect_interface,
    is_nil,
    make,
    seq_elem_type,
    seq_items,
    sorted_map,
    str_bytes,
    struct_field,
)

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NIL_ANGLE = "<nil>"
NIL_PAREN = "(nil)"
LDIGITS = "0123456789abcdefx"
UDIGITS = "0123456789ABCDEFX"


class GoPanic(Exception):
    """A method called by fmt (String) failed."""


def _call_method(v: RV, name: str) -> tuple[bool, str | None]:
    """(has method ``name``, its string result or None for a nil pointer receiver)."""
    t = v.typ
    recv = v.val
    if isinstance(t, PtrType):
        t = t.elem
        recv = recv.value if isinstance(recv, Ptr) else (None if recv is None else recv)
    m = find_method(t, name)
    if m is None:
        return False, None
    if recv is None:
        return True, None
    return True, str(m(recv))


def stringer(v: RV) -> tuple[bool, str | None]:
    """(implements error or Stringer, Error()/String() result or None for a nil receiver)."""
    if v.typ is None or v.kind == Kind.INTERFACE:
        return False, None
    ok, s = _call_method(v, "Error")
    if ok:
        return ok, s
    return _call_method(v, "String")


def _fake_addr(obj: Any) -> int:
    return 0xC000000000 + (id(obj) & 0xFFFFFF) * 8


class Printer:
    """pp + fmt: the buffer, the flags and the per-verb formatting."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.clearflags()
        self.erroring = False
        self.arg: RV | None = None
        self.value: RV | None = None
        self.reordered = False
        self.good_arg_num = True

    def clearflags(self) -> None:
        self.wid_present = False
        self.prec_present = False
        self.minus = False
        self.plus = False
        self.sharp = False
        self.space = False
        self.zero = False
        self.plus_v = False
        self.sharp_v = False
        self.wid = 0
        self.prec = 0

    def out(self) -> str:
        return "".join(self.buf)

    # -- format.go -------------------------------------------------------------------
    def write_padding(self, n: int) -> None:
        if n <= 0:
            return
        self.buf.append(("0" if self.zero else " ") * n)

    def pad(self, s: str) -> None:
        if not self.wid_present or self.wid == 0:
            self.buf.append(s)
            return
        width = self.wid - strconv.rune_count(s)
        if not self.minus:
            self.write_padding(width)
            self.buf.append(s)
        else:
            self.buf.append(s)
            self.write_padding(width)

    pad_string = pad

    def fmt_boolean(self, v: bool) -> None:
        self.pad("true" if v else "false")

    def fmt_unicode(self, u: int) -> None:
        u &= (1 << 64) - 1
        prec = 4
        if self.prec_present and self.prec > 4:
            prec = self.prec
        h = f"{u:X}"
        if len(h) < prec:
            h = "0" * (prec - len(h)) + h
        s = "U+" + h
        if self.sharp and u <= 0x10FFFF and strconv.is_print(u):
            s += " '" + chr(u) + "'"
        old = self.zero
        self.zero = False
        self.pad(s)
        self.zero = old

    def fmt_integer(self, u: int, base: int, signed: bool, verb: str, digits: str) -> None:
        u &= (1 << 64) - 1
        negative = signed and u >= 1 << 63
        if negative:
            u = (1 << 64) - u
        prec = 0
        if self.prec_present:
            prec = self.prec
            if prec == 0 and u == 0:
                old = self.zero
                self.zero = False
                self.write_padding(self.wid)
                self.zero = old
                return
        elif self.zero and not self.minus and self.wid_present:
            prec = self.wid
            if negative or self.plus or self.space:
                prec -= 1
        if base == 10:
            s = str(u)
        elif base == 16:
            s = "".join(digits[int(c, 16)] for c in f"{u:x}")
        elif base == 8:
            s = f"{u:o}"
        else:
            s = f"{u:b}"
        if len(s) < prec:
            s = "0" * (prec - len(s)) + s
        if self.sharp:
            if base == 2:
                s = "0b" + s
            elif base == 8:
                if s[0] != "0":
                    s = "0" + s
            elif base == 16:
                s = "0" + digits[16] + s
        if verb == "O":
            s = "0o" + s
        if negative:
            s = "-" + s
        elif self.plus:
            s = "+" + s
        elif self.space:
            s = " " + s
        old = self.zero
        self.zero = False
        self.pad(s)
        self.zero = old

    def truncate(self, s: str) -> str:
        if self.prec_present:
            return strconv.truncate_runes(s, self.prec)
        return s

    def fmt_s(self, s: str) -> None:
        self.pad(self.truncate(s))

    def fmt_sbx(self, b: bytes, digits: str) -> None:
        length = len(b)
        if self.prec_present and self.prec < length:
            length = self.prec
        width = 2 * length
        if width > 0:
            if self.space:
                if self.sharp:
                    width *= 2
                width += length - 1
            elif self.sharp:
                width += 2
        else:
            if self.wid_present:
                self.write_padding(self.wid)
            return
        if self.wid_present and self.wid > width and not self.minus:
            self.write_padding(self.wid - width)
        out = []
        if self.sharp:
            out.append("0" + digits[16])
        for i in range(length):
            if self.space and i > 0:
                out.append(" ")
                if self.sharp:
                    out.append("0" + digits[16])
            c = b[i]
            out.append(digits[c >> 4] + digits[c & 0xF])
        self.buf.append("".join(out))
        if self.wid_present and self.wid > width and self.minus:
            self.write_padding(self.wid - width)

    def fmt_q(self, s: str) -> None:
        s = self.truncate(s)
        if self.sharp and strconv.can_backquote(s):
            self.pad("`" + s + "`")
            return
        if self.plus:
            self.pad(strconv.quote_ascii(s))
        else:
            self.pad(strconv.quote(s))

    def fmt_c(self, c: int) -> None:
        c &= (1 << 64) - 1
        r = c if c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF else 0xFFFD
        self.pad(chr(r))

    def fmt_qc(self, c: int) -> None:
        c &= (1 << 64) - 1
        r = c if c <= 0x10FFFF else 0xFFFD
        self.pad(strconv.quote_rune(r, ascii_only=self.plus))

    def fmt_float(self, v: float, size: int, verb: str, prec: int) -> None:
        if self.prec_present:
            prec = self.prec
        num = strconv.format_float(v, verb, prec, size)
        if num[0] in "+-":
            pass
        else:
            num = "+" + num
        if self.space and num[0] == "+" and not self.plus:
            num = " " + num[1:]
        if num[1] in "IN":
            old = self.zero
            self.zero = False
            if num[1] == "N" and not self.space and not self.plus:
                num = num[1:]
            self.pad(num)
            self.zero = old
            return
        if self.sharp and verb != "b":
            digits = 0
            if verb in "vgGx":
                digits = prec
                if digits == -1:
                    digits = 6
            tail = ""
            body = [num[0]]
            has_point = False
            saw_nonzero = False
            i = 1
            while i < len(num):
                c = num[i]
                if c == ".":
                    has_point = True
                    body.append(c)
                elif c in "pP" or (c in "eE" and verb not in "xX"):
                    tail = num[i:]
                    break
                else:
                    if c != "0":
                        saw_nonzero = True
                    if saw_nonzero:
                        digits -= 1
                    body.append(c)
                i += 1
            b = "".join(body)
            if not has_point:
                if len(b) == 2 and b[1] == "0":
                    digits -= 1
                b += "."
            if digits > 0:
                b += "0" * digits
            num = b + tail
        if self.plus or num[0] != "+":
            if self.zero and not self.minus and self.wid_present and self.wid > len(num):
                self.buf.append(num[0])
                self.write_padding(self.wid - len(num))
                self.buf.append(num[1:])
                return
            self.pad(num)
            return
        self.pad(num[1:])

    # -- print.go --------------------------------------------------------------------
    def bad_verb(self, verb: str) -> None:
        self.erroring = True
        self.buf.append("%!" + verb + "(")
        if self.arg is not None and self.arg.is_valid():
            self.buf.append(self.arg.type_str() + "=")
            self.print_arg(self.arg, "v")
        elif self.value is not None and self.value.is_valid():
            self.buf.append(self.value.type_str() + "=")
            self.print_value(self.value, "v", 0)
        else:
            self.buf.append(NIL_ANGLE)
        self.buf.append(")")
        self.erroring = False

    def fmt_bool(self, v: bool, verb: str) -> None:
        if verb in "tv":
            self.fmt_boolean(v)
        else:
            self.bad_verb(verb)

    def fmt_0x64(self, v: int, leading0x: bool) -> None:
        sharp = self.sharp
        self.sharp = leading0x
        self.fmt_integer(v, 16, False, "v", LDIGITS)
        self.sharp = sharp

    def fmt_int(self, v: int, signed: bool, verb: str) -> None:
        if verb == "v":
            if self.sharp_v and not signed:
                self.fmt_0x64(v, True)
            else:
                self.fmt_integer(v, 10, signed, verb, LDIGITS)
        elif verb == "d":
            self.fmt_integer(v, 10, signed, verb, LDIGITS)
        elif verb == "b":
            self.fmt_integer(v, 2, signed, verb, LDIGITS)
        elif verb in "oO":
            self.fmt_integer(v, 8, signed, verb, LDIGITS)
        elif verb == "x":
            self.fmt_integer(v, 16, signed, verb, LDIGITS)
        elif verb == "X":
            self.fmt_integer(v, 16, signed, verb, UDIGITS)
        elif verb == "c":
            self.fmt_c(v)
        elif verb == "q":
            self.fmt_qc(v)
        elif verb == "U":
            self.fmt_unicode(v)
        else:
            self.bad_verb(verb)

    def fmt_flt(self, v: float, size: int, verb: str) -> None:
        if verb == "v":
            self.fmt_float(v, size, "g", -1)
        elif verb in "bgGxX":
            self.fmt_float(v, size, verb, -1)
        elif verb in "feE":
            self.fmt_float(v, size, verb, 6)
        elif verb == "F":
            self.fmt_float(v, size, "f", 6)
        else:
            self.bad_verb(verb)

    def fmt_complex(self, v: complex, size: int, verb: str) -> None:
        if verb in "vbgGxXfFeE":
            old_plus = self.plus
            self.buf.append("(")
            self.fmt_flt(v.real, size // 2, verb)
            self.plus = True
            self.fmt_flt(v.imag, size // 2, verb)
            self.buf.append("i)")
            self.plus = old_plus
        else:
            self.bad_verb(verb)

    def fmt_string(self, v: str, verb: str) -> None:
        if verb == "v":
            if self.sharp_v:
                self.fmt_q(v)
            else:
                self.fmt_s(v)
        elif verb == "s":
            self.fmt_s(v)
        elif verb == "x":
            self.fmt_sbx(str_bytes(v), LDIGITS)
        elif verb == "X":
            self.fmt_sbx(str_bytes(v), UDIGITS)
        elif verb == "q":
            self.fmt_q(v)
        else:
            self.bad_verb(verb)

    def fmt_pointer(self, v: RV, verb: str) -> None:
        if v.kind not in (Kind.POINTER, Kind.MAP, Kind.SLICE, Kind.FUNC):
            self.bad_verb(verb)
            return
        u = 0 if is_nil(v) else _fake_addr(v.val)
        if verb == "v":
            if self.sharp_v:
                self.buf.append("(" + v.type_str() + ")(")
                if u == 0:
                    self.buf.append("nil")
                else:
                    self.fmt_0x64(u, True)
                self.buf.append(")")
            elif u == 0:
                self.pad(NIL_ANGLE)
            else:
                self.fmt_0x64(u, not self.sharp)
        elif verb == "p":
            self.fmt_0x64(u, not self.sharp)
        elif verb in "bodxX":
            self.fmt_int(u, False, verb)
        else:
            self.bad_verb(verb)

    def handle_methods(self, v: RV, verb: str) -> bool:
        if self.erroring:
            return False
        if self.sharp_v:
            ok, s = _call_method(v, "GoString") if v.typ is not None else (False, None)
            if ok:
                self.fmt_s(s if s is not None else NIL_ANGLE)
            return ok
        if verb not in "vsxXq":
            return False
        ok, s = stringer(v)
        if not ok:
            return False
        if s is None:
            self.pad(NIL_ANGLE)
        else:
            self.fmt_string(s, verb)
        return True

    def print_arg(self, arg: RV, verb: str) -> None:
        """printArg: ``arg`` is the concrete value of an interface (invalid = nil)."""
        self.arg = arg
        self.value = None
        if not arg.is_valid():
            if verb in "Tv":
                self.pad(NIL_ANGLE)
            else:
                self.bad_verb(verb)
            return
        if verb == "T":
            self.fmt_s(arg.type_str())
            return
        if verb == "p":
            self.fmt_pointer(arg, "p")
            return
        k = arg.kind
        t = arg.typ
        if isinstance(t, BasicType) and t.methods and self.handle_methods(arg, verb):
            return
        if k == Kind.BOOL:
            self.fmt_bool(arg.val, verb)
        elif k in FLOAT_KINDS:
            self.fmt_flt(float(arg.val), 32 if k == Kind.FLOAT32 else 64, verb)
        elif k in COMPLEX_KINDS:
            self.fmt_complex(complex(arg.val), 64 if k == Kind.COMPLEX64 else 128, verb)
        elif k in INT_KINDS:
            self.fmt_int(int(arg.val), k in SIGNED_KINDS, verb)
        elif k == Kind.STRING:
            self.fmt_string(arg.val, verb)
        else:
            if not self.handle_methods(arg, verb):
                self.print_value(arg, verb, 0)

    def print_value(self, value: RV, verb: str, depth: int) -> None:
        if depth > 0 and value.is_valid() and value.kind != Kind.INTERFACE:
            self.arg = value
            if self.handle_methods(value, verb):
                return
        self.arg = None
        self.value = value
        k = value.kind
        if k == Kind.INVALID:
            if depth == 0:
                self.buf.append("<invalid reflect.Value>")
            elif verb == "v":
                self.buf.append(NIL_ANGLE)
            else:
                self.bad_verb(verb)
        elif k == Kind.BOOL:
            self.fmt_bool(value.val, verb)
        elif k in INT_KINDS:
            self.fmt_int(int(value.val), k in SIGNED_KINDS, verb)
        elif k in FLOAT_KINDS:
            self.fmt_flt(float(value.val), 32 if k == Kind.FLOAT32 else 64, verb)
        elif k in COMPLEX_KINDS:
            self.fmt_complex(complex(value.val), 64 if k == Kind.COMPLEX64 else 128, verb)
        elif k == Kind.STRING:
            self.fmt_string(value.val, verb)
        elif k == Kind.MAP:
            if self.sharp_v:
                self.buf.append(value.type_str())
                if is_nil(value):
                    self.buf.append(NIL_PAREN)
                    return
                self.buf.append("{")
            else:
                self.buf.append("map[")
            for i, (kv, vv) in enumerate(sorted_map(value)):
                if i > 0:
                    self.buf.append(", " if self.sharp_v else " ")
                self.print_value(kv, verb, depth + 1)
                self.buf.append(":")
                self.print_value(vv, verb, depth + 1)
            self.buf.append("}" if self.sharp_v else "]")
        elif k == Kind.STRUCT:
            st = value.typ
            assert isinstance(st, StructType)
            if self.sharp_v:
                self.buf.append(str(st))
            self.buf.append("{")
            if isinstance(value.val, Time):
                from .gotime import struct_fields

                fields = struct_fields(value.val)
            else:
                fields = [(f.name, struct_field(value, (f.name,))) for f in st.fields]
            for i, (name, fv) in enumerate(fields):
                if i > 0:
                    self.buf.append(", " if self.sharp_v else " ")
                if self.plus_v or self.sharp_v:
                    self.buf.append(name + ":")
                self.print_value(fv, verb, depth + 1)
            self.buf.append("}")
        elif k == Kind.INTERFACE:
            inner = indirect_interface(value)
            if not inner.is_valid():
                if self.sharp_v:
                    self.buf.append(value.type_str() + NIL_PAREN)
                else:
                    self.buf.append(NIL_ANGLE)
            else:
                self.print_value(inner, verb, depth + 1)
        elif k == Kind.SLICE:
            et = seq_elem_type(value)
            items = seq_items(value)
            if verb in "sqxX" and et.kind == Kind.UINT8:
                data = bytes(int(x.value if hasattr(x, "value") else x) & 0xFF for x in items)
                s = data.decode("utf-8", "surrogateescape")
                if verb in "sq":
                    self.fmt_string(s, verb)
                else:
                    self.fmt_sbx(data, LDIGITS if verb == "x" else UDIGITS)
                return
            if self.sharp_v:
                self.buf.append(value.type_str())
                if is_nil(value):
                    self.buf.append(NIL_PAREN)
                    return
                self.buf.append("{")
                for i, it in enumerate(items):
                    if i > 0:
                        self.buf.append(", ")
                    self.print_value(make(et, it), verb, depth + 1)
                self.buf.append("}")
            else:
                self.buf.append("[")
                for i, it in enumerate(items):
                    if i > 0:
                        self.buf.append(" ")
                    self.print_value(make(et, it), verb, depth + 1)
                self.buf.append("]")
        elif k == Kind.POINTER:
            if depth == 0 and not is_nil(value):
                a = elem(value)
                if a.kind in (Kind.SLICE, Kind.STRUCT, Kind.MAP):
                    self.buf.append("&")
                    self.print_value(a, verb, depth + 1)
                    return
            self.fmt_pointer(value, verb)
        elif k == Kind.FUNC:
            self.fmt_pointer(value, verb)
        else:
            self.buf.append("?" + value.type_str() + "?")

    # -- entry points ----------------------------------------------------------------
    def do_print(self, args: list[RV]) -> None:
        prev_string = False
        for n, arg in enumerate(args):
            is_string = arg.kind == Kind.STRING
            if n > 0 and not is_string and not prev_string:
                self.buf.append(" ")
            self.print_arg(arg, "v")
            prev_string = is_string

    def do_println(self, args: list[RV]) -> None:
        for n, arg in enumerate(args):
            if n > 0:
                self.buf.append(" ")
            self.print_arg(arg, "v")
        self.buf.append("\n")

    def arg_number(self, arg_num: int, fmt: str, i: int, num_args: int) -> tuple[int, int, bool]:
        if len(fmt) <= i or fmt[i] != "[":
            return arg_num, i, False
        self.reordered = True
        index, wid, ok = _parse_arg_number(fmt[i:])
        if ok and 0 <= index < num_args:
            return index, i + wid, True
        self.good_arg_num = False
        return arg_num, i + wid, ok

    def do_printf(self, fmt: str, a: list[RV]) -> None:
        end = len(fmt)
        arg_num = 0
        after_index = False
        self.reordered = False
        i = 0
        while i < end:
            self.good_arg_num = True
            lasti = i
            j = fmt.find("%", i)
            i = end if j < 0 else j
            if i > lasti:
                self.buf.append(fmt[lasti:i])
            if i >= end:
                break
            i += 1
            self.clearflags()
            simple_done = False
            while i < end:
                c = fmt[i]
                if c == "#":
                    self.sharp = True
                elif c == "0":
                    self.zero = not self.minus
                elif c == "+":
                    self.plus = True
                elif c == "-":
                    self.minus = True
                    self.zero = False
                elif c == " ":
                    self.space = True
                else:
                    if "a" <= c <= "z" and arg_num < len(a):
                        if c == "v":
                            self.sharp_v = self.sharp
                            self.sharp = False
                            self.plus_v = self.plus
                            self.plus = False
                        self.print_arg(a[arg_num], c)
                        arg_num += 1
                        i += 1
                        simple_done = True
                    break
                i += 1
            if simple_done:
                continue
            arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(a))
            if i < end and fmt[i] == "*":
                i += 1
                self.wid, self.wid_present, arg_num = _int_from_arg(a, arg_num)
                if not self.wid_present:
                    self.buf.append("%!(BADWIDTH)")
                if self.wid < 0:
                    self.wid = -self.wid
                    self.minus = True
                    self.zero = False
                after_index = False
            else:
                self.wid, self.wid_present, i = _parsenum(fmt, i, end)
                if after_index and self.wid_present:
                    self.good_arg_num = False
            if i + 1 < end and fmt[i] == ".":
                i += 1
                if after_index:
                    self.good_arg_num = False
                arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(a))
                if i < end and fmt[i] == "*":
                    i += 1
                    self.prec, self.prec_present, arg_num = _int_from_arg(a, arg_num)
                    if self.prec < 0:
                        self.prec = 0
                        self.prec_present = False
                    if not self.prec_present:
                        self.buf.append("%!(BADPREC)")
                    after_index = False
                else:
                    self.prec, self.prec_present, i = _parsenum(fmt, i, end)
                    if not self.prec_present:
                        self.prec = 0
                        self.prec_present = True
            if not after_index:
                arg_num, i, after_index = self.arg_number(arg_num, fmt, i, len(a))
            if i >= end:
                self.buf.append("%!(NOVERB)")
                break
            verb = fmt[i]
            i += 1
            if verb == "%":
                self.buf.append("%")
            elif not self.good_arg_num:
                self.buf.append("%!" + verb + "(BADINDEX)")
            elif arg_num >= len(a):
                self.buf.append("%!" + verb + "(MISSING)")
            else:
                if verb == "v":
                    self.sharp_v = self.sharp
                    self.sharp = False
                    self.plus_v = self.plus
                    self.plus = False
                self.print_arg(a[arg_num], verb)
                arg_num += 1
        if not self.reordered and arg_num < len(a):
            self.clearflags()
            self.buf.append("%!(EXTRA ")
            for n, arg in enumerate(a[arg_num:]):
                if n > 0:
                    self.buf.append(", ")
                if not arg.is_valid():
                    self.buf.append(NIL_ANGLE)
                else:
                    self.buf.append(arg.type_str() + "=")
                    self.print_arg(arg, "v")
            self.buf.append(")")


def _too_large(x: int) -> bool:
    return x > 1_000_000 or x < -1_000_000


def _parsenum(s: str, start: int, end: int) -> tuple[int, bool, int]:
    if start >= end:
        return 0, False, end
    num = 0
    isnum = False
    newi = start
    while newi < end and "0" <= s[newi] <= "9":
        if _too_large(num):
            return 0, False, end
        num = num * 10 + ord(s[newi]) - 48
        isnum = True
        newi += 1
    return num, isnum, newi


def _parse_arg_number(fmt: str) -> tuple[int, int, bool]:
    if len(fmt) < 3:
        return 0, 1, False
    for i in range(1, len(fmt)):
        if fmt[i] == "]":
            width, ok, newi = _parsenum(fmt, 1, i)
            if not ok or newi != i:
                return 0, i + 1, False
            return width - 1, i + 1, True
    return 0, 1, False


def _int_from_arg(a: list[RV], arg_num: int) -> tuple[int, bool, int]:
    num = 0
    is_int = False
    new = arg_num
    if arg_num < len(a):
        v = a[arg_num]
        if v.kind in INT_KINDS:
            n = int(v.val)
            if -(1 << 63) <= n < (1 << 63):
                num = n
                is_int = True
        new = arg_num + 1
        if _too_large(num):
            num = 0
            is_int = False
    return num, is_int, new


def sprint(args: list[RV]) -> str:
    p = Printer()
    p.do_print(args)
    return p.out()


def sprintln(args: list[RV]) -> str:
    p = Printer()
    p.do_println(args)
    return p.out()


def sprintf(fmt: str, args: list[RV]) -> str:
    p = Printer()
    p.do_printf(fmt, args)
    return p.out()


def format_float_g(f: float) -> str:
    """``%v`` of a float64."""
    if f == 0 or math.isfinite(f):
        return strconv.format_float(f, "g", -1)
    return strconv.format_float(f, "g", -1)


__all__ = ["Printer", "Struct", "sprint", "sprintf", "sprintln"]
