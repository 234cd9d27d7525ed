"""The audit's row model: one row per image and platform, or per image with ``--by image``.

A :class:`Row` keeps the display cells (short digest, ``v1 max``, ``source@rev``), the
full values for JSON, and its status: ``ok``, ``fail: <policy messages>`` or
``error: <message>``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .facts import Facts

__all__ = [
    "COLUMNS",
    "PackedRecords",
    "Row",
    "Status",
    "error_kind",
    "fold_by_image",
    "pack_row",
    "summarize",
]

#: Column keys in display order, with their table headers.
COLUMNS: dict[str, str] = {
    "repository": "REPOSITORY",
    "tag": "TAG",
    "digest": "DIGEST",
    "platform": "PLATFORM",
    "provenance": "PROVENANCE",
    "builder": "BUILDER",
    "source": "SOURCE",
    "built": "BUILT",
    "sbom": "SBOM",
    "signer": "SIGNER",
    "checks": "CHECKS",
    "status": "STATUS",
}


#: Columns that a folded row shows per platform (the others are the image's own).
_FOLDED_COLUMNS = ("platform", "provenance", "builder", "source", "built", "sbom", "signer")


class Status(enum.Enum):
    OK = "ok"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report; ``records`` holds the full decoded records for JSON output."""

    repository: str  # registry/repository
    tag: str
    digest: str = ""
    platform: str = ""
    facts: Facts = field(default_factory=Facts)
    failures: tuple[str, ...] = ()
    error: str | None = None
    warnings: tuple[tuple[str, str], ...] = ()  # (code, message) of discover's warnings
    records: Mapping[str, Any] = field(default_factory=dict)
    parts: tuple[Row, ...] = ()  # the platform rows a --by image row folds
    #: the exception behind ``error`` (exit code, hint, ``errorKind``): never compared,
    #: never serialised
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    @property
    def status(self) -> Status:
        if self.error is not None:
            return Status.ERROR
        return Status.FAIL if self.failures else Status.OK

    def _warns(self) -> bool:
        records = self.records
        if isinstance(records, PackedRecords):
            return records.warns
        return any(f.get("action") == "warn" for f in _findings(self))

    @property
    def state(self) -> str:
        """``ok``, ``warn`` (passed, with findings the policy only warns about), ``fail``
        or ``error``: the STATUS the table and reports show."""
        status = self.status
        if status is Status.OK and any(r._warns() for r in self.parts or (self,)):
            return "warn"
        return status.value

    @property
    def status_text(self) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        if self.failures:
            return "fail: " + "; ".join(self.failures)
        return "ok"

    def cells(self) -> dict[str, str]:
        """Display strings by column key (``-`` for unknown).

        A folded row shows, per column, its platforms' distinct cells comma-separated, so
        ``v1 max,-`` tells that one platform has no provenance.
        """
        own = self._own_cells()
        if not self.parts:
            return own
        per_part = [p._own_cells() for p in self.parts]
        for key in _FOLDED_COLUMNS:
            own[key] = ",".join(_unique(c[key] for c in per_part))
        return own

    def _own_cells(self) -> dict[str, str]:
        f = self.facts
        return {
            "repository": self.repository,
            "tag": self.tag,
            "digest": short_digest(self.digest),
            "platform": self.platform or "-",
            "provenance": provenance_cell(f),
            "builder": f.builder or "-",
            "source": source_cell(f),
            "built": f.built_at.strftime("%Y-%m-%d %H:%M") if f.built_at else "-",
            "sbom": str(f.sbom_packages) if f.sbom_packages is not None else "-",
            "signer": f.signer_cell,
            "checks": checks_cell(self.warnings),
            "status": self.status_text,
        }

    def to_json(self) -> dict[str, Any]:
        """Full values (complete digest, ISO times, decoded records) for json/jsonl/templates."""
        f = self.facts
        out: dict[str, Any] = {
            "repository": self.repository,
            "tag": self.tag,
            "digest": self.digest,
            "platform": self.platform,
            "status": self.status.value,
            "failures": list(self.failures),
            "error": self.error,
            "errorKind": error_kind(self.exception) if self.error is not None else None,
            "provenance": f.has_provenance,
            "slsaVersion": f.slsa_version,
            "mode": f.mode,
            "builder": f.builder,
            "source": f.source,
            "revision": f.revision,
            "builtAt": _iso(f.built_at),
            "builtAtFrom": f.built_at_from,
            "sbomPackages": f.sbom_packages,
            "signer": f.signer_cell if f.signature is not None else None,
            "signature": f.signature,
            "signerIdentity": f.signer_identity,
            "signerIssuer": f.signer_issuer,
            "checks": len(self.warnings),
            "warnings": [{"code": c, "message": m} for c, m in self.warnings],
        }
        out.update(_records_dict(self.records))
        return out


