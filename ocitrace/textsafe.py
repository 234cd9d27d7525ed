"""Show hostile text on a terminal without letting it drive the terminal.

Registry and layout text (tags, names, annotations, error bodies) may carry control
characters: CSI sequences that move the cursor or recolour, OSC 0 (window title),
OSC 8 (hyperlinks), OSC 52 (clipboard writes).  :func:`escape` makes every such
character visible instead of interpreting it:

* C0 controls (U+0000-U+001F) except ``\\n`` and ``\\t``, DEL (U+007F) and C1 controls
  (U+0080-U+009F) become ``\\xHH`` (so ESC is the four characters ``\\x1b``);
* a lone surrogate (U+D800-U+DFFF, which cannot be encoded and would abort printing)
  becomes ``\\uDXXX``;
* a literal backslash is left alone (the escaped form is for reading, not round-tripping).

Because ESC itself is escaped, no escape sequence survives: its introducer is visible
and the rest is printable text.  ``keep_newlines=False`` also escapes ``\\n`` and
``\\t`` (for one-line fields such as error lines and table cells).

``keep_sgr=True`` lets through SGR sequences (``ESC [ digits;... m``, colour only) and
nothing else: it is for text whose colours ocitrace added itself *after* escaping every
piece of registry text in it (the audit table and diff report with ``--color``).

The CLI applies these at one boundary, :mod:`ocitrace.cli.output`.
"""

from __future__ import annotations

import re

__all__ = ["escape", "escape_line", "escape_unprintable", "is_safe"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SGR = re.compile("\x1b\\[[0-9;]*m")


def _sub(match: re.Match[str]) -> str:
    cp = ord(match.group())
    return f"\\u{cp:04x}" if cp > 0xFF else f"\\x{cp:02x}"


def escape(text: str, *, keep_newlines: bool = True, keep_sgr: bool = False) -> str:
    """``text`` with every terminal control character shown as ``\\xHH`` / ``\\uXXXX``
    (``keep_sgr``: except ocitrace's own colour sequences, see the module docstring)."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_LINE
    if not keep_sgr or "\x1b" not in text:
        return pattern.sub(_sub, text)
    out: list[str] = []
    last = 0
    for match in _SGR.finditer(text):
        out += (pattern.sub(_sub, text[last : match.start()]), match.group())
        last = match.end()
    out.append(pattern.sub(_sub, text[last:]))
    return "".join(out)


def escape_line(text: str) -> str:
    """:func:`escape` for one-line fields: newline and tab are escaped too."""
    return escape(text, keep_newlines=False)


def escape_unprintable(text: str) -> str:
    """Stricter than :func:`escape_line`: every character Python does not call printable
    (space excepted) is escaped, so also bidi overrides (U+202E), zero-width and line or
    paragraph separators (U+2028/9): for one-line fields whose look must not be forged
    (signer identities, diff values)."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch.isprintable()
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )


def is_safe(text: str, *, keep_newlines: bool = True) -> bool:
    """True when :func:`escape` would leave ``text`` unchanged."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_LINE
    return pattern.search(text) is None
