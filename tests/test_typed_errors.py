"""Errors stay typed to the top (issue 9): items that failed keep their exception object,
which is never compared or serialised; JSON says its class as ``errorKind``."""

from __future__ import annotations

from ocitrace.audit.rows import Row, error_kind
from ocitrace.discover.decode import decode_layer
from ocitrace.discover.layers import LayerKind
from ocitrace.errors import FormatError, NotFound
from ocitrace.oci.predicates import DSSE_ENVELOPE


def test_undecodable_layer_keeps_its_format_error() -> None:
    dec = decode_layer(LayerKind.DSSE, b"{not json", DSSE_ENVELOPE, {})
    assert dec.error and isinstance(dec.exception, FormatError)


def test_row_exception_is_not_compared_or_serialised() -> None:
    exc = NotFound("r.example/app:v1: not found", input="r.example/app:v1")
    a = Row(repository="r.example/app", tag="v1", error=str(exc), exception=exc)
    b = Row(repository="r.example/app", tag="v1", error=str(exc))
    assert a == b
    doc = a.to_json()
    assert doc["errorKind"] == "NotFound" and exc not in doc.values()
    assert b.to_json()["errorKind"] == "Error" == error_kind(None)
    assert Row(repository="r", tag="t").to_json()["errorKind"] is None
