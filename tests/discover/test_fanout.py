"""discover's fan-out: same results and order as ThreadPoolExecutor.map, fewer threads."""

from __future__ import annotations

import threading

import pytest

from ocitrace.discover.engine import _FanOut


def test_results_in_order_and_first_item_in_the_calling_thread() -> None:
    seen: dict[int, int] = {}

    def work(i: int) -> int:
        seen[i] = threading.get_ident()
        return i * 10

    with _FanOut(4) as pool:
        assert pool.map(work, range(5)) == [0, 10, 20, 30, 40]
        assert pool.map(work, []) == []
    assert seen[0] == threading.get_ident()
    assert any(ident != threading.get_ident() for ident in seen.values())


def test_one_item_or_one_worker_runs_inline_without_a_pool() -> None:
    before = threading.active_count()
    with _FanOut(4) as pool:
        assert pool.map(lambda i: threading.get_ident(), [1]) == [threading.get_ident()]
        assert pool._pool is None
    with _FanOut(1) as pool:
        assert pool.map(lambda i: threading.get_ident(), [1, 2]) == [threading.get_ident()] * 2
        assert pool._pool is None
    assert threading.active_count() == before


def test_an_error_propagates_and_the_pool_is_shut_down() -> None:
    def work(i: int) -> int:
        if i == 0:
            raise ValueError("boom")
        return i

    fan = _FanOut(3)
    with pytest.raises(ValueError, match="boom"), fan as pool:
        pool.map(work, [0, 1, 2])
    assert fan._pool is not None and fan._pool._shutdown
