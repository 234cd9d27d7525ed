"""The one boundary between registry text and the terminal: human-readable output.

Everything a person reads goes through a :class:`HumanStream`, which shows terminal control
characters as ``\\xHH`` (:func:`ocitrace.textsafe.escape`: C0 but newline and tab, DEL, C1,
lone surrogates), so an ESC from a tag, annotation, SBOM field or error body can never start
a CSI or OSC 0/8/52 sequence:

* **stderr** is wrapped once, in :func:`ocitrace.cli.main.main`: it only ever carries text
  for people (errors, warnings, notes, summaries, per-row errors, ``-v`` logs).  Only the
  progress bar, which draws with ``\\r``, writes to :func:`raw` of it.
* **stdout** is wrapped by the command for its human-readable modes (tables, summaries,
  listings): ``human(args.stdout)``.  Byte-exact modes write to ``args.stdout`` itself:
  ``--raw``, ``manifest``, ``blob``, SBOM documents and ``--dockerfile`` (via
  :func:`~ocitrace.cli.common.write_bytes`), ``--format`` (a template's output is what it
  says; inspect's mirrors buildx), JSON (its encoding escapes control characters), and
  ``inspect``'s default listing when stdout is not a terminal (buildx's bytes).

Newline and tab pass as structure.  Inside a one-line field (a table cell, a listed name)
they are not: :func:`lines` and the table renderers escape such fields with
:func:`~ocitrace.textsafe.escape_line` first.  ``sgr=True`` keeps ocitrace's own colour
sequences (``--color``); the renderers that add them escape every registry cell before
colouring.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO, cast

from ..textsafe import escape, escape_line

__all__ = ["HumanStream", "human", "lines", "raw"]


class HumanStream:
    """A text stream for people: every write is made terminal-safe, then passed on."""

    def __init__(self, stream: TextIO, *, sgr: bool = False) -> None:
        self.raw: TextIO = raw(stream)
        self.sgr = sgr

    def write(self, text: str) -> int:
        self.raw.write(escape(text, keep_sgr=self.sgr))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for text in lines:
            self.write(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        isatty = getattr(self.raw, "isatty", None)
        try:
            return bool(isatty()) if callable(isatty) else False
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, closed, ...
        return getattr(self.raw, name)


def human(stream: TextIO, *, sgr: bool = False) -> TextIO:
    """``stream`` for human-readable output (a :class:`HumanStream`, typed as the stream
    it wraps so ``print(file=...)`` and the commands' helpers take it)."""
    if isinstance(stream, HumanStream) and stream.sgr == sgr:
        return cast(TextIO, stream)
    return cast(TextIO, HumanStream(stream, sgr=sgr))


def lines(stream: TextIO, fields: Iterable[str]) -> None:
    """One record per line (tags, repository names, digests), each record's own newlines
    and tabs escaped too, so a hostile name cannot forge a second record."""
    out = raw(stream)
    for field in fields:
        out.write(escape_line(field) + "\n")


def raw(stream: Any) -> TextIO:
    """The stream under a :class:`HumanStream` (``stream`` itself otherwise): for the
    byte-exact writers and the progress bar."""
    while isinstance(stream, HumanStream):
        stream = stream.raw
    return cast(TextIO, stream)
