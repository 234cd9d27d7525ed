"""RFC 3339 timestamps that keep nanoseconds.

BuildKit writes Go RFC3339Nano times (``2026-11-22T09:58:15.90626773Z``); ``datetime`` and
``dateutil.isoparse`` stop at microseconds.  :class:`Timestamp` parses the date and offset
with python-dateutil, carries the fractional digits itself and prints them back unchanged.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass
from datetime import timedelta

from ..errors import FormatError

__all__ = ["Timestamp", "parse_timestamp"]

_SPLIT = re.compile(
    r"(?P<base>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})"
    r"(?:[.,](?P<frac>\d+))?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ZERO = _dt.timedelta(0)


@functools.total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Timestamp:
    """An instant with nanosecond precision; equality and order compare the instant.

    ``text`` is the string as written; ``fraction`` the fractional-second digits as written
    (possibly more than 9; only the first 9 count toward :attr:`nanosecond`).
    """

    text: str
    datetime: _dt.datetime  # aware; microseconds truncated from the fraction (never rounded)
    fraction: str = ""

    @property
    def nanosecond(self) -> int:
        """Nanoseconds within the second (0..999_999_999)."""
        return int((self.fraction + "000000000")[:9]) if self.fraction else 0

    @property
    def epoch_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        whole = self.datetime.replace(microsecond=0) - _EPOCH
        seconds = whole.days * 86_400 + whole.seconds
        return seconds * 1_000_000_000 + self.nanosecond

    def isoformat(self) -> str:
        """RFC 3339 with the original fractional digits; ``Z`` for UTC, else ``±HH:MM``."""
        base = self.datetime.strftime("%Y-%m-%dT%H:%M:%S")
        frac = f".{self.fraction}" if self.fraction else ""
        return base + frac + _offset(self.datetime)

    def __str__(self) -> str:
        return self.isoformat()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timestamp):
            return NotImplemented
        return self.epoch_ns == other.epoch_ns

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Timestamp):
            return NotImplemented
        return self.epoch_ns < other.epoch_ns

    def __hash__(self) -> int:
        return hash(self.epoch_ns)

    def __sub__(self, other: Timestamp) -> int:
        """Difference in nanoseconds."""
        return self.epoch_ns - other.epoch_ns


def _offset(dt: _dt.datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    if off == timedelta(0):
        return "Z"
    sign = "+" if off >= timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_timestamp(text: str, *, field: str = "timestamp") -> Timestamp:
    """Parse an RFC 3339 / ISO 8601 instant; a missing offset means UTC.

    Raises FormatError naming ``field`` when the text is not a timestamp.
    """
    if not isinstance(text, str) or not text.strip():
        raise FormatError(f"{field}: not a timestamp: {text!r:.60}", input=field)
    s = text.strip()
    m = _SPLIT.fullmatch(s)
    try:
        if m is None:
            dt = _isoparse(s)
            fraction = f"{dt.microsecond:06d}".rstrip("0") if dt.microsecond else ""
        else:
            dt = _parse_base(m["base"].replace(" ", "T").replace("t", "T"), m["tz"])
            fraction = m["frac"] or ""
            dt = dt.replace(microsecond=int((fraction + "000000")[:6]))
    except (ValueError, OverflowError) as exc:
        raise FormatError(
            f"{field}: not a timestamp: {text!r:.60} ({exc})",
            input=field,
            hint="expected RFC 3339, e.g. 2026-11-22T09:58:15.90626773Z",
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    return Timestamp(text=text, datetime=dt, fraction=fraction)


def _parse_base(base: str, tz: str | None) -> _dt.datetime:
    """``YYYY-MM-DDTHH:MM:SS`` plus the offset as written, as ``isoparse`` reads it.

    Without an offset or with ``Z`` (what BuildKit and most tools write) the standard
    library's C parser reads it, ~10× cheaper per call, with ``datetime.UTC`` attached;
    anything else, or anything that parser refuses (``24:00:00``), goes to ``isoparse``
    (same values, same errors)."""
    if not tz or tz in "Zz":
        try:
            dt = _dt.datetime.fromisoformat(base)
        except ValueError:
            pass
        else:
            return dt.replace(tzinfo=_dt.UTC) if tz else dt
    return _isoparse(base + _tz(tz))


def _isoparse(text: str) -> _dt.datetime:
    """dateutil's ``isoparse``, imported when first needed: most timestamps take the fast
    path above, and a run that parses none of the other forms loads none of dateutil
    (``dateutil.tz`` alone is ~35 ms of imports: tzdata, tempfile, ctypes).  Its UTC
    (``tzutc``) becomes ``datetime.UTC``, as on the fast path: one zone object for UTC."""
    from dateutil.parser import isoparse

    dt = isoparse(text)
    tzinfo = dt.tzinfo
    if (
        tzinfo is not None
        and tzinfo is not _dt.UTC
        and dt.utcoffset() == _ZERO
        and dt.tzname() == "UTC"
    ):
        dt = dt.replace(tzinfo=_dt.UTC)
    return dt


def _tz(tz: str | None) -> str:
    if not tz or tz in "Zz":
        return "Z" if tz else ""
    return tz
