"""Audit policies: parsed once from the command line, evaluated per platform image.

A failed check yields a short human message (``no provenance``, ``built 120d ago
(max 90d)``); an image passes when the list is empty.  Bad input (a duration or a
regular expression that does not parse) raises :class:`~ocitrace.errors.PolicyError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..errors import PolicyError
from .facts import Facts

__all__ = ["REQUIREMENTS", "Policy", "format_duration", "parse_duration", "parse_policy"]

REQUIREMENTS = ("provenance", "sbom")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION_RE = re.compile(r"(\d+)([smhdwy])")
_DURATION_HINT = "write a duration as a number and unit: 90d, 12h, 2w, 1w3d (s m h d w y)"


def parse_duration(text: str) -> timedelta:
    """``90d`` / ``12h`` / ``2w`` / ``1w3d`` → timedelta; raise PolicyError otherwise."""
    s = text.strip().lower()
    pos, seconds = 0, 0
    for m in _DURATION_RE.finditer(s):
        if m.start() != pos:
            break
        seconds += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not s or pos != len(s):
        raise PolicyError(f"invalid duration {text!r}", input=text, hint=_DURATION_HINT)
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Compact rendering for messages: whole days when ≥ 1 day, else hours, else minutes."""
    secs = int(delta.total_seconds())
    if secs >= 86400:
        return f"{secs // 86400}d"
    if secs >= 3600:
        return f"{secs // 3600}h"
    return f"{max(secs // 60, 0)}m"


def _compile(pattern: str | None, what: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PolicyError(
            f"invalid {what} regular expression {pattern!r}: {exc}",
            input=pattern,
            hint="Python regular-expression syntax; it is searched, not anchored",
        ) from exc


@dataclass(frozen=True, slots=True)
class Policy:
    """The checks requested; all optional. Regexes are searched (use ^…$ to anchor)."""

    require: frozenset[str] = field(default_factory=frozenset)
    max_age: timedelta | None = None
    builder: re.Pattern[str] | None = None
    source: re.Pattern[str] | None = None
    require_mode: str | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.require or self.max_age or self.builder or self.source or self.require_mode
        )

    def evaluate(self, facts: Facts, now: datetime) -> tuple[str, ...]:
        """Messages of the checks ``facts`` fail (empty: passes)."""
        out: list[str] = []
        if "provenance" in self.require and not facts.has_provenance:
            out.append("no provenance")
        if "sbom" in self.require and not facts.has_sbom:
            out.append("no SBOM")
        if self.require_mode and not _mode_ok(facts.mode, self.require_mode):
            out.append(f"provenance mode {facts.mode or 'none'} (want {self.require_mode})")
        if self.max_age is not None:
            out.extend(self._age(facts, now, self.max_age))
        if self.builder is not None and not self.builder.search(facts.builder or ""):
            out.append(
                f"builder {facts.builder or 'unknown'} does not match {self.builder.pattern}"
            )
        if self.source is not None and not self.source.search(facts.source or ""):
            out.append(f"source {facts.source or 'unknown'} does not match {self.source.pattern}")
        return tuple(out)

    @staticmethod
    def _age(facts: Facts, now: datetime, limit: timedelta) -> Iterable[str]:
        if facts.built_at is None:
            return ("build time unknown",)
        age = now - facts.built_at
        if age > limit:
            return (f"built {format_duration(age)} ago (max {format_duration(limit)})",)
        return ()


def _mode_ok(have: str | None, want: str) -> bool:
    """``max`` needs max; ``min`` is met by any provenance (max records more than min)."""
    return have == "max" if want == "max" else have in ("min", "max")


def parse_policy(
    *,
    require: Iterable[str] = (),
    max_age: str | None = None,
    builder: str | None = None,
    source: str | None = None,
    require_mode: str | None = None,
) -> Policy:
    """Build a :class:`Policy` from option values; raise PolicyError on bad input."""
    wanted = frozenset(r.strip().lower() for item in require for r in item.split(",") if r.strip())
    unknown = sorted(wanted - set(REQUIREMENTS))
    if unknown:
        raise PolicyError(
            f"unknown requirement {unknown[0]!r}",
            input=unknown[0],
            hint=f"--require takes {' or '.join(REQUIREMENTS)}",
        )
    if require_mode is not None and require_mode not in ("max", "min"):
        raise PolicyError(
            f"unknown provenance mode {require_mode!r}", input=require_mode, hint="use max or min"
        )
    return Policy(
        require=wanted,
        max_age=parse_duration(max_age) if max_age is not None else None,
        builder=_compile(builder, "--builder"),
        source=_compile(source, "--source"),
        require_mode=require_mode,
    )
