"""in-toto Statements v0.1 and v1, parsed from bytes (FORMATS.md §3).

The predicate stays generic JSON; :mod:`.provenance` and :mod:`.sbom` read it.  Both
``_type`` values are accepted for either version of the predicate (BuildKit v0.26 wrote
SLSA v1 inside Statement v0.1), and unknown ``_type`` values are kept, not rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import FormatError
from .types import STATEMENT_V01, STATEMENT_V1, PredicateKind, classify_predicate

__all__ = ["Statement", "Subject", "load_json", "parse_statement", "statement_from_json"]


@dataclass(frozen=True, slots=True)
class Subject:
    """One statement subject: name (BuildKit: an image purl), digest map, v1 ``uri``."""

    name: str = ""
    digest: Mapping[str, str] = field(default_factory=dict)
    uri: str = ""

    @property
    def sha256(self) -> str:
        """``sha256:<hex>`` or ``""`` when the subject has no sha256 digest."""
        hex_ = self.digest.get("sha256", "")
        return f"sha256:{hex_}" if hex_ else ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.uri:
            out["uri"] = self.uri
        out["digest"] = dict(self.digest)
        return out


@dataclass(frozen=True, slots=True)
class Statement:
    """A decoded in-toto Statement; ``raw`` is exactly the bytes it was parsed from."""

    type: str
    predicate_type: str
    subjects: tuple[Subject, ...]
    predicate: Any = field(repr=False)  # JSON value, normally a dict
    raw: bytes = field(default=b"", repr=False)

    @property
    def version(self) -> str:
        """``"v0.1"``, ``"v1"`` or ``""`` for an unknown ``_type``."""
        return {STATEMENT_V01: "v0.1", STATEMENT_V1: "v1"}.get(self.type, "")

    @property
    def kind(self) -> PredicateKind:
        return classify_predicate(self.predicate_type)

    @property
    def subject_digests(self) -> tuple[str, ...]:
        """The ``sha256:`` digests of all subjects that have one."""
        return tuple(s.sha256 for s in self.subjects if s.sha256)


def load_json(data: bytes, what: str) -> Any:
    """``json.loads`` that raises FormatError naming ``what`` (UTF-8, BOM tolerated)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as exc:  # the decoder recurses: a hostile document, not a crash
        raise FormatError(
            f"{what} is not valid JSON: nested too deeply to decode",
            input=what,
            hint="a hostile or corrupt document: real attestations nest a few levels",
        ) from exc
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: digit limit, NaN, 1e999
        raise FormatError(
            f"{what} is not valid JSON: {exc}",
            input=what,
            hint="the blob is corrupt or not the document its media type claims",
        ) from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text:.40}")
    return value


def parse_statement(data: bytes, *, what: str = "in-toto statement") -> Statement:
    """Parse a Statement from JSON bytes; FormatError when it has no ``_type``/``predicateType``."""
    obj = load_json(data, what)
    return statement_from_json(obj, raw=data, what=what)


def statement_from_json(
    obj: Any, *, raw: bytes = b"", what: str = "in-toto statement"
) -> Statement:
    """Build a :class:`Statement` from an already decoded JSON object."""
    if not isinstance(obj, Mapping):
        raise FormatError(f"{what} is not a JSON object", input=what)
    typ = obj.get("_type")
    predicate_type = obj.get("predicateType")
    if not isinstance(typ, str) or not isinstance(predicate_type, str):
        raise FormatError(
            f"{what} has no _type/predicateType: not an in-toto statement",
            input=what,
            hint="expected {'_type': 'https://in-toto.io/Statement/v1', 'predicateType': …}",
        )
    _text(typ, "_type", what)
    _text(predicate_type, "predicateType", what)
    subjects = obj.get("subject")
    subjects = [] if subjects is None else subjects
    if not isinstance(subjects, list):
        raise FormatError(f"{what}: subject is not a list", input=what)
    return Statement(
        type=typ,
        predicate_type=predicate_type,
        subjects=tuple(_subject(s, what) for s in subjects),
        predicate=obj.get("predicate"),
        raw=raw,
    )


def _subject(obj: Any, what: str) -> Subject:
    if not isinstance(obj, Mapping):
        raise FormatError(f"{what}: subject is not a JSON object", input=what)
    digest = obj.get("digest") or {}
    if not isinstance(digest, Mapping):
        raise FormatError(f"{what}: subject digest is not a map", input=what)
    if not all(isinstance(v, str) for v in digest.values()):
        raise FormatError(f"{what}: subject digest values are not strings", input=what)
    for key in ("name", "uri"):
        if obj.get(key) is not None and not isinstance(obj.get(key), str):
            raise FormatError(f"{what}: subject {key} is not a string", input=what)
    return Subject(
        name=_text(str(obj.get("name") or ""), "subject name", what),
        digest={
            _text(str(k), "subject digest", what): _text(str(v), "subject digest", what)
            for k, v in digest.items()
        },
        uri=_text(str(obj.get("uri") or ""), "subject uri", what),
    )


def _text(value: str, key: str, what: str) -> str:
    """``value`` when it is Unicode text; a lone surrogate (a ``\\udXXX`` escape) is a
    FormatError: the statement's identifiers must print and compare as text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError(f"{what}: {key} is not valid Unicode text", input=what) from exc
    return value