class PackedRecords(Mapping[str, Any]):
    """A row's records held as zlib-compressed compact JSON, decoded on each read.

    An audit keeps every row until the end (to sort and print them); the decoded records
    (provenance record, findings, SBOM summaries) are ~40 KB of Python objects per image,
    their compressed JSON ~1-2 KB.  The values read back are the JSON values themselves
    (lists for tuples), so JSON output and templates see exactly what they saw before.
    """

    __slots__ = ("_blob", "warns")

    def __init__(self, blob: bytes, warns: bool) -> None:
        self._blob = blob
        self.warns = warns  # some finding's action is "warn" (Row.state, no decoding)

    @classmethod
    def pack(cls, records: Mapping[str, Any]) -> Mapping[str, Any]:
        """``records`` packed; as given when already packed, empty or not JSON."""
        if isinstance(records, PackedRecords) or not records:
            return records
        text = records_json(records)
        if text is None:
            return records  # a value JSON cannot hold: keep the objects
        return cls.from_json(text, records_warn(records))

    @classmethod
    def from_json(cls, text: str, warns: bool) -> PackedRecords:
        """Records whose compact JSON (:func:`records_json`) is ``text``, without decoding
        it (a disk cache record keeps the text: a warm audit packs it as it is)."""
        return cls(_compress(text.encode("utf-8")), warns)

    def json_text(self) -> str:
        """The compact JSON held (:func:`records_json` of the records), not decoded."""
        return zlib.decompress(self._blob).decode("utf-8")

    def _decoded(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(zlib.decompress(self._blob))
        return value

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._decoded().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def unpacked(self) -> dict[str, Any]:
        """A fresh dict of the records (one decode)."""
        return self._decoded()

    def __repr__(self) -> str:
        return f"PackedRecords({self._decoded()!r})"


#: deflate's window and hash sizes for records of a few KB: ``zlib.compress`` allocates
#: (and the kernel zeroes) ~256 KB of state per call for its 32 KB window, ~116 µs for a
#: 2.5 KB record; an 8 KB window with a small hash table takes ~49 µs, same size.
#: The stream stays zlib-format, so ``zlib.decompress`` reads it unchanged.
_WBITS = 13
_MEM_LEVEL = 5


def _compress(data: bytes) -> bytes:
    deflate = zlib.compressobj(1, zlib.DEFLATED, _WBITS, _MEM_LEVEL)
    return deflate.compress(data) + deflate.flush()


def records_json(records: Mapping[str, Any]) -> str | None:
    """The compact JSON :class:`PackedRecords` holds; None when a value is not JSON."""
    try:
        return json.dumps(records, separators=(",", ":"), check_circular=False)
    except (TypeError, ValueError):
        return None


def records_warn(records: Mapping[str, Any]) -> bool:
    """Whether some finding's action is ``warn`` (:attr:`PackedRecords.warns`)."""
    return any(
        isinstance(f, Mapping) and f.get("action") == "warn" for f in records.get("findings") or ()
    )


def pack_row(row: Row) -> Row:
    """``row`` with its records (and its folded parts' records) packed."""
    records = PackedRecords.pack(row.records)
    parts = tuple(pack_row(p) for p in row.parts)
    if records is row.records and all(a is b for a, b in zip(parts, row.parts, strict=True)):
        return row
    return dataclasses.replace(row, records=records, parts=parts)


def _records_dict(records: Mapping[str, Any]) -> Mapping[str, Any]:
    return records.unpacked() if isinstance(records, PackedRecords) else records


def _findings(row: Row) -> list[Any]:
    return list(row.records.get("findings") or [])


def error_kind(exc: BaseException | None) -> str:
    """The ``errorKind`` of JSON outputs: the exception's class name (``NotFound``,
    ``Unauthorized``, ``DigestMismatch`` …), ``Error`` when none was kept."""
    return type(exc).__name__ if exc is not None else "Error"


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def short_digest(digest: str) -> str:
    """``sha256:0123456789ab`` (12 hex digits), as docker prints image ids."""
    alg, sep, hexpart = digest.partition(":")
    return f"{alg}:{hexpart[:12]}" if sep else digest


def provenance_cell(f: Facts) -> str:
    if not f.has_provenance:
        return "-"
    return " ".join(p for p in (f.slsa_version or "?", f.mode) if p)


def checks_cell(warnings: Sequence[tuple[str, str]]) -> str:
    """``-`` when consistent, else the warning codes (``platforms-partial``, ``x2`` if repeated)."""
    if not warnings:
        return "-"
    counts: dict[str, int] = {}
    for code, _ in warnings:
        counts[code] = counts.get(code, 0) + 1
    return ",".join(code if n == 1 else f"{code}x{n}" for code, n in counts.items())


def source_cell(f: Facts) -> str:
    if not f.source:
        return "-"
    return f"{f.source}@{f.revision[:12]}" if f.revision else f.source


def fold_by_image(rows: Sequence[Row]) -> list[Row]:
    """One row per (repository, tag, digest): platforms joined, the worst status kept.

    Facts come from the first platform; a column whose values differ between platforms
    shows them all, comma-separated, so a fold never hides a disagreement.
    """
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.repository, row.tag, row.digest), []).append(row)
    return [_fold(group) for group in groups.values()]


