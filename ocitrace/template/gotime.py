"""Go's ``time`` package as templates reach it: ``time.Time``'s value methods (``Year``,
``Month``, ``Format`` with the full layout language, ``Unix``, ``Add``, ``Round`` …) and the
named types they return (``time.Month``, ``time.Weekday``, ``time.Duration``, all Stringers).

Loaded lazily: ``gotypes.TIME`` points its method table here (``TIME_METHODS``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from . import strconv
from .errors import GoError
from .gotypes import (
    BOOL,
    FLOAT64,
    INT,
    INT64,
    STRING,
    TIME,
    UINT64,
    BasicType,
    Func,
    FuncType,
    GoType,
    Kind,
    Ptr,
    PtrType,
    Struct,
    StructType,
    Time,
)
from .reflect import RV

# Annotations only (PEP 563): typing stays unimported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_LONG_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_LONG_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

NANOSECOND = 1
MICROSECOND = 1000
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Seconds from 0001-01-01 (Go's zero Time) to the Unix epoch.
_UNIX_TO_INTERNAL = 62135596800
_MIN_INT64 = -(1 << 63)
_MAX_INT64 = (1 << 63) - 1


def month_string(m: int) -> str:
    """``time.Month.String``."""
    if 1 <= m <= 12:
        return _LONG_MONTHS[m - 1]
    return f"%!Month({m})"


def weekday_string(d: int) -> str:
    """``time.Weekday.String``."""
    if 0 <= d <= 6:
        return _LONG_DAYS[d]
    return f"%!Weekday({d})"


def _frac(v: int, prec: int) -> tuple[str, int]:
    """Go's fmtFrac: ``.digits`` of v/10**prec without trailing zeros, and the integer part."""
    digits = ""
    printed = False
    for _ in range(prec):
        digit = v % 10
        printed = printed or digit != 0
        if printed:
            digits = str(digit) + digits
        v //= 10
    return ("." + digits if printed else ""), v


def duration_string(d: int) -> str:
    """``time.Duration.String``: ``1h30m1.5s``, ``1.2ms``, ``0s``."""
    u = -d if d < 0 else d
    if u < SECOND:
        if u == 0:
            return "0s"
        if u < MICROSECOND:
            s = f"{u}ns"
        else:
            prec, unit = (3, "µs") if u < MILLISECOND else (6, "ms")
            frac, whole = _frac(u, prec)
            s = f"{whole}{frac}{unit}"
    else:
        frac, whole = _frac(u, 9)
        s = f"{whole % 60}{frac}s"
        whole //= 60
        if whole > 0:
            s = f"{whole % 60}m{s}"
            whole //= 60
            if whole > 0:
                s = f"{whole}h{s}"
    return "-" + s if d < 0 else s


def _quo(d: int, unit: int) -> tuple[int, int]:
    """Go's truncating integer division (quotient, remainder)."""
    q = abs(d) // unit
    r = abs(d) - q * unit
    return (-q, -r) if d < 0 else (q, r)


def _dur_float(d: int, unit: int) -> float:
    q, r = _quo(d, unit)
    return q + r / unit


MONTH = BasicType("time.Month", Kind.INT, {"String": Func(month_string, FuncType((), STRING))})
WEEKDAY = BasicType(
    "time.Weekday", Kind.INT, {"String": Func(weekday_string, FuncType((), STRING))}
)
DURATION = BasicType(
    "time.Duration",
    Kind.INT64,
    {
        "String": Func(duration_string, FuncType((), STRING)),
        "Hours": Func(lambda d: _dur_float(d, HOUR), FuncType((), FLOAT64)),
        "Minutes": Func(lambda d: _dur_float(d, MINUTE), FuncType((), FLOAT64)),
        "Seconds": Func(lambda d: _dur_float(d, SECOND), FuncType((), FLOAT64)),
        "Milliseconds": Func(lambda d: _quo(d, MILLISECOND)[0], FuncType((), INT64)),
        "Microseconds": Func(lambda d: _quo(d, MICROSECOND)[0], FuncType((), INT64)),
        "Nanoseconds": Func(lambda d: d, FuncType((), INT64)),
    },
)


# -- instants --------------------------------------------------------------------------


def unix_seconds(t: Time) -> int:
    """Seconds since the Unix epoch (floor), whatever the zone."""
    delta = t.dt.replace(microsecond=0) - _EPOCH
    return delta.days * 86400 + delta.seconds


def unix_nanos(t: Time) -> int:
    return unix_seconds(t) * SECOND + t.nanos


def _offset(t: Time) -> int:
    off = t.dt.utcoffset() or timedelta(0)
    return int(off.total_seconds())


