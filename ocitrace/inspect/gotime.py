"""RFC 3339 timestamps as Go's ``time.Time.UnmarshalJSON`` reads them.

A value keeps the wall clock, nanoseconds and offset exactly as written, plus whether the
zone was ``Z`` (Go's UTC location) or a numeric offset (a fixed zone, printed through the
local zone when the offsets agree).  Parse failures carry Go's error text, because buildx
prints it (``parsing time "…" as "2006-01-02T15:04:05Z07:00": cannot parse "…" as "T"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import FormatError

__all__ = ["RFC3339", "GoTime", "parse_rfc3339"]

RFC3339 = "2006-01-02T15:04:05Z07:00"

# (layout element, regex for the value) in layout order
_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("2006", r"\d{4}"),
    ("-", "-"),
    ("01", r"\d{2}"),
    ("-", "-"),
    ("02", r"\d{2}"),
    ("T", "[Tt]"),
    ("15", r"\d{2}"),
    (":", ":"),
    ("04", r"\d{2}"),
    (":", ":"),
    ("05", r"\d{2}(?:\.\d+)?"),
    ("Z07:00", r"[Zz]|[+-]\d{2}:\d{2}"),
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class GoTime:
    """A parsed RFC 3339 time: wall clock fields in the written offset."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int
    offset_seconds: int
    utc_designator: bool  # written with "Z" (Go's time.UTC location)


def _fail(value: str, rest: str, elem: str) -> FormatError:
    return FormatError(
        f'parsing time "{value}" as "{RFC3339}": cannot parse "{rest}" as "{elem}"', input=value
    )


def parse_rfc3339(value: str) -> GoTime:
    """Parse like Go's ``time.Parse(time.RFC3339, value)`` (strict JSON form)."""
    rest = value
    parts: list[str] = []
    for elem, pattern in _ELEMENTS:
        m = re.match(pattern, rest)
        if m is None:
            raise _fail(value, rest, elem)
        parts.append(m.group(0))
        rest = rest[m.end() :]
    if rest:
        raise FormatError(f'parsing time "{value}": extra text: "{rest}"', input=value)
    year, month, day, hour, minute = (int(parts[i]) for i in (0, 2, 4, 6, 8))
    sec_text, _, frac = parts[10].partition(".")
    zone = parts[11]
    _check_range(value, month, day, hour, minute, int(sec_text), year)
    nanos = int((frac + "000000000")[:9]) if frac else 0
    offset = 0
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return GoTime(year, month, day, hour, minute, int(sec_text), nanos, offset, zone in ("Z", "z"))


def _check_range(
    value: str, month: int, day: int, hour: int, minute: int, sec: int, year: int
) -> None:
    def bad(what: str) -> FormatError:
        return FormatError(f'parsing time "{value}": {what} out of range', input=value)

    if not 1 <= month <= 12:
        raise bad("month")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= _DAYS[month - 1] or (month == 2 and day == 29 and not leap):
        raise bad("day")
    if hour > 23:
        raise bad("hour")
    if minute > 59:
        raise bad("minute")
    if sec > 59:
        raise bad("second")