def _fold(group: list[Row]) -> Row:
    if len(group) == 1:
        return group[0]
    first = group[0]
    failures: list[str] = []
    for row in group:
        failures.extend(f"{row.platform}: {m}" for m in row.failures)
    errors = [f"{r.platform}: {r.error}" for r in group if r.error is not None]
    return Row(
        repository=first.repository,
        tag=first.tag,
        digest=first.digest,
        platform=",".join(_unique(r.platform for r in group)),
        facts=_fold_facts([r.facts for r in group]),
        failures=tuple(failures),
        error="; ".join(errors) if errors else None,
        warnings=tuple(dict.fromkeys(w for r in group for w in r.warnings)),
        records=PackedRecords.pack({"platforms": [r.to_json() for r in group]}),
        parts=tuple(group),
        exception=next((r.exception for r in group if r.exception is not None), None),
    )


def _fold_facts(facts: list[Facts]) -> Facts:
    def joined(values: Iterable[str | None]) -> str | None:
        vals = _unique(v for v in values if v)
        return ",".join(vals) if vals else None

    packages = [f.sbom_packages for f in facts if f.sbom_packages is not None]
    built = [f.built_at for f in facts if f.built_at is not None]
    return Facts(
        has_provenance=all(f.has_provenance for f in facts),
        slsa_version=joined(f.slsa_version for f in facts),
        mode=joined(f.mode for f in facts),
        builder=joined(f.builder for f in facts),
        source=joined(f.source for f in facts),
        revision=joined(f.revision for f in facts),
        built_at=max(built) if built else None,
        built_at_from=joined(f.built_at_from for f in facts),
        # per-platform counts, not a sum (each platform's SBOM lists the same kinds of
        # packages); the largest, and only when every platform has one
        sbom_packages=max(packages) if packages and len(packages) == len(facts) else None,
        signature=_worst_signature([f.signature for f in facts]),
        signer_cell=",".join(_unique(f.signer_cell for f in facts)),
        signer_identity=joined(f.signer_identity for f in facts),
        signer_issuer=joined(f.signer_issuer for f in facts),
    )


def _worst_signature(states: list[str | None]) -> str | None:
    """A folded image's signature state: its worst platform's (``verified`` only when
    every platform verified)."""
    from .signing import STATES

    known = [s for s in states if s is not None]
    if not known:
        return None
    return max(known, key=lambda s: STATES.index(s) if s in STATES else len(STATES))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts for the closing line."""

    images: int
    rows: int
    ok: int  # passed (status ok): ``warn`` of them with findings the policy warns about
    failed: int
    errors: int
    warned_images: int = 0  # images with at least one consistency warning
    warning_codes: Mapping[str, int] = field(default_factory=dict)  # images per code
    warn: int = 0  # passed, with findings the policy only warns about (STATUS warn)
    #: rows per signature state (verified, invalid, no-policy, unsupported, unsigned);
    #: empty when no row's signatures were looked at
    signatures: Mapping[str, int] = field(default_factory=dict)


def summarize(rows: Sequence[Row]) -> Summary:
    images: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {}
    for r in rows:
        key = (r.repository, r.tag, r.digest)
        images[key] = tuple(dict.fromkeys(images.get(key, ()) + r.warnings))
    codes: dict[str, int] = {}
    for warnings in images.values():
        for code in dict.fromkeys(c for c, _ in warnings):
            codes[code] = codes.get(code, 0) + 1
    from .signing import STATES

    states = [r.state for r in rows]
    signatures: dict[str, int] = {}
    for r in rows:
        if r.facts.signature is not None:
            signatures[r.facts.signature] = signatures.get(r.facts.signature, 0) + 1
    return Summary(
        images=len(images),
        rows=len(rows),
        ok=states.count("ok") + states.count("warn"),
        failed=states.count("fail"),
        errors=states.count("error"),
        warned_images=sum(1 for w in images.values() if w),
        warning_codes=dict(sorted(codes.items())),
        warn=states.count("warn"),
        signatures={s: signatures[s] for s in STATES if s in signatures},
    )