def at_instant(t: Time, nanos: int) -> Time:
    """A Time at Unix-nanosecond ``nanos`` in ``t``'s location (zone name kept)."""
    secs, ns = divmod(nanos, SECOND)
    try:
        dt = (_EPOCH + timedelta(seconds=secs)).astimezone(t.dt.tzinfo)
    except OverflowError:
        raise GoError("time out of the range this port supports (years 1-9999)") from None
    return Time(dt.replace(microsecond=ns // 1000), ns, t.zone)


def _zone_name(t: Time) -> str:
    if t.zone is not None:
        return t.zone
    return "UTC" if _offset(t) == 0 else ""


def _weekday(t: Time) -> int:
    return (t.dt.weekday() + 1) % 7


def _yday(t: Time) -> int:
    return t.dt.timetuple().tm_yday


# -- Format ----------------------------------------------------------------------------

_STD0X = ("ZeroMonth", "ZeroDay", "ZeroHour12", "ZeroMinute", "ZeroSecond", "Year")
_TZ_LAYOUTS = (
    ("-070000", "NumSecondsTZ"),
    ("-07:00:00", "NumColonSecondsTZ"),
    ("-0700", "NumTZ"),
    ("-07:00", "NumColonTZ"),
    ("-07", "NumShortTZ"),
    ("Z070000", "ISO8601SecondsTZ"),
    ("Z07:00:00", "ISO8601ColonSecondsTZ"),
    ("Z0700", "ISO8601TZ"),
    ("Z07:00", "ISO8601ColonTZ"),
    ("Z07", "ISO8601ShortTZ"),
)


def _starts_lower(s: str) -> bool:
    return bool(s) and "a" <= s[0] <= "z"


def next_std_chunk(layout: str) -> tuple[str, str, str]:
    """Go's nextStdChunk: (prefix, std element name or "", suffix); fractions as ``.09``."""
    n = len(layout)
    for i, c in enumerate(layout):
        rest = layout[i:]
        if c == "J" and rest.startswith("Jan"):
            if rest.startswith("January"):
                return layout[:i], "LongMonth", layout[i + 7 :]
            if not _starts_lower(layout[i + 3 :]):
                return layout[:i], "Month", layout[i + 3 :]
        elif c == "M" and n >= i + 3:
            if rest.startswith("Mon"):
                if rest.startswith("Monday"):
                    return layout[:i], "LongWeekDay", layout[i + 6 :]
                if not _starts_lower(layout[i + 3 :]):
                    return layout[:i], "WeekDay", layout[i + 3 :]
            if rest.startswith("MST"):
                return layout[:i], "TZ", layout[i + 3 :]
        elif c == "0":
            if n >= i + 2 and "1" <= layout[i + 1] <= "6":
                return layout[:i], _STD0X[ord(layout[i + 1]) - ord("1")], layout[i + 2 :]
            if rest.startswith("002"):
                return layout[:i], "ZeroYearDay", layout[i + 3 :]
        elif c == "1":
            if rest.startswith("15"):
                return layout[:i], "Hour", layout[i + 2 :]
            return layout[:i], "NumMonth", layout[i + 1 :]
        elif c == "2":
            if rest.startswith("2006"):
                return layout[:i], "LongYear", layout[i + 4 :]
            return layout[:i], "Day", layout[i + 1 :]
        elif c == "_":
            if rest.startswith("_2"):
                if rest.startswith("_2006"):
                    return layout[: i + 1], "LongYear", layout[i + 5 :]
                return layout[:i], "UnderDay", layout[i + 2 :]
            if rest.startswith("__2"):
                return layout[:i], "UnderYearDay", layout[i + 3 :]
        elif c in "345":
            std = {"3": "Hour12", "4": "Minute", "5": "Second"}[c]
            return layout[:i], std, layout[i + 1 :]
        elif c == "P" and rest.startswith("PM"):
            return layout[:i], "PM", layout[i + 2 :]
        elif c == "p" and rest.startswith("pm"):
            return layout[:i], "pm", layout[i + 2 :]
        elif c in "-Z":
            for text, std in _TZ_LAYOUTS:
                if rest.startswith(text):
                    return layout[:i], std, layout[i + len(text) :]
        elif c in ".," and i + 1 < n and layout[i + 1] in "09":
            ch = layout[i + 1]
            j = i + 1
            while j < n and layout[j] == ch:
                j += 1
            if not (j < n and "0" <= layout[j] <= "9"):
                return layout[:i], c + ch + str(j - (i + 1)), layout[j:]
    return layout, "", ""


def _int(x: int, width: int) -> str:
    """Go's appendInt: zero-padded to ``width``, sign first."""
    if x < 0:
        return "-" + str(-x).rjust(width, "0")
    return str(x).rjust(width, "0")


def _nano(nanos: int, std: str) -> str:
    sep, kind, count = std[0], std[1], int(std[2:])
    trim = kind == "9"
    if trim and (count == 0 or nanos == 0):
        return ""
    digits = f"{nanos:09d}"
    if count < 9:
        digits = digits[:count]
    if trim:
        digits = digits.rstrip("0")
        return sep + digits if digits else ""
    return sep + digits


def _tz(std: str, offset: int) -> str:
    if offset == 0 and std.startswith("ISO8601"):
        return "Z"
    zone = offset // 60 if offset >= 0 else -(-offset // 60)
    absoffset = offset
    sign = "+"
    if zone < 0:
        sign = "-"
        zone = -zone
        absoffset = -absoffset
    out = sign + _int(zone // 60, 2)
    colon = "Colon" in std
    if colon:
        out += ":"
    if "Short" not in std:
        out += _int(zone % 60, 2)
    if "Seconds" in std:
        if colon:
            out += ":"
        out += _int(absoffset % 60, 2)
    return out


def format_time(t: Time, layout: str) -> str:
    """``Time.Format(layout)``: Go's reference-time layout language."""
    d = t.dt
    out: list[str] = []
    while layout:
        prefix, std, suffix = next_std_chunk(layout)
        out.append(prefix)
        if not std:
            break
        layout = suffix
        out.append(_element(t, d, std))
    return "".join(out)


def _hour12(d: datetime) -> int:
    return d.hour % 12 or 12


_ELEMENTS: dict[str, Callable[[Time, datetime], str]] = {
    "Year": lambda t, d: _int(abs(d.year) % 100, 2),
    "LongYear": lambda t, d: _int(d.year, 4),
    "Month": lambda t, d: month_string(d.month)[:3],
    "LongMonth": lambda t, d: month_string(d.month),
    "NumMonth": lambda t, d: str(d.month),
    "ZeroMonth": lambda t, d: _int(d.month, 2),
    "WeekDay": lambda t, d: weekday_string(_weekday(t))[:3],
    "LongWeekDay": lambda t, d: weekday_string(_weekday(t)),
    "Day": lambda t, d: str(d.day),
    "UnderDay": lambda t, d: f"{d.day:>2}",
    "ZeroDay": lambda t, d: _int(d.day, 2),
    "UnderYearDay": lambda t, d: f"{_yday(t):>3}",
    "ZeroYearDay": lambda t, d: _int(_yday(t), 3),
    "Hour": lambda t, d: _int(d.hour, 2),
    "Hour12": lambda t, d: str(_hour12(d)),
    "ZeroHour12": lambda t, d: _int(_hour12(d), 2),
    "Minute": lambda t, d: str(d.minute),
    "ZeroMinute": lambda t, d: _int(d.minute, 2),
    "Second": lambda t, d: str(d.second),
    "ZeroSecond": lambda t, d: _int(d.second, 2),
    "PM": lambda t, d: "PM" if d.hour >= 12 else "AM",
    "pm": lambda t, d: "pm" if d.hour >= 12 else "am",
}


def _element(t: Time, d: datetime, std: str) -> str:
    fn = _ELEMENTS.get(std)
    if fn is not None:
        return fn(t, d)
    if std == "TZ":
        name = _zone_name(t)
        return name if name else _tz("NumTZ", _offset(t))
    if std[0] in ".,":
        return _nano(t.nanos, std)
    return _tz(std, _offset(t))


def go_string(t: Time) -> str:
    """``Time.GoString`` (``%#v``): ``time.Date(2023, time.January, 2, …, time.UTC)``."""
    d = t.dt
    name = _zone_name(t)
    loc = (
        "time.UTC"
        if name == "UTC" and _offset(t) == 0
        else f"time.Location({strconv.quote(t.zone or '')})"
    )
    return (
        f"time.Date({d.year}, time.{month_string(d.month)}, {d.day}, {d.hour}, {d.minute}, "
        f"{d.second}, {t.nanos}, {loc})"
    )


# -- arithmetic ------------------------------------------------------------------------


def _internal_nanos(t: Time) -> int:
    """Nanoseconds since Go's zero Time (0001-01-01 UTC), which Truncate and Round use."""
    return (unix_seconds(t) + _UNIX_TO_INTERNAL) * SECOND + t.nanos


def truncate(t: Time, d: int) -> Time:
    if d <= 0:
        return t
    return at_instant(t, unix_nanos(t) - _internal_nanos(t) % d)


def round_time(t: Time, d: int) -> Time:
    if d <= 0:
        return t
    r = _internal_nanos(t) % d
    if r + r < d:
        return at_instant(t, unix_nanos(t) - r)
    return at_instant(t, unix_nanos(t) + d - r)


def sub(t: Time, u: Time) -> int:
    """``t.Sub(u)`` as a Duration, saturating at the int64 range as Go does."""
    return max(_MIN_INT64, min(_MAX_INT64, unix_nanos(t) - unix_nanos(u)))


def add_date(t: Time, years: int, months: int, days: int) -> Time:
    """``t.AddDate``: Go's Date normalisation (Oct 31 + 1 month = Dec 1)."""
    d = t.dt
    m0 = d.month - 1 + months
    year = d.year + years + m0 // 12
    month = m0 % 12 + 1
    try:
        ordinal = date(year, month, 1).toordinal() + d.day - 1 + days
        day = date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        raise GoError("time out of the range this port supports (years 1-9999)") from None
    dt = datetime(day.year, day.month, day.day, d.hour, d.minute, d.second, d.microsecond)
    return Time(dt.replace(tzinfo=d.tzinfo), t.nanos, t.zone)


def utc(t: Time) -> Time:
    return Time(t.dt.astimezone(UTC), t.nanos, "UTC")


def is_zero(t: Time) -> bool:
    return unix_seconds(t) == -_UNIX_TO_INTERNAL and t.nanos == 0


_LOCATION = StructType("time.Location", ())
_LOCATION_PTR = PtrType(_LOCATION)


def struct_fields(t: Time) -> list[tuple[str, RV]]:
    """time.Time's unexported fields as fmt prints them (``%d``): wall, ext, loc.

    A Time built by ``time.Date`` has no monotonic reading: wall holds the nanoseconds,
    ext the seconds since year 1; loc is nil for UTC.
    """
    utc_loc = _offset(t) == 0 and _zone_name(t) == "UTC"
    loc = Ptr(_LOCATION, None if utc_loc else Struct(_LOCATION))
    return [
        ("wall", RV(UINT64, t.nanos)),
        ("ext", RV(INT64, unix_seconds(t) + _UNIX_TO_INTERNAL)),
        ("loc", RV(_LOCATION_PTR, loc)),
    ]


def _m(fn: Callable[..., Any], result: GoType, *params: GoType) -> Func:
    return Func(fn, FuncType(tuple(params), result))


TIME_METHODS: dict[str, Func] = {
    "Year": _m(lambda t: t.dt.year, INT),
    "Month": _m(lambda t: t.dt.month, MONTH),
    "Day": _m(lambda t: t.dt.day, INT),
    "Hour": _m(lambda t: t.dt.hour, INT),
    "Minute": _m(lambda t: t.dt.minute, INT),
    "Second": _m(lambda t: t.dt.second, INT),
    "Nanosecond": _m(lambda t: t.nanos, INT),
    "YearDay": _m(_yday, INT),
    "Weekday": _m(_weekday, WEEKDAY),
    "Unix": _m(unix_seconds, INT64),
    "UnixMilli": _m(lambda t: unix_nanos(t) // MILLISECOND, INT64),
    "UnixMicro": _m(lambda t: unix_nanos(t) // MICROSECOND, INT64),
    "UnixNano": _m(unix_nanos, INT64),
    "UTC": _m(utc, TIME),
    "IsZero": _m(is_zero, BOOL),
    "Format": _m(format_time, STRING, STRING),
    "String": _m(lambda t: t.string(), STRING),
    "GoString": _m(go_string, STRING),
    "Before": _m(lambda t, u: unix_nanos(t) < unix_nanos(u), BOOL, TIME),
    "After": _m(lambda t, u: unix_nanos(t) > unix_nanos(u), BOOL, TIME),
    "Equal": _m(lambda t, u: unix_nanos(t) == unix_nanos(u), BOOL, TIME),
    "Compare": _m(
        lambda t, u: (unix_nanos(t) > unix_nanos(u)) - (unix_nanos(t) < unix_nanos(u)), INT, TIME
    ),
    "Sub": _m(sub, DURATION, TIME),
    "Add": _m(lambda t, d: at_instant(t, unix_nanos(t) + d), TIME, DURATION),
    "AddDate": _m(add_date, TIME, INT, INT, INT),
    "Truncate": _m(truncate, TIME, DURATION),
    "Round": _m(round_time, TIME, DURATION),
}
