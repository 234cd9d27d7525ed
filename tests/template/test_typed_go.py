"""Typed Go values (structs, pointers, ints, time.Time, typed maps/slices, methods).

Expected outputs come from Go itself: tools/gotemplate-typed/main.go builds the same
values as Go types and writes fixtures/gotemplate-typed/cases.jsonl; this test builds
them with ocitrace.template.gotypes and must match byte for byte.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ocitrace.template import (
    ANY,
    BOOL,
    FLOAT64,
    INT,
    INT8,
    INT64,
    STRING,
    TIME,
    UINT8,
    UINT64,
    ExecError,
    Field,
    Func,
    FuncType,
    GoError,
    Map,
    MapType,
    Ptr,
    PtrType,
    Slice,
    SliceType,
    Struct,
    StructType,
    Template,
    Time,
    json_func,
)
from ocitrace.template.gotime import DURATION
from ocitrace.template.gotypes import ERROR, FLOAT32, BasicType, Kind

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gotemplate-typed" / "cases.jsonl"


def _sep(d: str) -> int:
    i = d.find(":")
    if i < 0:
        raise ValueError(f"no ':' separator in digest {d}")
    return i


def _validate(d: str) -> GoError | None:
    i = d.find(":")
    if i <= 0 or i + 1 == len(d):
        return GoError("invalid checksum digest format")
    return None


# go-digest's named string types, as tools/gotemplate-typed/main.go declares them.
ALGORITHM = BasicType(
    "main.Algorithm",
    Kind.STRING,
    {
        "String": Func(str, FuncType((), STRING)),
        "Size": Func(lambda a: 32 if a == "sha256" else 0, FuncType((), INT)),
    },
)
DIGEST = BasicType(
    "main.Digest",
    Kind.STRING,
    {
        "Algorithm": Func(lambda d: d[: _sep(d)], FuncType((), ALGORITHM)),
        "Encoded": Func(lambda d: d[_sep(d) + 1 :], FuncType((), STRING)),
        "Hex": Func(lambda d: d[_sep(d) + 1 :], FuncType((), STRING)),
        "String": Func(str, FuncType((), STRING)),
        "Validate": Func(_validate, FuncType((), ERROR)),
    },
)
LEVEL = BasicType("main.Level", Kind.INT)
CODE = BasicType("main.Code", Kind.INT, {"Error": lambda c: f"code {c}"})

PLATFORM = StructType(
    "main.Platform",
    [
        Field("Architecture", STRING, json="architecture"),
        Field("OS", STRING, json="os"),
        Field("OSVersion", STRING, json="os.version", omitempty=True),
        Field("OSFeatures", SliceType(STRING), json="os.features", omitempty=True),
        Field("Variant", STRING, json="variant", omitempty=True),
    ],
)
HISTORY = StructType(
    "main.History",
    [
        Field("Created", PtrType(TIME), json="created", omitempty=True),
        Field("CreatedBy", STRING, json="created_by", omitempty=True),
        Field("EmptyLayer", BOOL, json="empty_layer", omitempty=True),
    ],
)
IMAGE = StructType(
    "main.Image",
    [
        Field("Created", PtrType(TIME), json="created", omitempty=True),
        Field("Author", STRING, json="author", omitempty=True),
        Field("Platform", PLATFORM, embedded=True),
        Field("History", SliceType(HISTORY), json="history", omitempty=True),
    ],
)
DESCRIPTOR = StructType(
    "main.Descriptor",
    [
        Field("MediaType", STRING, json="mediaType"),
        Field("Digest", DIGEST, json="digest"),
        Field("Size", INT64, json="size"),
        Field("URLs", SliceType(STRING), json="urls", omitempty=True),
        Field("Annotations", MapType(STRING, STRING), json="annotations", omitempty=True),
        Field("Platform", PtrType(PLATFORM), json="platform", omitempty=True),
    ],
)
OUTER = StructType(
    "main.Outer",
    [
        Field("Inner", PtrType(PLATFORM)),
        Field("Any", ANY),
        Field("Desc", DESCRIPTOR),
        Field("Lvl", LEVEL),
        Field("Err", ERROR),
    ],
)
STUB = StructType("main.stub", [Field("SLSA", ANY, json="SLSA", omitempty=True)])


def _provenance(_recv: Struct) -> Struct:
    slsa = json.loads(
        '{"buildType":"https://mobyproject.org/buildkit@v1","n":1000000,"l":[1,"a",null]}'
    )
    return Struct(STUB, {"SLSA": slsa})


def _fail(_recv: Struct) -> str:
    raise GoError("attestation missing")


def _check(_recv: Struct, n: int) -> str:
    if n < 0:
        raise GoError("negative")
    return "+" * n


INPUTS = StructType(
    "main.inputs",
    [
        Field("Name", STRING, json="name", omitempty=True),
        Field("Manifest", ANY, json="manifest", omitempty=True),
        Field("Image", PtrType(IMAGE), json="image", omitempty=True),
        Field("Missing", PtrType(IMAGE), json="missing", omitempty=True),
        Field("Images", MapType(STRING, PtrType(IMAGE)), json="images", omitempty=True),
        Field("Count", INT),
        Field("Big", INT64),
        Field("Ratio", FLOAT64),
        Field("Tags", SliceType(STRING)),
        Field("Labels", MapType(STRING, STRING)),
        Field("When", TIME),
        Field("private", STRING),
        Field("Digests", SliceType(DIGEST)),
        Field("Other", DIGEST),
        Field("Later", TIME),
        Field("Zero", TIME),
        Field("Stamp", PtrType(TIME)),
        Field("NilTime", PtrType(TIME)),
        Field("Elapsed", DURATION),
        Field("Sizes", MapType(STRING, INT64)),
        Field("Counts", SliceType(INT)),
        Field("Small", SliceType(INT8)),
        Field("Outer", PtrType(OUTER)),
        Field("Descs", MapType(STRING, DESCRIPTOR)),
        Field("Fn", FuncType((INT, STRING), STRING)),
        Field("NoFn", FuncType((), STRING)),
        Field("Iface", ANY),
        Field("Lvl", LEVEL),
        Field("Code", CODE),
        Field("Old", TIME),
        Field("Durs", SliceType(DURATION)),
        Field("IntMap", MapType(INT, STRING)),
        Field("DigMap", MapType(DIGEST, INT64)),
        Field("U8", UINT8),
        Field("U64", UINT64),
        Field("F32", FLOAT32),
        Field("Bytes", SliceType(UINT8)),
        Field("Plats", SliceType(PLATFORM)),
    ],
    methods={
        "Provenance": Func(_provenance, FuncType((), STUB, returns_error=True)),
        "Fail": _fail,
        "Add": Func(lambda _recv, a, b: a + b, FuncType((INT, INT), INT)),
        "Check": Func(_check, FuncType((INT,), STRING, returns_error=True)),
        "Join": Func(
            lambda _recv, sep, *parts: sep.join(parts),
            FuncType((STRING, STRING), STRING, variadic=True),
        ),
    },
)


def build_data() -> Ptr:
    created = Time(datetime(2022, 12, 16, 8, 26, 28, tzinfo=UTC), 651359794)
    hist = Time(datetime(2022, 12, 16, 8, 26, 0, tzinfo=UTC))
    when = Time(datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2))), 120000000)
    img = Ptr(
        IMAGE,
        Struct(
            IMAGE,
            {
                "Created": Ptr(TIME, created),
                "Platform": Struct(PLATFORM, {"Architecture": "amd64", "OS": "linux"}),
                "History": Slice(
                    HISTORY,
                    [
                        Struct(HISTORY, {"Created": Ptr(TIME, hist), "CreatedBy": "RUN <x> & y"}),
                        Struct(HISTORY, {"EmptyLayer": True}),
                    ],
                ),
            },
        ),
    )
    return Ptr(
        INPUTS,
        Struct(
            INPUTS,
            {
                "Name": "alpine:3.18",
                "Manifest": Struct(
                    DESCRIPTOR,
                    {
                        "MediaType": "application/vnd.oci.image.index.v1+json",
                        "Digest": "sha256:abc",
                        "Size": 1234,
                    },
                ),
                "Image": img,
                "Images": Map(STRING, PtrType(IMAGE), {"linux/amd64": img, "linux/arm64": None}),
                "Count": 3,
                "Big": 1 << 40,
                "Ratio": 0.5,
                "Tags": ["a", "b c"],
                "Labels": {"b": "2", "a": "1<"},
                "When": when,
                "private": "p",
                "Digests": ["sha256:0123", "sha512:ff"],
                "Other": "nocolon",
                "Later": Time(datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC), 999999999),
                "Stamp": Ptr(TIME, Time(datetime(2023, 1, 2, 15, 4, 5, tzinfo=UTC), 123456789)),
                "Elapsed": 90 * 60 * 10**9 + 1500 * 10**6,
                "Sizes": {"a": 7, "b": -3},
                "Counts": [1, 20, 300],
                "Small": [65, -2],
                "Outer": Ptr(
                    OUTER,
                    Struct(
                        OUTER,
                        {
                            "Desc": Struct(
                                DESCRIPTOR, {"MediaType": "m", "Digest": "sha256:abc", "Size": 5}
                            ),
                            "Lvl": 3,
                        },
                    ),
                ),
                "Descs": {
                    "b": Struct(DESCRIPTOR, {"MediaType": "x", "Digest": "sha256:bb", "Size": 2}),
                    "a": Struct(
                        DESCRIPTOR,
                        {
                            "MediaType": "y",
                            "Digest": "sha256:aa",
                            "Size": 1,
                            "Annotations": {"k": "v"},
                        },
                    ),
                },
                "Fn": Func(lambda n, s: s * n, FuncType((INT, STRING), STRING)),
                "Lvl": 2,
                "Code": 4,
                "Old": Time(
                    datetime(1969, 7, 20, 20, 17, 40, tzinfo=timezone(timedelta(seconds=-12600))),
                    5,
                    "NST",
                ),
                "IntMap": {10: "ten", 2: "two", -1: "neg"},
                "DigMap": {"sha256:b": 2, "sha256:a": 1},
                "U8": 200,
                "U64": (1 << 64) - 1,
                "F32": 0.1,
                "Bytes": list(b"hi\x00\xff"),
                "Plats": [
                    Struct(PLATFORM, {"Architecture": "amd64", "OS": "linux"}),
                    Struct(PLATFORM, {"Architecture": "arm64", "OS": "darwin", "Variant": "v8"}),
                ],
                "Durs": [0, 999, 1500, 1500000, -2500000000, 25 * 3600 * 10**9, -1, (1 << 63) - 1],
            },
        ),
    )


def _cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


CASES = _cases()


def _as_go_json(text: str) -> str:
    """The oracle's JSON turns raw non-UTF-8 bytes into U+FFFD; the engine keeps them as
    surrogate escapes.  Compare in the oracle's terms."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@pytest.mark.parametrize("case", CASES, ids=[c["template"] for c in CASES])
def test_typed_values_match_go(case: dict[str, Any]) -> None:
    tpl = Template("").funcs({"json": json_func}).parse(case["template"])
    if case.get("error"):
        with pytest.raises(ExecError) as info:
            tpl.execute(build_data())
        assert str(info.value) == case["error"]
        assert _as_go_json(info.value.partial_output) == case["output"]
    else:
        assert _as_go_json(tpl.execute(build_data())) == case["output"]


def test_fixture_is_substantial() -> None:
    assert len(CASES) >= 130
    assert sum(1 for c in CASES if c.get("error")) >= 30
