"""Module-level regular expressions compiled on first use (start-up, issue 14 item 1).

``re.compile`` at import time made every command pay for every pattern of every module
it loads (~40 patterns, several milliseconds): ``ocitrace inspect oci-layout://…`` never
matches a registry host, ``digest`` never a platform.  :func:`lazy` returns an object used
exactly like the compiled pattern (``.fullmatch``, ``.sub``, ``.pattern`` …) that compiles
it the first time an attribute is read::

    _TAG_RE = lazy(r"[\\w][\\w.-]{0,127}", re.ASCII)
    ...
    if _TAG_RE.fullmatch(tag): ...
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["lazy"]


class _LazyPattern:
    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:  # two threads may both compile: the same pattern, harmless
            compiled = self._compiled = re.compile(self._source, self._flags)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, done on first use of the result."""
    return _LazyPattern(pattern, int(flags))  # type: ignore[return-value]  # a stand-in
