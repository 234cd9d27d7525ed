"""Retry policy, Retry-After parsing (both RFC 9110 forms) and the shared per-host gate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocitrace.transport.retry import (
    BackoffGate,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
)

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (200, False),
        (401, False),
        (404, False),
        (408, True),
        (429, True),
        (500, True),
        (501, False),
        (502, True),
        (503, True),
        (504, True),
        (505, False),
    ],
)
def test_retryable_statuses(status: int, retry: bool) -> None:
    assert is_retryable_status(status) is retry


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(" 0 ", NOW) == 0.0
    # RFC 9110 §10.2.3 example date, 12 s after NOW
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:12 GMT", NOW) == 12.0
    # a date in the past means "now"
    assert parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("bad", [None, "", "soon", "-5", "1.5e3"])
def test_retry_after_garbage(bad: str | None) -> None:
    assert parse_retry_after(bad, NOW) is None


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(retries=4, backoff=0.5, max_backoff=3.0)
    assert [policy.delay(n, rand=lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [policy.delay(n, rand=lambda: 0.0) for n in range(3)] == [0.25, 0.5, 1.0]
    assert policy.delay(0, retry_after=7.0) == 7.0
    assert policy.gives_up_on(3.5) and not policy.gives_up_on(3.0) and not policy.gives_up_on(None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_gate_pauses_every_caller_of_the_host_only() -> None:
    clock = FakeClock()
    gate = BackoffGate(clock, clock.sleep)
    gate.hold("r.example:5000", 2.0)
    gate.hold("r.example:5000", 1.0)  # shorter mark never shortens the pause
    assert gate.wait("other.example") == 0.0
    assert gate.wait("r.example:5000") == 2.0
    assert gate.wait("r.example:5000") == 0.0
    assert clock.slept == [2.0]
