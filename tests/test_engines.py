"""Engines: items come back in order, and the Dask engine keeps only a bounded window in flight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from budgetlib import engines


class _Future:
    def __init__(self, client: _Client, value: object) -> None:
        self.client, self.value = client, value

    def result(self) -> object:
        return self.value

    def release(self) -> None:
        self.client.in_flight -= 1


class _Client:
    """Runs each submitted call at once and counts the futures not yet released."""

    def __init__(self) -> None:
        self.in_flight = self.most = 0

    def submit(self, work: Callable[[Any], object], item: object, pure: bool = True) -> _Future:
        assert pure is False  # every file is read, never answered from a cache of an earlier call
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        return _Future(self, work(item))


def test_local_engine_keeps_the_order() -> None:
    assert list(engines.run(["b", "a", "c"], str.upper)) == [("b", "B"), ("a", "A"), ("c", "C")]


@pytest.mark.parametrize(("n", "window"), [(0, 3), (1, 3), (3, 3), (10, 3), (10, 1)])
def test_dask_results_come_in_order_with_a_bounded_window(n: int, window: int) -> None:
    client = _Client()
    got = list(engines._in_order(client, list(range(n)), lambda i: i * 10, window))
    assert got == [(i, i * 10) for i in range(n)]
    assert client.most <= window and client.in_flight == 0


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        list(engines.run([1], str, engine="spark"))
