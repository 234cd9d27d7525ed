"""The parts of Go's strconv the engine needs: quoting, unquoting, number parsing, ftoa.

Go strings are carried as Python ``str`` in which bytes that are not valid UTF-8 appear
as surrogate escapes (U+DC80..U+DCFF), so byte-level results survive a round trip.
"""

from __future__ import annotations

import math
from collections.abc import Iterator


class SyntaxErr(ValueError):
    """strconv.ErrSyntax."""

    def __init__(self) -> None:
        super().__init__("invalid syntax")


LOWERHEX = "0123456789abcdef"
UPPERHEX = "0123456789ABCDEF"
RUNE_ERROR = 0xFFFD


def is_print(r: int) -> bool:
    """unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    if r < 0x80:
        return 0x20 <= r < 0x7F
    if 0xD800 <= r <= 0xDFFF or r > 0x10FFFF:
        return False
    return chr(r).isprintable()


def go_runes(s: str) -> Iterator[tuple[int, int, int]]:
    """Decode like Go's range over a string: (rune, byte width, first byte).

    An invalid byte yields (RUNE_ERROR, 1, byte).
    """
    if not _has_surrogates(s):
        for ch in s:
            r = ord(ch)
            w = 1 if r < 0x80 else 2 if r < 0x800 else 3 if r < 0x10000 else 4
            yield r, w, (r if r < 0x80 else -1)
        return
    b = s.encode("utf-8", "surrogateescape")
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            yield c, 1, c
            i += 1
            continue
        w = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF4 else 0
        if w and i + w <= n:
            try:
                ch = b[i : i + w].decode("utf-8")
                yield ord(ch), w, c
                i += w
                continue
            except UnicodeDecodeError:
                pass
        yield RUNE_ERROR, 1, c
        i += 1


def _has_surrogates(s: str) -> bool:
    if s.isascii():
        return False
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def _escaped_rune(out: list[str], r: int, quote: str, ascii_only: bool) -> None:
    if r == ord(quote) or r == 0x5C:
        out.append("\\" + chr(r))
        return
    if ascii_only:
        if r < 0x80 and is_print(r):
            out.append(chr(r))
            return
    elif is_print(r):
        out.append(chr(r))
        return
    esc = _SIMPLE_ESC.get(r)
    if esc is not None:
        out.append(esc)
    elif r < 0x20 or r == 0x7F:
        out.append("\\x" + LOWERHEX[r >> 4] + LOWERHEX[r & 0xF])
    else:
        if r > 0x10FFFF or 0xD800 <= r <= 0xDFFF:
            r = RUNE_ERROR
        if r < 0x10000:
            out.append(f"\\u{r:04x}")
        else:
            out.append(f"\\U{r:08x}")


_SIMPLE_ESC = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}


def quote_with(s: str, quote: str, ascii_only: bool = False) -> str:
    """strconv.Quote / QuoteToASCII."""
    if s.isascii() and s.isprintable() and quote not in s and "\\" not in s:
        return quote + s + quote
    out = [quote]
    for r, w, c in go_runes(s):
        if w == 1 and r == RUNE_ERROR and c >= 0x80:
            out.append("\\x" + LOWERHEX[c >> 4] + LOWERHEX[c & 0xF])
            continue
        _escaped_rune(out, r, quote, ascii_only)
    out.append(quote)
    return "".join(out)


def quote(s: str) -> str:
    return quote_with(s, '"')


def quote_ascii(s: str) -> str:
    return quote_with(s, '"', ascii_only=True)


def quote_prefix(s: str, n: int) -> str:
    """``%.Nq``: quote the first N runes."""
    return quote(truncate_runes(s, n))


def truncate_runes(s: str, n: int) -> str:
    if not _has_surrogates(s):
        return s[:n]
    b = s.encode("utf-8", "surrogateescape")
    pos = 0
    for count, (_, w, _) in enumerate(go_runes(s)):
        if count == n:
            break
        pos += w
    return b[:pos].decode("utf-8", "surrogateescape")


def rune_count(s: str) -> int:
    if not _has_surrogates(s):
        return len(s)
    return sum(1 for _ in go_runes(s))


def quote_rune(r: int, ascii_only: bool = False) -> str:
    """strconv.QuoteRune / QuoteRuneToASCII."""
    if r > 0x10FFFF or r < 0 or 0xD800 <= r <= 0xDFFF:
        r = RUNE_ERROR
    out = ["'"]
    _escaped_rune(out, r, "'", ascii_only)
    out.append("'")
    return "".join(out)


def can_backquote(s: str) -> bool:
    for r, w, _c in go_runes(s):
        if w > 1:
            if r == 0xFEFF:
                return False
            continue
        if r == RUNE_ERROR:
            return False
        if (r < 0x20 and r != 9) or r == 0x60 or r == 0x7F:
            return False
    return True


def sharp_u(r: int) -> str:
    """``%#U``: ``U+0041 'A'`` (the quoted form only for printable runes)."""
    s = f"U+{r:04X}"
    if is_print(r):
        s += " '" + chr(r) + "'"
    return s


