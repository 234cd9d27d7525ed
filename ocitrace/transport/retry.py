"""Retry policy: which failures to retry, how long to wait, and a per-host pause gate.

Retried: connection errors, 408, 429 and 5xx (except 501/505, which will not change).
Waits grow exponentially with full jitter up to ``max_backoff``; a ``Retry-After`` (seconds
or HTTP-date) replaces the computed wait, and one longer than ``max_backoff`` ends the
retries at once (the caller gets the 429 and reports ``retry_after``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

_NEVER_RETRY = frozenset({501, 505})


def is_retryable_status(status: int) -> bool:
    """408, 429 and 5xx other than 501 Not Implemented / 505 Version Not Supported."""
    return status in (408, 429) or (500 <= status <= 599 and status not in _NEVER_RETRY)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # an HTTP-date here is rare: not loaded by every run

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: ``retries`` extra attempts, waits in [0, min(max_backoff, backoff·2^n)]."""

    retries: int = 4
    backoff: float = 0.25
    max_backoff: float = 30.0

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] | None = None,
    ) -> float:
        """Wait before retry number ``attempt + 1`` (``attempt`` counts from 0); ``rand``
        gives the jitter in [0, 1) (default ``random.random``, imported only for a retry)."""
        if retry_after is not None:
            return retry_after
        if rand is None:
            import random

            rand = random.random
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return float(ceiling * (0.5 + rand() / 2))

    def gives_up_on(self, retry_after: float | None) -> bool:
        """True when the server asks for a longer pause than we are willing to wait."""
        return retry_after is not None and retry_after > self.max_backoff


class BackoffGate:
    """Shared "do not send to HOST before T" marks, so every worker pauses on a 429."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def hold(self, host: str, seconds: float) -> None:
        """Keep ``host`` closed for ``seconds`` from now (an earlier mark never shortens it)."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._until.get(host, 0.0):
                self._until[host] = until

    def remaining(self, host: str) -> float:
        with self._lock:
            return max(0.0, self._until.get(host, 0.0) - self._clock())

    def wait(self, host: str) -> float:
        """Sleep until ``host`` is open again; return how long we slept."""
        pause = self.remaining(host)
        if pause > 0:
            self._sleep(pause)
        return pause
