"""Engines: where the per-chunk work of ingest runs — in this process, or on a Dask cluster.

Takes a list of work items (ingest's are chunks of file paths) and a function that turns one
item into a result; gives ``(item, result)`` pairs in the order of the items. ``local`` runs
them here one after another; ``dask`` submits them to a Dask cluster — a ``LocalCluster`` on
this machine by default, or any scheduler when its address is given (``tcp://host:8786``) —
keeping a few items per worker in flight, so memory stays bounded however long the list.
The function is the same either way, so both engines give the same outputs.

Dask is an optional extra: ``pip install 'budgetlib[dask]'``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["ENGINES", "IN_FLIGHT_PER_WORKER", "run"]

S = TypeVar("S")
T = TypeVar("T")
ENGINES = ("local", "dask")
#: items submitted ahead per Dask worker (keeps every worker busy, bounds what waits in memory)
IN_FLIGHT_PER_WORKER = 2


def run(items: Sequence[S], work: Callable[[S], T], engine: str = "local", scheduler: str | None = None,
        workers: int | None = None) -> Iterator[tuple[S, T]]:
    """``(item, work(item))`` for every item, in order.

    >>> list(run([1, 2, 3], lambda n: n * n))
    [(1, 1), (2, 4), (3, 9)]
    """
    if engine == "local":
        for item in items:
            yield item, work(item)
        return
    if engine == "dask":
        yield from _dask(items, work, scheduler, workers)
        return
    raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def _dask(items: Sequence[S], work: Callable[[S], T], scheduler: str | None, workers: int | None) -> Iterator[tuple[S, T]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("the dask engine needs the optional extra: pip install 'budgetlib[dask]'") from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        yield from _in_order(client, items, work, max(1, len(client.scheduler_info()["workers"])) * IN_FLIGHT_PER_WORKER)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _in_order(client: Any, items: Sequence[S], work: Callable[[S], T], window: int) -> Iterator[tuple[S, T]]:
    """Submit items ``window`` ahead of the one being gathered; results come back in order."""
    pending: deque[tuple[S, Any]] = deque()
    queue = iter(items)
    for item in queue:
        pending.append((item, client.submit(work, item, pure=False)))
        if len(pending) >= window:
            break
    while pending:
        item, future = pending.popleft()
        result = future.result()
        future.release()
        for nxt in queue:  # the next item, if any, takes the freed place
            pending.append((nxt, client.submit(work, nxt, pure=False)))
            break
        yield item, result