# -- unquoting ---------------------------------------------------------------------
def _unhex(c: str) -> int:
    if "0" <= c <= "9":
        return ord(c) - 48
    if "a" <= c <= "f":
        return ord(c) - 87
    if "A" <= c <= "F":
        return ord(c) - 55
    return -1


def unquote_char(s: str, quote: str) -> tuple[int, bool, str]:
    """strconv.UnquoteChar: (value, multibyte, tail); raises SyntaxErr."""
    if not s:
        raise SyntaxErr()
    c = s[0]
    if c == quote and quote in ("'", '"'):
        raise SyntaxErr()
    if ord(c) >= 0x80:
        return ord(c), True, s[1:]
    if c != "\\":
        return ord(c), False, s[1:]
    if len(s) <= 1:
        raise SyntaxErr()
    c = s[1]
    s = s[2:]
    simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
    if c in simple:
        return simple[c], False, s
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        if len(s) < n:
            raise SyntaxErr()
        v = 0
        for j in range(n):
            x = _unhex(s[j])
            if x < 0:
                raise SyntaxErr()
            v = v << 4 | x
        s = s[n:]
        if c == "x":
            return v, False, s
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            raise SyntaxErr()
        return v, True, s
    if "0" <= c <= "7":
        v = ord(c) - 48
        if len(s) < 2:
            raise SyntaxErr()
        for j in range(2):
            x = ord(s[j]) - 48
            if x < 0 or x > 7:
                raise SyntaxErr()
            v = (v << 3) | x
        s = s[2:]
        if v > 255:
            raise SyntaxErr()
        return v, False, s
    if c in ("'", '"'):
        if c != quote:
            raise SyntaxErr()
        return ord(c), False, s
    raise SyntaxErr()


def unquote(s: str) -> str:
    """strconv.Unquote for "…", `…` and '…'; raises SyntaxErr."""
    if len(s) < 2:
        raise SyntaxErr()
    q = s[0]
    if q != s[-1] or q not in "\"'`":
        raise SyntaxErr()
    body = s[1:-1]
    if q == "`":
        if "`" in body:
            raise SyntaxErr()
        return body.replace("\r", "")
    if "\n" in body:
        raise SyntaxErr()
    if "\\" not in body and q not in body:
        if q == '"':
            return body
        if len(body) == 1:
            return body
    buf = bytearray()
    rest = body
    while rest:
        r, multibyte, rest = unquote_char(rest, q)
        if r < 0x80 or not multibyte:
            if r < 0x100 and not multibyte:
                buf.append(r)
            else:
                buf += chr(r).encode("utf-8", "surrogateescape")
        else:
            buf += chr(r).encode("utf-8")
        if q == "'":
            break
    if rest:
        raise SyntaxErr()
    return buf.decode("utf-8", "surrogateescape")


# -- number parsing ------------------------------------------------------------------
def underscore_ok(s: str) -> bool:
    saw = "^"
    i = 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_uint(s: str) -> int:
    """strconv.ParseUint(s, 0, 64); raises ValueError."""
    if not s:
        raise ValueError(s)
    s0 = s
    base = 10
    if s[0] == "0":
        if len(s) >= 3 and s[1].lower() == "b":
            base, s = 2, s[2:]
        elif len(s) >= 3 and s[1].lower() == "o":
            base, s = 8, s[2:]
        elif len(s) >= 3 and s[1].lower() == "x":
            base, s = 16, s[2:]
        else:
            base, s = 8, s[1:]
    underscores = False
    n = 0
    for c in s:
        if c == "_":
            underscores = True
            continue
        d = _unhex(c) if c.isascii() else -1
        if d < 0 or d >= base:
            raise ValueError(s0)
        n = n * base + d
    if underscores and not underscore_ok(s0):
        raise ValueError(s0)
    if n >= 1 << 64:
        raise ValueError(s0)
    return n


