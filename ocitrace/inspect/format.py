"""``--format``: run a Go template over buildx's data model, as ``imagetools inspect`` does.

Order of work mirrors buildx where it is observable: the top level was fetched first (a
missing tag wins over a broken template), then the template is parsed; a format whose
parsed tree reprints as ``{{.Manifest}}`` prints the default listing; otherwise the
template runs; its output is written when it ends (what ran before an execution error stays).
Unlike buildx nothing else is fetched up front: the model resolves fields on first use,
and a scan of the template text starts the fetches it will need in one round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..lazyre import lazy
from ..template import ExecError
from .inspection import Inspection
from .model import TemplateModel

__all__ = [
    "FormatExecError",
    "Rendered",
    "inspect_document",
    "is_manifest_format",
    "prefetch_hints",
    "render_format",
]

_MANIFEST_ONLY = lazy(r"\{\{\s*\.Manifest\s*\}\}")


def is_manifest_format(reprinted: str) -> bool:
    """buildx's check on the parsed template's reprint (surrounding whitespace ignored)."""
    return _MANIFEST_ONLY.fullmatch(reprinted.strip()) is not None


def prefetch_hints(text: str) -> dict[str, bool]:
    """Which expensive fields the template text names (a hint only: laziness stays exact)."""
    return {
        "image": re.search(r"\bImage\b|json\s+\.\s*\}\}|json\s+\$", text) is not None,
        "provenance": re.search(r"\bProvenance\b", text) is not None,
        "sbom": re.search(r"\bSBOM\b", text) is not None,
    }


@dataclass(frozen=True, slots=True)
class Rendered:
    """A template's output and the notes gathered while it ran (one line each, no prefix)."""

    output: str
    notes: tuple[str, ...] = ()


class FormatExecError(ExecError):
    """The template failed while running: Go's message, what ran before the failure
    (``partial_output``, which buildx has already streamed) and the run's ``notes``."""

    def __init__(self, exc: ExecError, notes: tuple[str, ...]) -> None:
        super().__init__(str(exc), exc.name, exc.partial_output)
        self.notes = notes


def render_format(ins: Inspection, name: str, text: str) -> Rendered:
    """Render ``text`` for ``ins``: the output and the notes (missing attestations, a field
    read from a platform-keyed map).  Template errors: :class:`~ocitrace.template.ParseError`,
    :class:`FormatExecError` (an :class:`~ocitrace.template.ExecError`)."""
    from ..template import Template, json_func
    from .gomodel import reprint, to_go_root

    tpl = Template("").funcs({"json": json_func}).parse(text)
    if is_manifest_format(reprint(tpl)):
        return Rendered(ins.listing())
    ins.prefetch(**prefetch_hints(text))
    model = TemplateModel(ins, name)
    try:
        output = tpl.execute(to_go_root(model))
    except ExecError as exc:
        raise FormatExecError(exc, _notes(model, ins, text)) from exc
    return Rendered(output, _notes(model, ins, text))


def inspect_document(ins: Inspection, name: str) -> dict[str, Any]:
    """Everything ``inspect`` knows as one JSON object: buildx's ``{{json .}}`` (name,
    manifest, image) plus ``provenance`` and ``sbom`` (methods, which buildx leaves out),
    each in buildx's own JSON shape."""
    import json

    doc: dict[str, Any] = json.loads(render_format(ins, name, "{{json .}}").output)
    for key, field in (("provenance", "Provenance"), ("sbom", "SBOM")):
        doc[key] = json.loads(render_format(ins, name, "{{json ." + field + "}}").output)
    return doc


#: ``.Image.X`` / ``.Provenance.X`` / ``.SBOM.X``: a field read straight off the root value
_KEYED_FIELD = lazy(r"(?<![\w)\]])\.(Image|Provenance|SBOM)\.([A-Za-z_]\w*)")


def _notes(model: TemplateModel, ins: Inspection, text: str) -> tuple[str, ...]:
    notes = model.notes.lines()
    if ins.is_multi():
        keys = ", ".join(ins.tree.keys())
        for root, fieldname in dict.fromkeys(_KEYED_FIELD.findall(text)):
            notes.append(
                f".{root} of {ins.display_name} is a map keyed by platform ({keys}), so "
                f".{root}.{fieldname} reads a missing key: choose one platform with "
                f'--platform OS/ARCH, or use (index .{root} "PLATFORM").{fieldname}'
            )
    return tuple(notes)
