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
from typing import TextIO

from ..errors import UsageError
from .inspection import Inspection
from .model import TemplateModel

__all__ = ["is_manifest_format", "prefetch_hints", "render_format"]

_MANIFEST_ONLY = re.compile(r"\{\{\s*\.Manifest\s*\}\}")


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


def render_format(ins: Inspection, name: str, text: str, out: TextIO, err: TextIO) -> int:
    """Render ``text`` for ``ins`` to ``out``; notes about missing attestations go to ``err``."""
    try:
        from ..template import ExecError, Template, json_func
        from .gomodel import reprint, to_go_root
    except ImportError as exc:
        raise UsageError(
            "--format is not available in this build: the Go template engine is missing",
            input=text,
            hint="use the default listing or --raw",
        ) from exc

    tpl = Template("").funcs({"json": json_func}).parse(text)
    if is_manifest_format(reprint(tpl)):
        out.write(ins.listing())
        return 0
    ins.prefetch(**prefetch_hints(text))
    model = TemplateModel(ins, name)
    try:
        out.write(tpl.execute(to_go_root(model)))
    except ExecError as exc:
        out.write(exc.partial_output)  # buildx streams: what ran before the error stays
        raise
    finally:
        out.flush()
        for line in model.notes.lines():
            err.write(f"ocitrace: note: {line}\n")
    return 0