def parse_int(s: str) -> int:
    """strconv.ParseInt(s, 0, 64); raises ValueError."""
    if not s:
        raise ValueError(s)
    neg = False
    body = s
    if s[0] in "+-":
        neg = s[0] == "-"
        body = s[1:]
    u = parse_uint(body)
    if underscore_in(body) and not underscore_ok(s):
        raise ValueError(s)
    if neg:
        if u > 1 << 63:
            raise ValueError(s)
        return -u
    if u >= 1 << 63:
        raise ValueError(s)
    return u


def underscore_in(s: str) -> bool:
    return "_" in s


def parse_float(s: str) -> float:
    """strconv.ParseFloat(s, 64) for Go literal syntax; raises ValueError (also on overflow)."""
    if not s:
        raise ValueError(s)
    body = s
    sign = ""
    if body[0] in "+-":
        sign, body = body[0], body[1:]
    low = body.lower()
    if low in ("inf", "infinity"):
        return -math.inf if sign == "-" else math.inf
    if low == "nan":
        return math.nan
    if "_" in body:
        if not underscore_ok(s):
            raise ValueError(s)
        body = body.replace("_", "")
    if low.startswith("0x"):
        mant = body[2:]
        if "p" not in mant.lower():
            raise ValueError(s)
        m, _, e = mant.lower().partition("p")
        if not m or m == "." or not all(c in "0123456789abcdef." for c in m) or m.count(".") > 1:
            raise ValueError(s)
        if not e or not (e.lstrip("+-").isdigit()) or e[0] not in "+-0123456789":
            raise ValueError(s)
        try:
            v = float.fromhex(sign + "0x" + m + "p" + e)
        except OverflowError:
            raise ValueError(s) from None
    else:
        import re

        if not re.fullmatch(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", body):
            raise ValueError(s)
        v = float(sign + body)
    if math.isinf(v):
        raise ValueError(s)
    return v


# -- ftoa ----------------------------------------------------------------------------
def _digits_from_repr(r: str) -> tuple[str, int]:
    """(digits without leading/trailing zeros, decimal point position) from a float repr."""
    m, _, e = r.partition("e")
    ip, _, fp = m.partition(".")
    d = ip + fp
    dp = len(ip) + (int(e) if e else 0)
    stripped = d.lstrip("0")
    dp -= len(d) - len(stripped)
    d = stripped.rstrip("0")
    if not d:
        return "", 0
    return d, dp


def _fmt_e(neg: bool, d: str, dp: int, prec: int, fmt: str) -> str:
    out = ["-"] if neg else []
    out.append(d[0] if d else "0")
    if prec > 0:
        frac = d[1 : prec + 1]
        out.append("." + frac + "0" * (prec - len(frac)))
    exp = dp - 1 if d else 0
    sign = "-" if exp < 0 else "+"
    exp = abs(exp)
    out.append(fmt + sign + (f"{exp:02d}"))
    return "".join(out)


def _fmt_f(neg: bool, d: str, dp: int, prec: int) -> str:
    out = ["-"] if neg else []
    if dp > 0:
        ip = d[:dp]
        out.append(ip + "0" * (dp - len(ip)))
    else:
        out.append("0")
    if prec > 0:
        frac = []
        for i in range(1, prec + 1):
            j = dp + i - 1
            frac.append(d[j] if 0 <= j < len(d) else "0")
        out.append("." + "".join(frac))
    return "".join(out)


def format_float(f: float, fmt: str, prec: int, bitsize: int = 64) -> str:
    """strconv.FormatFloat for 'e','E','f','g','G','b','x','X'."""
    if bitsize == 32:
        import struct

        f = struct.unpack("<f", struct.pack("<f", f))[0]
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    a = -f if neg else f
    if fmt == "b":
        return _fmt_b(f, bitsize)
    if fmt in "xX":
        return _fmt_x(f, prec, fmt, bitsize)
    shortest = prec < 0
    if shortest:
        r = repr(a) if bitsize == 64 else _repr32(a)
        d, dp = _digits_from_repr(r)
        if fmt in "eE":
            prec = max(len(d) - 1, 0)
        elif fmt == "f":
            prec = max(len(d) - dp, 0)
        elif fmt in "gG":
            prec = len(d)
    elif fmt == "f":
        d, dp = _digits_from_repr(f"{a:.{prec}f}")
    else:
        digits = prec + 1 if fmt in "eE" else (prec or 1)
        if fmt in "gG" and prec == 0:
            prec = 1
        d, dp = _digits_from_repr(f"{a:.{digits - 1}e}")
    if fmt in "eE":
        return _fmt_e(neg, d, dp, prec, fmt)
    if fmt == "f":
        return _fmt_f(neg, d, dp, prec)
    if fmt in "gG":
        eprec = prec
        nd = len(d)
        if eprec > nd and nd >= dp:
            eprec = nd
        if shortest:
            eprec = 6
        exp = dp - 1
        if exp < -4 or exp >= eprec:
            if prec > nd:
                prec = nd
            return _fmt_e(neg, d, dp, prec - 1, "e" if fmt == "g" else "E")
        if prec > dp:
            prec = nd
        return _fmt_f(neg, d, dp, max(prec - dp, 0))
    return "%" + fmt


def _repr32(a: float) -> str:
    """Shortest repr of a float32 value."""
    import struct

    for n in range(1, 18):
        s = f"{a:.{n - 1}e}"
        if struct.unpack("<f", struct.pack("<f", float(s)))[0] == a:
            return s
    return repr(a)


def _bits(f: float, bitsize: int) -> tuple[bool, int, int, int, int]:
    import struct

    if bitsize == 32:
        (b,) = struct.unpack("<I", struct.pack("<f", f))
        mantbits, expbits, bias = 23, 8, -127
    else:
        (b,) = struct.unpack("<Q", struct.pack("<d", f))
        mantbits, expbits, bias = 52, 11, -1023
    neg = (b >> (expbits + mantbits)) != 0
    exp = (b >> mantbits) & ((1 << expbits) - 1)
    mant = b & ((1 << mantbits) - 1)
    if exp == 0:
        exp += 1
    else:
        mant |= 1 << mantbits
    exp += bias
    return neg, mant, exp, mantbits, bias


def _fmt_b(f: float, bitsize: int) -> str:
    neg, mant, exp, mantbits, _ = _bits(f, bitsize)
    exp -= mantbits
    return ("-" if neg else "") + str(mant) + "p" + ("+" if exp >= 0 else "") + str(exp)


def _fmt_x(f: float, prec: int, fmt: str, bitsize: int) -> str:
    neg, mant, exp, mantbits, _ = _bits(f, bitsize)
    mask64 = (1 << 64) - 1
    if mant == 0:
        exp = 0
    mant = (mant << (60 - mantbits)) & mask64
    while mant != 0 and mant & (1 << 60) == 0:
        mant = (mant << 1) & mask64
        exp -= 1
    if 0 <= prec < 15:
        shift = prec * 4
        extra = (mant << shift) & ((1 << 60) - 1)
        mant >>= 60 - shift
        if extra | (mant & 1) > 1 << 59:
            mant += 1
        mant = (mant << (60 - shift)) & mask64
        if mant & (1 << 61):
            mant >>= 1
            exp += 1
    hexd = LOWERHEX if fmt == "x" else UPPERHEX
    out = ["-"] if neg else []
    out.append("0" + fmt + str((mant >> 60) & 1))
    mant = (mant << 4) & mask64
    if prec < 0 and mant != 0:
        out.append(".")
        while mant != 0:
            out.append(hexd[(mant >> 60) & 15])
            mant = (mant << 4) & mask64
    elif prec > 0:
        out.append(".")
        for _ in range(prec):
            out.append(hexd[(mant >> 60) & 15])
            mant = (mant << 4) & mask64
    out.append("p" if fmt == "x" else "P")
    out.append("-" if exp < 0 else "+")
    exp = abs(exp)
    out.append(f"{exp:02d}")
    return "".join(out)
