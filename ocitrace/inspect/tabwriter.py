"""A port of Go's ``text/tabwriter`` (flags 0), enough to reproduce buildx's listing byte for byte.

Text is split into cells by ``\\t`` (and ``\\v``); ``\\n`` and ``\\f`` end a line.  A column
block is a run of consecutive lines that have a tab-terminated cell in that column; each
cell is padded to the block's widest cell plus ``padding``.  The last cell of a line is
never padded.  Like Go, a line made of a single cell flushes the writer on its own
(``\\f`` always does), so widths never reach across such a line.  Widths count code
points (Go counts runes).  Escapes, ``AlignRight`` and the other flags are not supported:
buildx uses none of them.
"""

from __future__ import annotations

__all__ = ["TabWriter"]

_CELL_ENDS = "\t\v\n\f"


class _Cell:
    __slots__ = ("htab", "text")  # a plain class: a dataclass costs start-up to build

    def __init__(self, text: str = "", htab: bool = False) -> None:
        self.text = text
        self.htab = htab  # terminated by '\t' (not '\v'); unused without DiscardEmptyColumns


class TabWriter:
    """``tabwriter.NewWriter(out, minwidth, tabwidth, padding, padchar, 0)`` writing into a list.

    Call :meth:`write` any number of times, then :meth:`flush`; :meth:`getvalue` returns
    everything written so far.
    """

    def __init__(
        self, minwidth: int = 0, tabwidth: int = 0, padding: int = 1, padchar: str = " "
    ) -> None:
        if minwidth < 0 or tabwidth < 0 or padding < 0:
            raise ValueError("negative minwidth, tabwidth, or padding")
        self._minwidth = minwidth
        self._tabwidth = tabwidth
        self._padding = padding
        self._padchar = padchar
        self._out: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self._cell = _Cell()
        self._lines: list[list[_Cell]] = [[]]
        self._widths: list[int] = []

    def getvalue(self) -> str:
        """Everything flushed so far."""
        return "".join(self._out)

    def write(self, text: str) -> None:
        """Buffer ``text``; flushes on ``\\f`` and after lines consisting of a single cell."""
        start = 0
        for i, ch in enumerate(text):
            if ch not in _CELL_ENDS:
                continue
            self._cell.text += text[start:i]
            start = i + 1
            ncells = self._terminate_cell(ch == "\t")
            if ch in "\n\f":
                self._lines.append([])
                if ch == "\f" or ncells == 1:
                    self.flush()
        self._cell.text += text[start:]

    def flush(self) -> None:
        """Format and emit every buffered line (the current partial cell included)."""
        if self._cell.text:
            self._terminate_cell(False)
        try:
            self._format(0, len(self._lines))
        finally:
            self._reset()

    def _terminate_cell(self, htab: bool) -> int:
        self._cell.htab = htab
        line = self._lines[-1]
        line.append(self._cell)
        self._cell = _Cell()
        return len(line)

    def _format(self, line0: int, line1: int) -> None:
        column = len(self._widths)
        this = line0
        while this < line1:
            if column < len(self._lines[this]) - 1:
                self._write_lines(line0, this)
                line0 = this
                width = self._minwidth
                while this < line1 and column < len(self._lines[this]) - 1:
                    width = max(width, len(self._lines[this][column].text) + self._padding)
                    this += 1
                self._widths.append(width)
                self._format(line0, this)
                self._widths.pop()
                line0 = this
            else:
                this += 1
        self._write_lines(line0, line1)

    def _write_lines(self, line0: int, line1: int) -> None:
        for i in range(line0, line1):
            for j, cell in enumerate(self._lines[i]):
                self._out.append(cell.text)
                if j < len(self._widths):
                    self._write_padding(len(cell.text), self._widths[j])
            if i + 1 < len(self._lines):
                self._out.append("\n")

    def _write_padding(self, textw: int, cellw: int) -> None:
        if self._padchar == "\t":
            if self._tabwidth == 0:
                return
            cellw = (cellw + self._tabwidth - 1) // self._tabwidth * self._tabwidth
            self._out.append("\t" * ((cellw - textw + self._tabwidth - 1) // self._tabwidth))
            return
        self._out.append(self._padchar * (cellw - textw))
