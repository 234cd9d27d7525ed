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
    INT64,
    STRING,
    TIME,
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

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gotemplate-typed" / "cases.jsonl"

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
        Field("Digest", STRING, json="digest"),
        Field("Size", INT64, json="size"),
        Field("URLs", SliceType(STRING), json="urls", omitempty=True),
        Field("Annotations", MapType(STRING, STRING), json="annotations", omitempty=True),
        Field("Platform", PtrType(PLATFORM), json="platform", omitempty=True),
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
    ],
    methods={
        "Provenance": Func(_provenance, FuncType((), STUB, returns_error=True)),
        "Fail": _fail,
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
            },
        ),
    )


def _cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c["template"] for c in CASES])
def test_typed_values_match_go(case: dict[str, Any]) -> None:
    tpl = Template("").funcs({"json": json_func}).parse(case["template"])
    if case.get("error"):
        with pytest.raises(ExecError) as info:
            tpl.execute(build_data())
        assert str(info.value) == case["error"]
        assert info.value.partial_output == case["output"]
    else:
        assert tpl.execute(build_data()) == case["output"]


def test_fixture_is_substantial() -> None:
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c.get("error")) >= 10
