"""member_bytes returns a member's value exactly as stored."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocitrace.discover.rawjson import member_bytes
from ocitrace.errors import FormatError


def test_spacing_order_and_unicode_kept() -> None:
    doc = '{ "_type" : "x",\n  "predicate" :  {"b": 1.50, "a": "\u00e9\\u00e9", "n": [1e3]} ,"z":0}'.encode()
    assert (
        member_bytes(doc, "predicate") == '{"b": 1.50, "a": "\u00e9\\u00e9", "n": [1e3]}'.encode()
    )


def test_last_duplicate_wins_like_json_loads() -> None:
    doc = b'{"predicate": 1, "predicate": {"x": 2}}'
    assert member_bytes(doc, "predicate") == b'{"x": 2}'
    assert json.loads(member_bytes(doc, "predicate")) == json.loads(doc)["predicate"]


@pytest.mark.parametrize(
    "doc", [b"[]", b'{"a": 1}', b'{"predicate" 1}', b'{"predicate": ', b"\xff"]
)
def test_errors(doc: bytes) -> None:
    with pytest.raises(FormatError):
        member_bytes(doc, "predicate")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(
    st.dictionaries(st.text(), json_values, min_size=1),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
)
def test_matches_json_loads(obj: dict[str, object], indent: int | None, ascii_only: bool) -> None:
    doc = json.dumps(obj, indent=indent, ensure_ascii=ascii_only).encode()
    for key in obj:
        assert json.loads(member_bytes(doc, key)) == obj[key]
