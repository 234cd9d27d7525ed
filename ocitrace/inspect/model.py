"""buildx's template input (``tplInput`` / ``tplInputs``) over a lazy :class:`Inspection`.

Engine-independent half of the model: the shape rule, what each root field and method
returns in either shape, buildx's error handling (multi: errors propagate; single:
swallowed, empty stub), and the one-line notes ocitrace adds on stderr when
``.Provenance`` / ``.SBOM`` find nothing or fail.  Mapping these values onto the template
engine's Go types is a thin final step over :class:`TemplateModel`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import OcitraceError
from ..oci.model import Descriptor
from .image import ConfigFile
from .inspection import IndexSummary, Inspection, SBOMResult

__all__ = ["EMPTY_SBOM", "Notes", "TemplateModel"]

EMPTY_SBOM = SBOMResult(None, ())


@dataclass
class Notes:
    """stderr lines collected while the template runs (each at most once, in order)."""

    _lines: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, line: str | None) -> None:
        if line is None:
            return
        with self._lock:
            if line not in self._lines:
                self._lines.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)


class TemplateModel:
    """Root data of ``--format``: ``.Name``, ``.Manifest``, ``.Image``, ``.Provenance``, ``.SBOM``."""

    def __init__(self, ins: Inspection, name: str) -> None:
        self.ins = ins
        self.Name = name
        self.notes = Notes()

    @property
    def go_type_name(self) -> str:
        """``imagetools.tplInputs`` for the multi shape, ``imagetools.tplInput`` otherwise."""
        return "imagetools.tplInputs" if self.ins.is_multi() else "imagetools.tplInput"

    @property
    def Manifest(self) -> Descriptor | IndexSummary:
        return self.ins.manifest_value()

    @property
    def Image(self) -> dict[str, ConfigFile] | ConfigFile | None:
        """Multi: configs by platform (nil configs left out); single: the one config or None."""
        images = self.ins.images()
        if self.ins.is_multi():
            return {k: v for k, v in images.items() if v is not None}
        for value in images.values():
            return value
        return None

    def Provenance(self) -> dict[str, Any] | Any:
        """Multi: ``{platform: predicate}``; single: the predicate or None (errors swallowed)."""
        return self._attestation("provenance", self.ins.provenance, None)

    def SBOM(self) -> dict[str, SBOMResult] | SBOMResult:
        """Multi: ``{platform: SBOMResult}``; single: the result or an empty one."""
        result: dict[str, SBOMResult] | SBOMResult = self._attestation(
            "sbom", self.ins.sbom, EMPTY_SBOM
        )
        return result

    def _attestation(self, what: str, load: Any, empty: Any) -> Any:
        multi = self.ins.is_multi()
        try:
            found: dict[str, Any] = load()
        except OcitraceError as exc:
            if multi:
                raise
            self.notes.add(
                f"{what} of {self.ins.display_name} could not be loaded ({exc}); "
                f"printed the empty value, as buildx does for a single-platform image"
            )
            return empty
        self.notes.add(self.ins.missing_note(what, list(found)))
        if multi:
            return found
        for value in found.values():
            return value
        return empty
