"""Decode a fetched JSON document, turning every way it can fail into one FormatError.

Python's decoder recurses, so a document nested deeper than the interpreter's recursion
limit (a hostile config or attestation layer) raises RecursionError; that is malformed
input like any other, reported naming the document (its digest) rather than as a crash.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import FormatError

__all__ = ["loads"]

_HINT = "the blob is corrupt or not the document its media type claims"


def loads(raw: bytes, what: str) -> Any:
    """``json.loads(raw)``; FormatError naming ``what`` (e.g. ``image config sha256:…``)."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise FormatError(
            f"{what} is not valid JSON: nested too deeply to decode",
            input=what,
            hint="a hostile or corrupt document: real configs and attestations nest a few levels",
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}", input=what, hint=_HINT) from exc
