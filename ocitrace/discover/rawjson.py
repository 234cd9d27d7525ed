"""Byte-exact slices of a JSON document: a top-level member's value as stored.

``--raw`` and ``-o spdx-json`` promise the predicate "as stored", and the predicate is
embedded in the statement: re-serialising would change key order, spacing and number
formatting.  :func:`member_bytes` finds the value's span with the standard decoder
(``raw_decode`` reports where each value ends) and returns those bytes unchanged.
"""

from __future__ import annotations

import json

from ..errors import FormatError

__all__ = ["member_bytes"]

_WS = " \t\n\r"


def member_bytes(document: bytes, key: str) -> bytes:
    """The exact bytes of ``document[key]`` (a top-level member); FormatError when absent."""
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"document is not UTF-8: {exc}", input=key) from exc
    decoder = json.JSONDecoder()
    i = _skip(text, 1 if text.startswith("\ufeff") else 0)
    if text[i : i + 1] != "{":
        raise FormatError("document is not a JSON object", input=key)
    i = _skip(text, i + 1)
    found: tuple[int, int] | None = None
    try:
        while text[i : i + 1] != "}":
            name, i = decoder.raw_decode(text, i)
            i = _skip(text, i)
            if text[i : i + 1] != ":":
                raise FormatError("malformed JSON object (expected ':')", input=key)
            start = _skip(text, i + 1)
            _, end = decoder.raw_decode(text, start)
            if name == key:
                found = (start, end)  # last one wins, as json.loads does
            i = _skip(text, end)
            if text[i : i + 1] == ",":
                i = _skip(text, i + 1)
    except (json.JSONDecodeError, IndexError) as exc:
        raise FormatError(f"malformed JSON document: {exc}", input=key) from exc
    if found is None:
        raise FormatError(f"document has no {key!r} member", input=key)
    return text[found[0] : found[1]].encode("utf-8")


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i
