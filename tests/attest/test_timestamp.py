"""Nanosecond timestamps: the Go RFC3339Nano strings BuildKit wrote in the fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from dateutil.parser import isoparse
from hypothesis import given
from hypothesis import strategies as st

from ocitrace.attest import Timestamp, parse_timestamp
from ocitrace.errors import FormatError

from .layers import all_layers


def fixture_times() -> list[str]:
    out = []
    for layer in all_layers():
        pred = json.loads(layer.data)["predicate"]
        meta = pred.get("runDetails", {}).get("metadata") or pred.get("metadata") or {}
        for key in ("startedOn", "finishedOn", "buildStartedOn", "buildFinishedOn"):
            if key in meta:
                out.append(meta[key])
    return sorted(set(out))


TIMES = fixture_times()


def test_fixture_times_round_trip() -> None:
    assert len(TIMES) == 34  # 17 builds with provenance, start + finish each
    for text in TIMES:
        ts = parse_timestamp(text)
        assert ts.isoformat() == text == str(ts)
        # dateutil alone truncates to microseconds; the record does not
        assert ts.datetime == isoparse(text)
        digits = text.split(".")[1].rstrip("Z")
        assert ts.fraction == digits
        assert ts.nanosecond == int(digits.ljust(9, "0"))


def test_nanoseconds_and_duration() -> None:
    start = parse_timestamp("2026-11-22T09:58:15.90626773Z")
    end = parse_timestamp("2026-11-22T09:58:15.95102642Z")
    assert start.nanosecond == 906_267_730
    assert start.datetime == datetime(2026, 11, 22, 9, 58, 15, 906267, tzinfo=UTC)
    assert end - start == 44_758_690
    assert start < end and max(start, end) is end
    assert (
        start.epoch_ns
        == int(datetime(2026, 11, 22, 9, 58, 15, tzinfo=UTC).timestamp()) * 10**9 + 906_267_730
    )


def test_offsets_compare_by_instant() -> None:
    utc = parse_timestamp("2026-11-22T09:58:15.123456789Z")
    plus1 = parse_timestamp("2026-11-22T10:58:15.123456789+01:00")
    assert utc == plus1 and hash(utc) == hash(plus1)
    assert plus1.isoformat() == "2026-11-22T10:58:15.123456789+01:00"
    assert plus1.datetime.utcoffset() == timedelta(hours=1)
    assert (
        parse_timestamp("2026-11-22T09:58:15.1234567891-02:30").isoformat()
        == "2026-11-22T09:58:15.1234567891-02:30"
    )
    assert parse_timestamp("2026-11-22T09:58:15.1234567891Z").nanosecond == 123_456_789


def test_whole_seconds_and_naive() -> None:
    ts = parse_timestamp("2026-11-22T09:59:32Z")
    assert (ts.fraction, ts.nanosecond, ts.isoformat()) == ("", 0, "2026-11-22T09:59:32Z")
    naive = parse_timestamp("2026-11-22T09:59:32")
    assert naive == ts  # no offset: UTC
    assert parse_timestamp("2026-11-22").datetime == datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-22T25:00:00Z"])
def test_bad_timestamps(bad: str) -> None:
    with pytest.raises(FormatError, match="buildStartedOn: not a timestamp"):
        parse_timestamp(bad, field="buildStartedOn")


@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_round_trip_property(dt: datetime, extra_ns: int, offset_min: int) -> None:
    tz = timezone(timedelta(minutes=offset_min))
    aware = dt.replace(tzinfo=tz)
    frac = f"{aware.microsecond:06d}{extra_ns:03d}".rstrip("0")
    text = aware.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "")
    text += aware.isoformat()[-6:] if offset_min else "Z"
    ts = parse_timestamp(text)
    assert ts.isoformat() == text
    assert ts.datetime == aware
    assert ts.nanosecond == aware.microsecond * 1000 + extra_ns
    assert isinstance(ts, Timestamp)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T09:58:15Z",
        "2026-11-22t09:58:15z",
        "2026-11-22 09:58:15",
        "2026-11-22T09:58:15.90626773Z",
        "2026-11-22T24:00:00Z",  # refused by fromisoformat: isoparse's next-day midnight
        "2026-11-22T09:58:15+01:00",
        "2026-11-22T09:58:15-0530",
    ],
)
def test_the_fast_path_gives_what_isoparse_gives(text: str) -> None:
    """The ``Z``/no-offset path (datetime.fromisoformat) must give isoparse's value; UTC is
    one zone object on every path (``datetime.UTC``, as a cached record decodes to), other
    offsets keep isoparse's zone."""
    ts = parse_timestamp(text)
    base = text.replace(" ", "T").replace("t", "T").replace("z", "Z")
    head, _, frac = base.partition(".")
    expected = isoparse(head if not frac else head + frac.lstrip("0123456789"))
    if expected.tzinfo is None or expected.utcoffset() == timedelta(0):
        expected = expected.replace(tzinfo=UTC)
    assert ts.datetime.replace(microsecond=0) == expected.replace(microsecond=0)
    assert type(ts.datetime.tzinfo) is type(expected.tzinfo)
    assert (ts.datetime.tzinfo is UTC) == (expected.utcoffset() == timedelta(0))
    assert ts.datetime.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text", ["2026-13-22T09:58:15Z", "2026-02-30T09:58:15", "0000-01-01T00:00:00Z"]
)
def test_the_fast_path_refuses_with_isoparses_message(text: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_timestamp(text)
    with pytest.raises(ValueError) as direct:
        isoparse(text.replace("t", "T"))
    assert str(direct.value) in str(info.value)
