"""Parse ``WWW-Authenticate`` headers (RFC 7235) into challenges.

Registries send ``Basic realm="…"`` or ``Bearer realm="…",service="…",scope="…"``; quoted
values may contain commas (``scope="repository:a:pull,push"``) and one header (or several,
which requests joins with ``", "``) may hold several challenges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SPACE = re.compile(r"[ \t]*")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class Challenge:
    """One auth challenge: scheme lower-cased, parameter names lower-cased."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")

    @property
    def service(self) -> str | None:
        return self.params.get("service")

    @property
    def scope(self) -> str | None:
        return self.params.get("scope")

    @property
    def error(self) -> str | None:
        return self.params.get("error")


class _Scanner:
    """A cursor over the header text; every method skips leading blanks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def peek(self, char: str) -> bool:
        self.skip()
        return self.text.startswith(char, self.pos)

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        self.skip()
        m = pattern.match(self.text, self.pos)
        if m:
            self.pos = m.end()
        return m

    def eat(self, char: str) -> bool:
        if self.peek(char):
            self.pos += len(char)
            return True
        return False

    def starts_param(self) -> bool:
        """True when the next thing is ``name =`` (an auth-param, not a new scheme)."""
        save = self.pos
        try:
            if self.take(_TOKEN) is None or not self.eat("="):
                return False
            return not (self.at_end() or self.peek("=") or self.peek(","))  # else token68
        finally:
            self.pos = save


def parse_www_authenticate(header: str | None) -> list[Challenge]:
    """All challenges in ``header``, in order; unparsable tails are dropped, never raised."""
    if not header:
        return []
    s = _Scanner(header)
    out: list[Challenge] = []
    while not s.at_end():
        if s.eat(","):
            continue
        scheme = s.take(_TOKEN)
        if scheme is None:
            break
        params = _params(s)
        out.append(Challenge(scheme.group(0).lower(), params))
    return out


def _params(s: _Scanner) -> dict[str, str]:
    params: dict[str, str] = {}
    if not s.starts_param() and (t68 := s.take(_TOKEN68)) is not None and not s.peek("="):
        params["token68"] = t68.group(0)
        return params
    while s.starts_param():
        name = s.take(_TOKEN)
        assert name is not None
        s.eat("=")
        if (q := s.take(_QUOTED)) is not None:
            value = _UNESCAPE.sub(r"\1", q.group(1))
        elif (t := s.take(_TOKEN)) is not None:
            value = t.group(0)
        else:
            value = ""
        params.setdefault(name.group(0).lower(), value)
        save = s.pos
        if not s.eat(","):
            break
        while s.eat(","):
            save = s.pos
        if not s.starts_param():
            s.pos = save
            break
    return params


def pick(challenges: list[Challenge]) -> Challenge | None:
    """The challenge to answer: Bearer (with a realm) over Basic; others are unsupported."""
    for scheme in ("bearer", "basic"):
        for ch in challenges:
            if ch.scheme == scheme and (scheme == "basic" or ch.realm):
                return ch
    return None
