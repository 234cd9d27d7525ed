"""Observe rate-limit and ``Warning`` response headers without acting on them.

Docker Hub sends ``ratelimit-limit: 100;w=21600`` and ``ratelimit-remaining: 76;w=21600``
(plus ``docker-ratelimit-source``); other registries the generic ``RateLimit-*`` trio.
``Warning: 299 - "text"`` headers are collected once each, for the CLI to show.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

MAX_WARNINGS = 32
MAX_WARNING_CHARS = 500
_WARNING = re.compile(r'(\d{3})\s+\S+\s+"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Last rate-limit state seen for one host; ``window`` in seconds when the server says."""

    limit: int | None
    remaining: int | None
    window: int | None = None
    reset: int | None = None
    source: str | None = None


def _number_and_window(value: str | None) -> tuple[int | None, int | None]:
    """``"100;w=21600"`` → (100, 21600); value before ``;``, ``w=`` from the policy part."""
    if not value:
        return None, None
    head, _, policy = value.partition(";")
    try:
        number: int | None = int(head.strip().split(",")[0])
    except ValueError:
        number = None
    window = None
    for part in policy.split(";"):
        key, _, val = part.strip().partition("=")
        if key.strip() == "w" and val.strip().isdigit():
            window = int(val.strip())
    return number, window


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """The rate limit announced by ``headers`` (a case-insensitive mapping), or None."""
    limit, lw = _number_and_window(headers.get("RateLimit-Limit"))
    remaining, rw = _number_and_window(headers.get("RateLimit-Remaining"))
    reset, _ = _number_and_window(headers.get("RateLimit-Reset"))
    if limit is None and remaining is None:
        return None
    return RateLimit(limit, remaining, lw or rw, reset, headers.get("Docker-RateLimit-Source"))


def parse_warnings(value: str | None) -> list[str]:
    """Texts of ``299`` warnings in a (possibly comma-joined) ``Warning`` header."""
    if not value:
        return []
    return [
        re.sub(r"\\(.)", r"\1", m.group(2)) for m in _WARNING.finditer(value) if m.group(1) == "299"
    ]


class HeaderObserver:
    """Thread-safe collector of per-host rate limits and distinct warnings (first-seen order)."""

    def __init__(self) -> None:
        self._limits: dict[str, RateLimit] = {}
        self._warnings: dict[str, None] = {}
        self._lock = threading.Lock()

    def observe(self, host: str, headers: Mapping[str, str]) -> None:
        limit = parse_rate_limit(headers)
        texts = parse_warnings(headers.get("Warning"))
        if limit is None and not texts:
            return
        with self._lock:
            if limit is not None:
                self._limits[host] = limit
            for text in texts:  # bounded: a registry could send a new one each response
                if len(self._warnings) < MAX_WARNINGS:
                    self._warnings.setdefault(text[:MAX_WARNING_CHARS], None)

    def rate_limits(self) -> dict[str, RateLimit]:
        with self._lock:
            return dict(self._limits)

    def warnings(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._warnings)
